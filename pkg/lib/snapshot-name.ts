// The name a snapshot taken by hand is offered (ZFS datasets and RBD images
// alike): "manual-" and the local date and minute, so that names sort by time.
const pad = (n: number) => String(n).padStart(2, "0");

export function defaultSnapshotName(): string {
    const d = new Date();
    return `manual-${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
}
