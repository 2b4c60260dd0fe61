// Plain-text tables and lines for people; JSON for scripts.
import { microsecondsToIso } from "../lib/times.js";
import type { Values } from "./args.js";

/* Control characters shown as visible escapes: cells carry text that callers of
 * the API chose (audit records, tool messages), and a terminal must not take
 * an escape sequence or a newline in them for its own. */
export function printable(text: string): string {
    return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, c => c === "\t" ? " " : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/* A time of the contract (µs since the epoch, as a number or bigint) as ISO 8601 UTC; "-" for none. */
export function timeText(microseconds: unknown): string {
    return microsecondsToIso(microseconds) || "-";
}

export function table(headers: string[], rows: string[][]): string {
    const cells = rows.map(r => headers.map((_h, i) => printable(r[i] ?? "")));
    const widths = headers.map((h, i) => Math.max(h.length, ...cells.map(r => r[i].length)));
    const line = (row: string[]) => row.map((c, i) => i === row.length - 1 ? c : c.padEnd(widths[i])).join("  ").trimEnd();
    return [line(headers), ...cells.map(line)].join("\n");
}

/* "Name   value" lines for one object. */
export function fields(pairs: Array<[string, unknown]>): string {
    const width = Math.max(...pairs.map(([k]) => k.length));
    return pairs.map(([k, v]) => `${k.padEnd(width)}  ${printable(String(v))}`).join("\n");
}

export function toJson(value: unknown): string {
    // 64-bit integers too large for a JavaScript number (rare) stay exact as strings
    return JSON.stringify(value, (_k, v: unknown) => typeof v === "bigint" ? v.toString() : v, 2);
}

export function printJson(value: unknown): void {
    process.stdout.write(toJson(value) + "\n");
}

export function print(text: string): void {
    process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

/* A table with a row per item: what a list command shows people. */
export function tableOf<T>(headers: string[], row: (item: T) => string[]): (items: T[]) => string {
    return items => table(headers, items.map(row));
}

/* A list command's output: the items as they are for scripts (--json), else as `text` shows them. */
export function printList<T>(values: Values, items: T[], text: (items: T[]) => string): number {
    print(values.json ? toJson(items) : text(items));
    return 0;
}
