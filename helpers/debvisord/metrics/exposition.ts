// Prometheus's text exposition format (what node-exporter's textfile
// collector reads): one HELP and TYPE line per family, then its samples.
// Label values are escaped as the format says (\\, \" and \n); names are
// DebVisor's own, so they are only checked.

type MetricType = "counter" | "gauge";
export type Labels = Record<string, string>;

export interface Family {
    name: string;
    help: string;
    type: MetricType;
    samples: Array<{ labels?: Labels; value: number }>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabel(value: string): string {
    return value.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n");
}

function formatValue(value: number): string {
    if (Number.isNaN(value))
        return "NaN";
    if (!Number.isFinite(value))
        return value > 0 ? "+Inf" : "-Inf";
    return String(value);
}

/* The families as one text; a family without samples is left out. */
export function exposition(families: Family[]): string {
    const lines: string[] = [];
    for (const f of families) {
        if (!NAME.test(f.name))
            throw new Error(`${f.name} is not a metric name`);
        if (f.samples.length === 0)
            continue;
        lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${f.name} ${f.type}`);
        for (const s of f.samples) {
            const labels = Object.entries(s.labels ?? {});
            for (const [k] of labels)
                if (!LABEL.test(k))
                    throw new Error(`${k} is not a label name`);
            const text = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}` : "";
            lines.push(`${f.name}${text} ${formatValue(s.value)}`);
        }
    }
    return lines.length ? `${lines.join("\n")}\n` : "";
}
