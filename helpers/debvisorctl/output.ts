// Plain-text tables for the terminal; JSON for scripts.

export function table(headers: string[], rows: string[][]): string {
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? "").length)));
    const line = (cells: string[]) => cells.map((c, i) => i === cells.length - 1 ? c : c.padEnd(widths[i])).join("  ").trimEnd();
    return [line(headers), ...rows.map(line)].join("\n");
}

export function printJson(value: unknown): void {
    process.stdout.write(JSON.stringify(value, (_k, v: unknown) => typeof v === "bigint" ? Number(v) : v, 2) + "\n");
}
