// Machine disks of kind "zvol": named as their /dev/zvol block device in the
// definition, refused with the reason where this host cannot make zvols
// (zfs-fuse, no ZFS, a profile that keeps VM disks elsewhere), recognized for
// deletion only when DebVisor made them, and never given a half snapshot.
import QUnit from "qunit";
import { DebVisorError } from "../../helpers/lib/errors.js";
import { diskXml } from "../../helpers/debvisord/machines/domain-builder.js";
import { describeDomain } from "../../helpers/debvisord/machines/domain-xml.js";
import { snapshotRefusal } from "../../helpers/debvisord/machines/snapshots.js";
import { createZvolDisk, deleteZvolDisk, zvolOfDisk, zvolRefusal } from "../../helpers/debvisord/machines/zvol-disks.js";
import { zvolParent } from "../../helpers/debvisord/storage/placement.js";
import { flavorFromVersion } from "../../helpers/debvisord/zfs/parse.js";
import { ZfsTools } from "../../helpers/debvisord/zfs/tools.js";

const OPENZFS = flavorFromVersion(0, "zfs-2.2.7-1\nzfs-kmod-2.2.7-1\n");
const ZFS_FUSE = flavorFromVersion(2, "");
const hostTools = new ZfsTools();
const hostFlavor = await hostTools.flavor();

function domainWith(disks: string): string {
    return `<domain><name>web</name><uuid>8d0c7b5e-1f2a-4c3d-9e8f-0a1b2c3d4e5f</uuid><devices>${disks}</devices></domain>`;
}

QUnit.module("zvol disks", () => {
    QUnit.test("a zvol disk is a raw block disk on its /dev/zvol device, read back as such", assert => {
        const xml = diskXml({ source: { device: "/dev/zvol/tank/vm/web-vdb" }, target: "vdb", device: "disk", format: "raw", bus: "virtio" });
        assert.strictEqual(xml, "<disk type=\"block\" device=\"disk\"><driver name=\"qemu\" type=\"raw\" discard=\"unmap\"/>" +
            "<source dev=\"/dev/zvol/tank/vm/web-vdb\"/><target dev=\"vdb\" bus=\"virtio\"/></disk>");
        const [disk] = describeDomain(domainWith(xml)).disks;
        assert.deepEqual([disk.Type, disk.Source, disk.Format, disk.Target], ["block", "/dev/zvol/tank/vm/web-vdb", "raw", "vdb"]);
        assert.strictEqual(zvolOfDisk(disk), "tank/vm/web-vdb");
    });

    QUnit.test("only DebVisor's zvols (direct children of the profile's dataset) are deleted with a machine", assert => {
        const block = (Source: string) => ({ Type: "block", Source });
        assert.strictEqual(zvolParent("zfs"), "tank/vm");
        assert.strictEqual(zvolOfDisk(block("/dev/zvol/tank/vm/a.b_c-vdc")), "tank/vm/a.b_c-vdc");
        for (const other of ["/dev/sdb", "/dev/zd0", "/dev/zvol/tank/other", "/dev/zvol/tank/vm", "/dev/zvol/tank/vm/", "/dev/zvol/tank/vm/a/b",
            "/dev/zvol/tank/vm/..", "/dev/zvol/tank/vm/-x", "/dev/zvol/tank/vmx/y"])
            assert.strictEqual(zvolOfDisk(block(other)), null, other);
        assert.strictEqual(zvolOfDisk({ Type: "file", Source: "/dev/zvol/tank/vm/web-vdb" }), null, "a file disk is not a zvol");
    });

    QUnit.test("where zvols cannot be made, the reason is said", assert => {
        assert.strictEqual(zvolRefusal("zfs", OPENZFS), null, "OpenZFS with the zfs profile");
        assert.true(/zfs-fuse, which cannot make volumes/.test(zvolRefusal("zfs", ZFS_FUSE) ?? ""), "zfs-fuse");
        assert.true(/ZFS is not installed/.test(zvolRefusal("zfs", null) ?? ""), "no ZFS");
        for (const profile of ["none", "ceph", "mixed"] as const)
            assert.true(new RegExp(`storage profile "zfs".*profile is "${profile}"`).test(zvolRefusal(profile, OPENZFS) ?? ""), profile);
    });

    QUnit.test.if("on this host's zfs-fuse a zvol disk is refused before any zfs call, and nothing is deleted for a disk that is no zvol",
        hostFlavor?.kind === "zfs-fuse", async assert => {
            const calls: string[] = [];
            const tools = new ZfsTools();
            tools.createVolume = async name => { calls.push(`create ${name}`); };
            tools.destroy = async name => { calls.push(`destroy ${name}`); };
            const error = await createZvolDisk(tools, "web-vdb", 1024 ** 3, undefined, "zfs").then(() => null, (e: unknown) => e);
            assert.true(error instanceof DebVisorError && error.errorName === "NotSupported", String(error));
            assert.true(/options\.kind: zvol disks need OpenZFS: this host runs zfs-fuse/.test((error as Error).message), (error as Error).message);
            assert.false(await deleteZvolDisk(tools, { Type: "block", Source: "/dev/sdb" }));
            assert.deepEqual(calls, []);
        });

    QUnit.test("a snapshot of a machine with a zvol (or any non-qcow2 disk) is refused before libvirt is asked", assert => {
        const qcow2 = diskXml({ source: { pool: "default", volume: "web.qcow2" }, target: "vda", device: "disk", format: "qcow2", bus: "virtio" });
        const cdrom = diskXml({ source: { file: "/srv/iso/debian.iso" }, target: "sda", device: "cdrom", format: "raw", bus: "sata" });
        const zvol = diskXml({ source: { device: "/dev/zvol/tank/vm/web-vdb" }, target: "vdb", device: "disk", format: "raw", bus: "virtio" });
        assert.strictEqual(snapshotRefusal("web", describeDomain(domainWith(qcow2 + cdrom)).disks), null, "qcow2 and a raw installer ISO");
        const refusal = snapshotRefusal("web", describeDomain(domainWith(qcow2 + zvol)).disks) ?? "";
        assert.true(refusal.startsWith("web cannot take a snapshot: its disk vdb (/dev/zvol/tank/vm/web-vdb) is raw"), refusal);
        assert.true(refusal.includes("snapshot the zvol tank/vm/web-vdb on the Storage page's ZFS tab instead"), refusal);
    });
});
