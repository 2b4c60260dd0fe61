// The pure parts of live migration: what a machine's definition says about
// moving it (disks copied, shared, refused; files and networks the other node
// needs), and the role table the receiving node checks a person's role with,
// which must say what the shipped polkit rule says.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PassThrough } from "node:stream";
import QUnit from "qunit";
import { STREAM_GO, STREAM_VERSION, streamVersionProblem, waitForGo } from "../../helpers/lib/migration-stream.js";
import type { CallContext } from "../../helpers/debvisord/bus/call-pipeline.js";
import type { ClusterHost } from "../../helpers/debvisord/cluster/cluster-host.js";
import { Migrations } from "../../helpers/debvisord/cluster/migration.js";
import type { Machines } from "../../helpers/debvisord/machines/machines.js";
import { OPERATOR_ACTIONS, roleAllows } from "../../helpers/debvisord/cluster/remote-roles.js";
import { migrationPlan } from "../../helpers/debvisord/machines/migration-plan.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const domain = (devices: string, os = "") => `<domain type='qemu'><name>web</name><uuid>8d0c7b5e-1f2a-4c3d-9e8f-0a1b2c3d4e5f</uuid>
  <os><type>hvm</type>${os}</os><devices>${devices}</devices></domain>`;

QUnit.module("migration", () => {
    QUnit.test("pool volumes and image-directory files are copied, RBD stays, an ISO and the boot files must be on the other node", assert => {
        const plan = migrationPlan(domain(`
            <disk type='volume' device='disk'><driver type='qcow2'/><source pool='default' volume='web.qcow2'/><target dev='vda'/></disk>
            <disk type='file' device='disk'><source file='/var/lib/libvirt/images/web-data.raw'/><target dev='vdb'/></disk>
            <disk type='network' device='disk'><source protocol='rbd' name='rbd/web-ceph'/><target dev='vdc'/></disk>
            <disk type='file' device='cdrom'><source file='/srv/iso/debian.iso'/><target dev='sda'/></disk>
            <disk type='file' device='cdrom'><target dev='sdb'/></disk>
            <interface type='network'><source network='default'/></interface>
            <interface type='bridge'><source bridge='br0'/></interface>`,
        "<kernel>/boot/vmlinuz</kernel><initrd>/boot/initrd.gz</initrd>"));
        assert.strictEqual(plan.name, "web");
        assert.deepEqual(plan.copied, [
            { target: "vda", pool: "default", volume: "web.qcow2", file: "" },
            { target: "vdb", pool: "", volume: "web-data.raw", file: "/var/lib/libvirt/images/web-data.raw" },
        ]);
        assert.deepEqual(plan.shared, ["vdc"]);
        assert.deepEqual(plan.files, ["/srv/iso/debian.iso", "/boot/vmlinuz", "/boot/initrd.gz"]);
        assert.deepEqual([plan.networks, plan.bridges], [["default"], ["br0"]]);
        assert.deepEqual(plan.refused, []);
    });

    QUnit.test("an RBD network disk stays on Ceph; the other node needs the secret it logs in with, by usage name", assert => {
        const rbd = (image: string, target: string) => `<disk type='network' device='disk'><driver name='qemu' type='raw'/>
            <auth username='libvirt'><secret type='ceph' usage='debvisor client.libvirt'/></auth>
            <source protocol='rbd' name='rbd/${image}'><host name='10.0.0.1' port='6789'/></source><target dev='${target}'/></disk>`;
        const plan = migrationPlan(domain(rbd("web-root", "vda") + rbd("web-data", "vdb")));
        assert.deepEqual(plan.shared, ["vda", "vdb"]);
        assert.deepEqual(plan.copied, []);
        assert.deepEqual(plan.cephSecrets, ["debvisor client.libvirt"], "named once");
        assert.deepEqual(migrationPlan(domain("<disk type='volume' device='disk'><source pool='default' volume='x.qcow2'/><target dev='vda'/></disk>")).cephSecrets, []);
    });

    QUnit.test("what cannot move is refused, naming the disk and why", assert => {
        const plan = migrationPlan(domain(`
            <disk type='block' device='disk'><source dev='/dev/sdb'/><target dev='vda'/></disk>
            <disk type='file' device='disk'><source file='/home/me/disk.qcow2'/><target dev='vdb'/></disk>
            <hostdev mode='subsystem' type='pci'/>`));
        assert.strictEqual(plan.refused.length, 3);
        assert.true(plan.refused[0].startsWith("disk vda is a block device of this node (/dev/sdb)"), plan.refused[0]);
        assert.true(plan.refused[1].startsWith("disk vdb is a file outside the storage pools (/home/me/disk.qcow2)"), plan.refused[1]);
        assert.true(plan.refused[2].includes("a device of this host (pci)"), plan.refused[2]);
        assert.deepEqual(plan.copied, []);
    });

    QUnit.test("a remote person's role: operators and admins may migrate, viewers and calls without a role may not", assert => {
        assert.true(roleAllows("admin", "org.debvisor.machines.migrate"));
        assert.true(roleAllows("operator", "org.debvisor.machines.migrate"));
        assert.false(roleAllows("operator", "org.debvisor.cluster.manage"));
        assert.false(roleAllows("viewer", "org.debvisor.machines.migrate"));
        assert.true(roleAllows("viewer", "org.debvisor.machines.read"));
        assert.false(roleAllows(undefined, "org.debvisor.machines.migrate"));
    });

    QUnit.test("the role table is the shipped polkit rule's", assert => {
        const rules = fs.readFileSync(path.join(ROOT, "dbus/50-debvisor.rules"), "utf8");
        const list = /var debvisorOperatorActions = \[([^\]]*)\]/.exec(rules)?.[1] ?? "";
        assert.deepEqual([...list.matchAll(/"([^"]+)"/g)].map(m => m[1]).sort(), [...OPERATOR_ACTIONS].sort());
    });

    QUnit.test("a stream's session opened ahead waits for the go; QEMU's bytes after it in the same read are kept; an end before it is no stream", async assert => {
        const input = new PassThrough();
        const started = waitForGo(input);
        input.write(Buffer.from([STREAM_GO, 0x51, 0x45]));
        assert.deepEqual([...await started ?? []], [0x51, 0x45], "the bytes after the go");
        input.write(Buffer.from("VM"));
        assert.strictEqual(String(input.read()), "VM", "the rest waits, paused, for the caller to pipe it on");

        const unused = new PassThrough();
        const none = waitForGo(unused);
        unused.end();
        assert.strictEqual(await none, null);

        const garbled = new PassThrough();
        const refused = waitForGo(garbled);
        garbled.write("QEVM");
        await assert.rejects(refused, /did not start with the sending node's go/);
    });

    QUnit.test("nodes of different stream versions: each side names the other's version and refuses before anything is done", assert => {
        assert.strictEqual(streamVersionProblem(STREAM_VERSION, "n2", "receiving"), null);
        const old = streamVersionProblem(undefined, "n2", "receiving") ?? "";
        assert.true(old.startsWith(`the receiving node n2 moves machines with migration streams of version 1, this node with version ${STREAM_VERSION}`), old);
        assert.true(old.endsWith("nothing was moved"), old);
        assert.true(streamVersionProblem(9, "n1", "sending")?.includes("the sending node n1 moves machines with migration streams of version 9"));
        assert.true(streamVersionProblem("2; rm", "n1", "sending")?.includes("of an unknown version"), "garbage is named no version");
    });

    QUnit.test("an incoming migration from a node of stream version 1 (it names none) is refused before libvirt or the disk is looked at", async assert => {
        // no cluster and no machines: whatever the handler touched of them would fail otherwise (a TypeError)
        const migrations = new Migrations({} as ClusterHost, {} as Machines);
        const audited: string[] = [];
        const ctx = { auditStep: async (m: string) => { audited.push(m) } } as unknown as CallContext;
        const args = {
            id: "0123456789abcdef", name: "web", uuid: "8d0c7b5e-1f2a-4c3d-9e8f-0a1b2c3d4e5f",
            copied: [{ target: "vda", pool: "default", volume: "web.qcow2", file: "" }], files: [], networks: [], bridges: [], cephSecrets: [],
        };
        await assert.rejects(migrations.peerCalls()["migration-prepare"](ctx, "n1", { call: "migration-prepare", user: "root", role: "admin", args }),
            (e: Error) => e.message.includes("the sending node n1 moves machines with migration streams of version 1"));
        assert.deepEqual(audited, [], "nothing expected, nothing audited");
    });
});

