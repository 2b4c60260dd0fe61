// A history graph's geometry, apart from React so that it is unit-tested:
// the points of a series (values 0 to 1) as an SVG path in a box, with a gap
// where data is missing for longer than a few steps.

export interface GraphBox { width: number; height: number }

/* "M x y L x y …" over [start, end] ms; a break (a new M) after a gap of more than 3 steps. */
export function graphPath(points: Array<[number, number]>, start: number, end: number, stepMs: number, box: GraphBox): string {
    if (points.length === 0 || end <= start)
        return "";
    const x = (t: number) => ((t - start) / (end - start)) * box.width;
    const y = (v: number) => box.height - Math.min(1, Math.max(0, v)) * box.height;
    let path = "";
    let last = -Infinity;
    for (const [t, v] of points) {
        path += `${t - last > 3 * stepMs ? "M" : "L"}${x(t).toFixed(1)} ${y(v).toFixed(1)} `;
        last = t;
    }
    return path.trim();
}

/* "42 %" for 0.42; "–" when there is no value. */
export function percent(value: number | undefined): string {
    return value === undefined || !Number.isFinite(value) ? "–" : `${Math.round(value * 100)} %`;
}
