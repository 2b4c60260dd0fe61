// Which segments retention may delete: the oldest ones, in order, each sealed
// (never the live segment), wholly inside an exported range, and with its
// newest record older than the retention period. The first segment that does
// not qualify stops the deletion, so the log always keeps a contiguous chain
// from its (recorded) beginning to now.
import { isExported, type ExportedRanges } from "./audit-settings.js";

interface SegmentSpan { name: string; firstSeq: number; lastSeq: number; lastTime: number; bytes: number }

export function segmentsToPrune<S extends SegmentSpan>(segments: S[], exported: ExportedRanges, keepMs: number, now: number): S[] {
    const out: S[] = [];
    for (const s of segments.slice(0, -1)) { // the last one is the live segment
        if (!isExported(exported, s.firstSeq, s.lastSeq) || now - s.lastTime < keepMs)
            break;
        out.push(s);
    }
    return out;
}
