// History graphs (CPU, memory, disk, network, pool fill) over the last hour,
// day or week, read through debvisord; used by the Overview, a machine's page
// and the Storage page. A graph holds one or two lines (read and write,
// received and sent); ratios are drawn 0 to 100 %, rates up to a round top.
// Re-read every minute while the page is visible.
import { useEffect, useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Spinner } from "@patternfly/react-core/dist/esm/components/Spinner/index.js";
import { ToggleGroup, ToggleGroupItem } from "@patternfly/react-core/dist/esm/components/ToggleGroup/index.js";
import { Gallery } from "@patternfly/react-core/dist/esm/layouts/Gallery/index.js";
import type { History, HistorySeries, HistorySubject } from "../api/alerts";
import type { CallError } from "../api/call";
import { _ } from "../gettext";
import { bytesPerSecond, graphPath, percent, rateScale } from "../history-graph";
import { prefetchHistory, readHistory } from "../history-prefetch";
import { inTurn } from "../kept-reads";
import { HISTORY_RANGES, otherRanges, type HistoryRange } from "../history-ranges";
import { latestReads } from "../latest-reads";

const REFRESH_MS = 60_000;
export { HISTORY_RANGES, type HistoryRange } from "../history-ranges";
const BOX = { width: 400, height: 80 };

export interface GraphSpec {
    title: string;
    unit: "ratio" | "rate";
    /** one or two series, each with its name in the caption */
    lines: Array<{ series: HistorySeries; label?: string; subject?: HistorySubject }>;
}

export function RangeToggle({ range, onChange }: { range: HistoryRange; onChange: (r: HistoryRange) => void }) {
    return (
        <ToggleGroup isCompact aria-label={_("History range")}>
            {HISTORY_RANGES.map(r => <ToggleGroupItem key={r.id} text={r.label()} buttonId={`history-${r.id}`}
                                                      isSelected={r.id === range.id} onChange={() => onChange(r)} />)}
        </ToggleGroup>
    );
}

function Graph({ spec, histories, range }: { spec: GraphSpec; histories: History[]; range: HistoryRange }) {
    const end = Date.now();
    const show = spec.unit === "ratio" ? percent : bytesPerSecond;
    const max = spec.unit === "ratio" ? 1 : rateScale(histories.flatMap(h => h.points.map(p => p[1])));
    const latest = histories.map((h, i) => `${spec.lines[i].label ? `${spec.lines[i].label} ` : ""}${show(h.points.at(-1)?.[1])}`).join(", ");
    const points = histories.reduce((n, h) => n + h.points.length, 0);
    return (
        <figure className="debvisor-graph" aria-label={spec.title} data-range={range.id}>
            <figcaption>
                <strong>{spec.title}</strong> <span className="debvisor-muted">{latest}</span>
                {spec.unit === "rate" && <span className="debvisor-muted debvisor-graph-scale"> {_("top")} {bytesPerSecond(max)}</span>}
            </figcaption>
            <svg viewBox={`0 0 ${BOX.width} ${BOX.height}`} preserveAspectRatio="none" role="img" aria-label={`${spec.title}: ${latest}`}
                 data-points={points}>
                <line x1="0" y1={BOX.height / 2} x2={BOX.width} y2={BOX.height / 2} className="debvisor-graph-grid" />
                {histories.map((h, i) => (
                    <path key={spec.lines[i].series} d={graphPath(h.points, end - range.seconds * 1000, end, h.step * 1000, BOX, max)}
                          className={i === 0 ? "debvisor-graph-line" : "debvisor-graph-line debvisor-graph-line-second"} vectorEffect="non-scaling-stroke" />
                ))}
            </svg>
        </figure>
    );
}

/* The graphs over a range chosen outside; a line's subject (a machine, a pool) is its own or the one given here (none: the node). */
export function HistoryGraphs({ specs, range, subject = {}, label }: { specs: GraphSpec[]; range: HistoryRange; subject?: HistorySubject; label: string }) {
    // the graphs drawn, and the range they are of (the one chosen may still be loading)
    const [shown, setShown] = useState<{ range: HistoryRange; histories: History[][] } | null>(null);
    const [error, setError] = useState<CallError | null>(null);
    // the specs are made anew each render (their titles are translated then): what they read decides when to read again
    const reads = JSON.stringify(specs.map(s => s.lines.map(l => [l.series, { ...subject, ...l.subject }])));

    useEffect(() => {
        const wanted = JSON.parse(reads) as Array<Array<[HistorySeries, HistorySubject]>>;
        const begin = latestReads();
        // the first load takes what was read ahead (kept a short while); a refresh reads anew
        const load = (first: boolean) => {
            const isLatest = begin();
            Promise.all(wanted.map(lines => Promise.all(lines.map(([series, of]) => readHistory(series, range.seconds, of, !first)))))
                .then(list => {
                    if (!isLatest())
                        return;
                    setShown({ range, histories: list });
                    setError(null);
                    // the other ranges are one click away: read them now that this one is drawn, the nearest first
                    // (the day's six reads do not share the bus and the engines with the week's)
                    if (first)
                        void inTurn(otherRanges(range), other => Promise.all(wanted.flat().map(([series, of]) => prefetchHistory([series], other.seconds, of))));
                }, (e: CallError) => { if (isLatest()) setError(e) });
        };
        load(true);
        const timer = window.setInterval(() => { if (document.visibilityState === "visible") load(false) }, REFRESH_MS);
        return () => {
            begin(); // the answers still on their way are not shown
            window.clearInterval(timer);
        };
    }, [reads, range]);

    // when graphs were drawn, for the graphs' benchmark (bench/metrics-overhead.ts) and the browser's profiler
    useEffect(() => { if (shown) performance.mark("debvisor-graphs-drawn", { detail: shown.range.id }) }, [shown]);

    if (error)
        return <Alert variant="info" isInline isPlain title={_("History is not available")}>{error.message}</Alert>;
    if (!shown)
        return <Spinner size="md" aria-label={_("Loading history")} />;
    return (
        <Gallery hasGutter aria-label={label} minWidths={{ default: "100%", md: "calc(50% - var(--pf-t--global--spacer--gutter--default))" }}>
            {specs.map((spec, i) => shown.histories[i] && <Graph key={spec.title} spec={spec} histories={shown.histories[i]} range={shown.range} />)}
        </Gallery>
    );
}
