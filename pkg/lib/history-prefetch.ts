// History asked for before the graphs that show it exist: a page opened at a
// graph's address (a machine's History tab at a range) starts reading it with
// its first script, alongside the reading of the bus's objects it does not
// need for it; graphs drawn at one range ask for the others, which a click
// shows next. The graphs' first read takes the answer on its way; later reads
// ask again.
import { metricsHistory, type History, type HistorySeries, type HistorySubject } from "./api/alerts";

/** an answer not taken within this long is stale: read again */
const KEPT_MS = 30_000;
const early = new Map<string, { at: number; answer: Promise<History> }>();

const keyOf = (series: HistorySeries, seconds: number, subject: HistorySubject) =>
    JSON.stringify([series, seconds, subject.machine ?? "", subject.machineName ?? "", subject.pool ?? ""]);

/* Begins the reads; settles once all of them are answered (or failed: a failure is the graphs' to show when they take it). */
export function prefetchHistory(series: HistorySeries[], seconds: number, subject: HistorySubject): Promise<void> {
    const answers: Array<Promise<unknown>> = [];
    for (const s of series) {
        const kept = early.get(keyOf(s, seconds, subject));
        if (kept && Date.now() - kept.at < KEPT_MS) {
            answers.push(kept.answer.catch(() => undefined));
            continue;
        }
        const answer = metricsHistory(s, seconds, subject);
        answers.push(answer.catch(() => undefined));
        early.set(keyOf(s, seconds, subject), { at: Date.now(), answer });
    }
    return Promise.all(answers).then(() => undefined);
}

/* The answer prefetched for exactly this read (once), or a new read. */
export function readHistory(series: HistorySeries, seconds: number, subject: HistorySubject): Promise<History> {
    const key = keyOf(series, seconds, subject);
    const found = early.get(key);
    early.delete(key);
    return found && Date.now() - found.at < KEPT_MS ? found.answer : metricsHistory(series, seconds, subject);
}
