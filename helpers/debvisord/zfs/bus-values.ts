// The ZFS area's structured properties as the contract types them: a pool's
// vdev tree as a flat list with depths (aa{sv}), the schedule as two
// dictionaries of structs, and SetSchedule's arguments back into the schedule.
import type { Vdev } from "./parse.js";
import type { Schedule } from "./schedule.js";

/* zpool status's tree, depth first: each node followed by its children, one level deeper. */
export function flattenVdevs(vdevs: Vdev[], depth = 0): Array<Record<string, unknown>> {
    return vdevs.flatMap(v => [{
        Name: v.name, Type: v.type, Section: v.section, Depth: depth, State: v.state, Read: v.read, Write: v.write, Checksum: v.checksum, Note: v.note,
    }, ...flattenVdevs(v.children, depth + 1)]);
}

/* The devices of a pool's tree: its leaves (a mirror or raidz only groups them). */
export function leafDevices(vdevs: Vdev[]): string[] {
    return vdevs.flatMap(v => v.children.length === 0 ? [v.name] : leafDevices(v.children));
}

type SnapshotPolicyStruct = [number, number, number, number, boolean];
type ScrubStruct = [number, number];

export function snapshotScheduleToBus(schedule: Schedule): Record<string, SnapshotPolicyStruct> {
    return Object.fromEntries(Object.entries(schedule.snapshots ?? {}).map(([dataset, p]) =>
        [dataset, [p.hourly ?? 0, p.daily ?? 0, p.weekly ?? 0, p.monthly ?? 0, p.recursive ?? false]]));
}

export function scrubScheduleToBus(schedule: Schedule): Record<string, ScrubStruct> {
    return Object.fromEntries(Object.entries(schedule.scrub ?? {}).map(([pool, s]) => [pool, [s.weekday, s.hour]]));
}

/* SetSchedule's two dictionaries in the form the schedule file keeps, for scheduleSchema to check. */
export function scheduleFromBus(snapshots: Record<string, SnapshotPolicyStruct>, scrub: Record<string, ScrubStruct>): unknown {
    return {
        snapshots: Object.fromEntries(Object.entries(snapshots).map(([dataset, [hourly, daily, weekly, monthly, recursive]]) =>
            [dataset, { hourly, daily, weekly, monthly, recursive }])),
        scrub: Object.fromEntries(Object.entries(scrub).map(([pool, [weekday, hour]]) => [pool, { weekday, hour }])),
    };
}
