// History asked for before the graphs that show it exist: a page opened at a
// graph's address (a machine's History tab at a range) starts reading it with
// its first script, alongside the reading of the bus's objects it does not
// need for it; a machine opened from the list starts reading the ranges its
// History tab shows first; graphs drawn at one range ask for the others, the
// nearest first. The graphs take an answer read within KEPT_MS (answered or on
// its way); their refreshes read anew.
import { metricsHistory, type History, type HistorySeries, type HistorySubject } from "./api/alerts";
import { KeptReads } from "./kept-reads";

/** an answer older than this is stale: read again */
const KEPT_MS = 30_000;
const kept = new KeptReads<History>(KEPT_MS);

const keyOf = (series: HistorySeries, seconds: number, subject: HistorySubject) =>
    JSON.stringify([series, seconds, subject.machine ?? "", subject.machineName ?? "", subject.pool ?? ""]);

/* Begins the reads not kept already; settles once all of them are answered (or failed: a failure is the graphs' to
 * show when they take it). */
export function prefetchHistory(series: HistorySeries[], seconds: number, subject: HistorySubject): Promise<void> {
    return Promise.all(series.map(s => kept.take(keyOf(s, seconds, subject), () => metricsHistory(s, seconds, subject)).catch(() => undefined)))
        .then(() => undefined);
}

/* The answer kept for this read, or a new read; `fresh`: a new read whatever is kept (a refresh). */
export function readHistory(series: HistorySeries, seconds: number, subject: HistorySubject, fresh = false): Promise<History> {
    const read = () => metricsHistory(series, seconds, subject);
    return fresh ? kept.renew(keyOf(series, seconds, subject), read) : kept.take(keyOf(series, seconds, subject), read);
}
