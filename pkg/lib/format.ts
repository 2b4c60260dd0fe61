// Numbers and times as people read them.

export { formatBytes } from "../../helpers/lib/bytes";

export function formatTime(iso: string): string {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}
