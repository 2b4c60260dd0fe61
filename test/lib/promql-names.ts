// The metric names a PromQL expression reads, and the expressions of a
// Grafana dashboard (its panels' targets and its query variables): what the
// tests check against the series a running Prometheus has.

const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan"]);

/* Metric names in one expression: identifiers that are not functions, keywords, label names or Grafana variables. */
export function metricNames(expr: string): string[] {
    const bare = expr
        .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, "\"\"") // string literals
        .replace(/\$\{[^}]*\}|\$\w+/g, "1m") // Grafana's variables ($__rate_interval, ${machine})
        .replace(/\{[^}]*\}/g, "") // label matchers
        .replace(/\[[^\]]*\]/g, "") // ranges and subqueries
        .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "") // label lists
        .replace(/(^|[^\w.])\d[\w.]*/g, "$1"); // numbers and durations
    const names = new Set<string>();
    for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
        // a function's name is followed by "("
        if (/^\s*\(/.test(bare.slice(m.index + m[0].length)) || KEYWORDS.has(m[0].toLowerCase()))
            continue;
        names.add(m[0]);
    }
    return [...names].sort();
}

interface Panel { targets?: Array<{ expr?: string }>; panels?: Panel[] }
interface Dashboard { panels?: Panel[]; templating?: { list?: Array<{ type?: string; query?: string | { query?: string } }> } }

/* Every PromQL expression of a dashboard; label_values(metric, label) gives its metric as an expression. */
export function dashboardExpressions(dashboard: Dashboard): string[] {
    const exprs: string[] = [];
    const walk = (panels: Panel[] = []) => {
        for (const p of panels) {
            for (const t of p.targets ?? [])
                if (t.expr)
                    exprs.push(t.expr);
            walk(p.panels);
        }
    };
    walk(dashboard.panels);
    for (const v of dashboard.templating?.list ?? []) {
        const query = typeof v.query === "string" ? v.query : v.query?.query;
        const labelValues = v.type === "query" && query ? /^label_values\((.+),\s*\w+\)$/.exec(query) : null;
        if (labelValues)
            exprs.push(labelValues[1]);
    }
    return exprs;
}

/* The PromQL of every rule in a rule file of Prometheus (one-line `expr:` values, as the shipped files write them). */
export function ruleExpressions(ruleFile: string): string[] {
    return [...ruleFile.matchAll(/^\s*expr:\s*(.+)$/gm)].map(m => m[1]);
}
