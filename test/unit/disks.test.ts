import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { interpretLsblk, type LsblkDevice } from "../../helpers/debvisord/host/disks.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures");
const load = (name: string) => JSON.parse(fs.readFileSync(path.join(fixtures, name), "utf8")) as { blockdevices: LsblkDevice[] };
const roles = (disks: ReturnType<typeof interpretLsblk>) => Object.fromEntries(disks.map(d => [d.Name, d.Role]));

QUnit.module("disks: lsblk interpretation", () => {
    QUnit.test("recorded Debian 12 virtio VM: the root disk is the OS disk, zram is not storage", assert => {
        const disks = interpretLsblk(load("lsblk-debian12-virtio-vm.json"));
        assert.deepEqual(roles(disks), { zram0: "unusable", vda: "os" });
        const vda = disks.find(d => d.Name === "vda")!;
        assert.equal(vda.Size, 274877906944);
        assert.true(vda.Rotational);
        assert.deepEqual(vda.Mountpoints, ["/"]);
        assert.equal(vda.RoleReason, "holds the system mount /");
    });

    QUnit.test("a typical server: OS disk, spares, and every kind of disk in use", assert => {
        const byId = new Map([["sda", "/dev/disk/by-id/ata-ST4000NM000A-2HZ100_WJG0ABCD"]]);
        const disks = interpretLsblk(load("lsblk-constructed-server.json"), byId);
        assert.deepEqual(roles(disks), {
            nvme0n1: "os", sda: "spare", sdb: "spare", sdc: "in-use", sdd: "in-use",
            sde: "in-use", sdf: "unusable", sr0: "unusable", sdg: "in-use",
        });
        const reason = (n: string) => disks.find(d => d.Name === n)!.RoleReason;
        assert.equal(reason("sdc"), "has a mounted filesystem at /srv");
        assert.equal(reason("sdd"), "has sdd1, which is a ZFS pool member");
        assert.equal(reason("sdg"), "is a Ceph OSD");
        assert.equal(reason("sde"), "carries a filesystem (ext4)");
        assert.equal(reason("sdf"), "is removable media");
        const sda = disks.find(d => d.Name === "sda")!;
        assert.equal(sda.ById, "/dev/disk/by-id/ata-ST4000NM000A-2HZ100_WJG0ABCD");
        assert.equal(sda.Serial, "WJG0ABCD");
        assert.equal(sda.Size, 4e12);
        const os = disks.find(d => d.Name === "nvme0n1")!;
        assert.deepEqual(os.Partitions.map(p => p.Mountpoints[0]), ["/boot/efi", "/", "[SWAP]"]);
    });

    QUnit.test("old util-linux (string values, single MOUNTPOINT) gives the same answer", assert => {
        const modern = interpretLsblk(load("lsblk-constructed-server.json"));
        const old = interpretLsblk(load("lsblk-constructed-server-old-util-linux.json"));
        assert.deepEqual(roles(old), roles(modern));
        assert.deepEqual(old.map(d => d.Size), modern.map(d => d.Size));
        assert.deepEqual(old.map(d => d.Rotational), modern.map(d => d.Rotational));
    });

    QUnit.test("a swap-only disk counts as the OS disk; a small empty disk is no spare", assert => {
        const disks = interpretLsblk({ blockdevices: [
            { name: "vdb", type: "disk", size: 8 << 30, fstype: "swap", mountpoints: ["[SWAP]"] },
            { name: "vdc", type: "disk", size: 512 << 20, mountpoints: [null] },
            { name: "vdd", type: "disk", size: 8 << 30, ro: true, mountpoints: [null] },
        ] });
        assert.deepEqual(roles(disks), { vdb: "os", vdc: "unusable", vdd: "unusable" });
    });
});
