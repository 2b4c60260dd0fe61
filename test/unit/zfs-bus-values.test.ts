import QUnit from "qunit";
import { flattenVdevs, leafDevices, scheduleFromBus, scrubScheduleToBus, snapshotScheduleToBus } from "../../helpers/debvisord/zfs/bus-values.js";
import type { Vdev } from "../../helpers/debvisord/zfs/parse.js";
import { scheduleSchema } from "../../helpers/debvisord/zfs/schedule.js";
import { asSent, type Sent } from "../lib/as-sent.js";

const node = (name: string, type: string, children: Vdev[] = [], section = "data"): Vdev =>
    ({ name, type, section, state: "ONLINE", read: 0, write: 0, checksum: type === "disk" ? 3 : 0, note: "", children });

QUnit.module("zfs: properties as the contract types them", () => {
    QUnit.test("a pool's tree goes out depth first with depths; its leaves are its devices", assert => {
        const tree = [node("tank", "pool", [node("mirror-0", "mirror", [node("/dev/vdb", "disk"), node("/dev/vdc", "disk")])]),
            node("/dev/vdd", "disk", [], "cache")];
        const flat = asSent("org.debvisor.DebVisor1.ZfsPool", "Vdevs", flattenVdevs(tree)).value as Array<Record<string, Sent>>;
        assert.deepEqual(flat.map(v => [v.Name.value, v.Depth.value, v.Depth.signature, v.Section.value]),
            [["tank", 0, "u", "data"], ["mirror-0", 1, "u", "data"], ["/dev/vdb", 2, "u", "data"], ["/dev/vdc", 2, "u", "data"], ["/dev/vdd", 0, "u", "cache"]]);
        assert.deepEqual([flat[2].Checksum.signature, flat[2].Checksum.value], ["t", 3]);
        assert.deepEqual(leafDevices(tree), ["/dev/vdb", "/dev/vdc", "/dev/vdd"]);
    });

    QUnit.test("the schedule goes out as structs and comes back through scheduleSchema unchanged", assert => {
        const schedule = { snapshots: { "tank/vm": { hourly: 24, daily: 7, weekly: 0, monthly: 1, recursive: true } }, scrub: { tank: { weekday: 0, hour: 3 } } };
        const snapshots = snapshotScheduleToBus(schedule), scrub = scrubScheduleToBus(schedule);
        assert.deepEqual(snapshots, { "tank/vm": [24, 7, 0, 1, true] });
        assert.deepEqual(scrub, { tank: [0, 3] });
        const back = scheduleSchema.safeParse(scheduleFromBus(snapshots, scrub));
        assert.true(back.success);
        assert.deepEqual(back.data, schedule);
        // counts the file left out read as 0
        assert.deepEqual(snapshotScheduleToBus({ snapshots: { tank: { daily: 2 } } }), { tank: [0, 2, 0, 0, false] });
    });

    QUnit.test("out-of-range counts and hours from the bus are refused by the schema with the field named", assert => {
        const r = scheduleSchema.safeParse(scheduleFromBus({ tank: [0, 1001, 0, 0, false] }, { tank: [7, 24] }));
        assert.false(r.success);
        const paths = r.success ? [] : r.error.issues.map(i => i.path.join("."));
        assert.deepEqual(paths.sort(), ["scrub.tank.hour", "scrub.tank.weekday", "snapshots.tank.daily"]);
    });
});
