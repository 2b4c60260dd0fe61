// A history graph's geometry, apart from React so that it is unit-tested:
// the points of a series as an SVG path in a box (values 0 to max), with a
// gap where data is missing for longer than a few steps; the scale of a rate
// graph and its values in words.

interface GraphBox { width: number; height: number }

/* Ranges ordered by how near their length is to `seconds` (a day is nearer a week, 7 days, than an hour, 24 hours). */
export const nearestInLength = <R extends { seconds: number }>(ranges: R[], seconds: number): R[] =>
    [...ranges].sort((a, b) => Math.abs(Math.log(a.seconds / seconds)) - Math.abs(Math.log(b.seconds / seconds)));

/* "M x y L x y …" over [start, end] ms; a break (a new M) after a gap of more than 3 steps. */
export function graphPath(points: Array<[number, number]>, start: number, end: number, stepMs: number, box: GraphBox, max = 1): string {
    if (points.length === 0 || end <= start || !(max > 0))
        return "";
    const x = (t: number) => ((t - start) / (end - start)) * box.width;
    const y = (v: number) => box.height - Math.min(1, Math.max(0, v / max)) * box.height;
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

const RATE_UNITS = ["B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s"];

/* "1.5 MiB/s" for 1572864; "–" when there is no value. */
export function bytesPerSecond(value: number | undefined): string {
    if (value === undefined || !Number.isFinite(value))
        return "–";
    let v = Math.max(0, value);
    let unit = 0;
    while (v >= 1024 && unit < RATE_UNITS.length - 1) {
        v /= 1024;
        unit++;
    }
    return `${v < 10 && unit > 0 ? v.toFixed(1) : Math.round(v)} ${RATE_UNITS[unit]}`;
}

/* The top of a rate graph: the largest value rounded up to 1, 2 or 5 times a power of 10 of a unit (B, KiB, MiB…), at least 1 KiB/s. */
export function rateScale(values: number[]): number {
    const top = Math.max(1024, ...values.filter(Number.isFinite));
    const power = 1024 ** Math.floor(Math.log(top) / Math.log(1024));
    const mantissa = top / power;
    const nice = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1024].find(n => n >= mantissa) ?? 1024;
    return nice * power;
}
