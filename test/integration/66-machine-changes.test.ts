// Changing machines through the bus on the real libvirt: create from an
// image (a Job) and from a cloud image (the seed's contents checked), rename,
// resources, disks and NICs, clone and disk conversion as Jobs with their
// results checked with virsh and qemu-img; a profile whose pool was never
// made (a node without spare disks) leaves new disks in the default pool.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { callAs, getProperty, MANAGER } from "../lib/call-as.js";
import { containsSecret, craftImages, makeSecret, vmdkDescriptor } from "../lib/crafted-images.js";
import { closeWatchBus, watchJobs } from "../lib/bus-watch.js";
import { jobSucceeded } from "../lib/job-step.js";
import { qemuImgFormat, randomImage, tempDir, uniqueName } from "../lib/images.js";
import { waitFor } from "../lib/wait.js";
import { testUnless } from "../lib/skip.js";
import { ADMIN, OPERATOR } from "../lib/users.js";

const MACHINE = "org.debvisor.DebVisor1.Machine";
const virsh = (...args: string[]) => execFileSync("virsh", ["-c", "qemu:///system", ...args], { encoding: "utf8", stdio: "pipe" });
const libvirtPoolNames = () => virsh("pool-list", "--all", "--name").split("\n").map(l => l.trim()).filter(Boolean);
const domainNames = () => virsh("list", "--all", "--name").split("\n").map(l => l.trim()).filter(Boolean);
const prop = (objectPath: string, name: string) => getProperty(objectPath, MACHINE, name).catch(() => undefined);
const volumeFile = (name: string) => virsh("vol-path", "--pool", "default", name).trim();

/* zfs-fuse does not know `zfs version`; OpenZFS prints "zfs-2.…" */
const zfsVersion = spawnSync("zfs", ["version"], { encoding: "utf8" });
const ZFS_FUSE_SKIP = zfsVersion.error ? "ZFS is not installed here" : /^zfs-\d/m.test(zfsVersion.stdout) ? "this host runs OpenZFS, not zfs-fuse" : null;
const zfsNames = () => spawnSync("zfs", ["list", "-H", "-o", "name", "-t", "all"], { encoding: "utf8" }).stdout;

type Options = Record<string, [string, unknown]>;
const MIB = 1024 ** 2;

function create(name: string, options: Options) {
    return callAs(ADMIN.name, { ...MANAGER, method: "CreateMachine", signature: "sa{sv}", body: [name, { network: ["s", "none"], ...options }] });
}

function call(user: string, objectPath: string, method: string, signature: string, body: unknown[]) {
    return callAs(user, { path: objectPath, iface: MACHINE, method, signature, body });
}

QUnit.module("machines: changes, imports, clones and conversions", hooks => {
    const made: string[] = [];
    let dir = "";
    hooks.before(() => { dir = tempDir("dv-changes-") });
    hooks.after(() => {
        for (const name of made.filter(n => domainNames().includes(n)))
            virsh("undefine", name, "--remove-all-storage", "--snapshots-metadata");
        fs.rmSync(dir, { recursive: true, force: true });
        closeWatchBus();
    });

    QUnit.test("create from a disk image is a Job; the machine appears when it succeeds", async assert => {
        const raw = randomImage(dir, "src.raw", 8);
        const source = path.join(dir, "src.vmdk");
        execFileSync("qemu-img", ["convert", "-O", "vmdk", raw, source], { stdio: "ignore" });
        const watch = await watchJobs();
        const name = uniqueName("dvimp");
        made.push(name);
        const reply = await create(name, { source: ["s", "image"], image: ["s", source], "disk-size": ["t", 32 * MIB] });
        const done = await jobSucceeded(assert, watch, reply, { job: 1, within: 60_000, what: "the import", taken: "started" });
        if (!done) return;
        const objectPath = done.body[0] as string;
        await waitFor("the machine", async () => await prop(objectPath, "Name") === name);
        const file = volumeFile(`${name}.qcow2`);
        assert.equal(qemuImgFormat(file), "qcow2");
        const info = JSON.parse(execFileSync("qemu-img", ["info", "--output=json", file], { encoding: "utf8" })) as { "virtual-size": number };
        assert.equal(info["virtual-size"], 32 * MIB, "grown to the asked disk size");
    });

    QUnit.test("create from an image that references another file is refused, and nothing is made", async assert => {
        const crafted = fs.mkdtempSync(path.join(dir, "crafted-"));
        fs.chmodSync(crafted, 0o755);
        const secret = makeSecret(crafted);
        const volumesBefore = virsh("vol-list", "default");
        for (const c of craftImages(crafted, secret)) {
            const name = uniqueName("dvcrafted");
            const reply = await create(name, { source: ["s", "image"], image: ["s", c.file] });
            assert.false(reply.ok, c.label);
            if (!reply.ok) {
                assert.equal(reply.errorName, "org.debvisor.DebVisor1.Error.InvalidArgument", c.label);
                assert.true(reply.message.startsWith(`options.image: ${c.file} `) && c.reason.test(reply.message), `${c.label}: ${reply.message}`);
            }
            assert.false(domainNames().includes(name), "no machine");
        }
        assert.equal(virsh("vol-list", "default"), volumesBefore, "no volume was made");
    });

    testUnless("a profile whose libvirt pool was never made (no spare disk) puts a new machine's disk in the default pool",
        libvirtPoolNames().includes("debvisor-zfs") ? "this host has the libvirt pool debvisor-zfs" : null, async assert => {
        const profileFile = "/etc/debvisor-profile";
        const saved = fs.existsSync(profileFile) ? fs.readFileSync(profileFile, "utf8") : null;
        fs.writeFileSync(profileFile, "zfs\n");
        try {
            const name = uniqueName("dvnopool");
            made.push(name);
            const reply = await create(name, { "disk-size": ["t", 8 * MIB] });
            assert.true(reply.ok, reply.ok ? "created" : reply.message);
            if (!reply.ok) return;
            assert.equal(qemuImgFormat(volumeFile(`${name}.qcow2`)), "qcow2", "its disk is a volume of the default pool");
        } finally {
            if (saved === null) fs.rmSync(profileFile, { force: true }); else fs.writeFileSync(profileFile, saved);
        }
    });

    QUnit.test("a cloud image gets a cloud-init seed with the user, key and hostname, and the password only hashed", async assert => {
        const source = randomImage(dir, "cloud.raw", 4);
        const watch = await watchJobs();
        const name = uniqueName("dvcloud");
        made.push(name);
        const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ2k4tV0cbG3bbSm1JqJZyV2kdNf3m0FJ1Uu0A0lYx3u alice@laptop";
        const reply = await create(name, {
            source: ["s", "cloud-image"], image: ["s", source],
            "cloud-init.user": ["s", "alice"], "cloud-init.password": ["s", "s3cret-Passw0rd"],
            "cloud-init.ssh-key": ["s", key], "cloud-init.hostname": ["s", "web01.example.org"],
        });
        if (!await jobSucceeded(assert, watch, reply, { job: 1, within: 60_000, what: "the import", taken: "started" })) return;
        const seed = `/var/lib/libvirt/images/${name}-cidata.iso`;
        const extract = (file: string) => {
            const out = path.join(dir, `${name}-${file}`);
            execFileSync("xorriso", ["-osirrox", "on", "-indev", seed, "-extract", `/${file}`, out], { stdio: "ignore" });
            return fs.readFileSync(out, "utf8");
        };
        const userData = extract("user-data");
        assert.true(userData.startsWith("#cloud-config\n"));
        const config = JSON.parse(userData.slice("#cloud-config\n".length)) as { hostname: string; users: Array<Record<string, unknown>> };
        assert.equal(config.hostname, "web01.example.org");
        assert.equal(config.users[0].name, "alice");
        assert.deepEqual(config.users[0].ssh_authorized_keys, [key]);
        assert.true(String(config.users[0].passwd).startsWith("$6$"), "a SHA-512 crypt hash");
        assert.false(userData.includes("s3cret-Passw0rd"), "no clear-text password in the seed");
        assert.false(fs.readFileSync("/var/log/debvisor/audit.jsonl", "utf8").includes("s3cret-Passw0rd"), "nor in the audit log");
        assert.true(extract("meta-data").includes("web01.example.org"));
    });

    QUnit.test("a machine that is created but cannot start stays, and the error says so", async assert => {
        const name = uniqueName("dvnostart");
        made.push(name);
        // an ISO in a directory only root may enter: defined fine, but QEMU (not root) cannot open it
        const hidden = fs.mkdtempSync("/tmp/dv-hidden-");
        fs.chmodSync(hidden, 0o700);
        const iso = path.join(hidden, "installer.iso");
        fs.writeFileSync(iso, Buffer.alloc(1 << 20));
        const reply = await create(name, { "disk-size": ["t", 16 * MIB], source: ["s", "iso"], iso: ["s", iso], start: ["b", true] });
        fs.rmSync(hidden, { recursive: true, force: true });
        assert.false(reply.ok, "the call reports the failed start");
        if (!reply.ok) assert.true(reply.message.includes(`${name} was created but did not start`), reply.message);
        assert.true(domainNames().includes(name), "the machine is kept");
        assert.true(fs.existsSync(volumeFile(`${name}.qcow2`)), "with its disk");
    });

    QUnit.test("rename, resources, disks and NICs; an operator may not change them", async assert => {
        const name = uniqueName("dvcfg");
        made.push(name);
        const reply = await create(name, { "disk-size": ["t", 16 * MIB], vcpus: ["u", 1], "memory-mib": ["t", 128] });
        assert.true(reply.ok, reply.ok ? "created" : reply.message);
        if (!reply.ok) return;
        const objectPath = reply.body[0] as string;

        const denied = await call(OPERATOR.name, objectPath, "SetResources", "a{sv}", [{ vcpus: ["u", 2] }]);
        assert.false(denied.ok, "an operator cannot change resources");

        const resources = await call(ADMIN.name, objectPath, "SetResources", "a{sv}", [{ vcpus: ["u", 2], "memory-mib": ["t", 192] }]);
        assert.true(resources.ok, resources.ok ? "" : resources.message);
        assert.deepEqual(resources.ok && resources.body, [false], "a shut-off machine needs no restart");
        assert.equal(await prop(objectPath, "Vcpus"), 2);
        assert.equal(await prop(objectPath, "MemoryMiB"), 192);

        const disk = await call(ADMIN.name, objectPath, "AttachDisk", "ta{sv}", [8 * MIB, {}]);
        assert.true(disk.ok, disk.ok ? "" : disk.message);
        assert.deepEqual(disk.ok && disk.body, ["vdb"]);
        assert.true(fs.existsSync(volumeFile(`${name}-vdb.qcow2`)));
        const nic = await call(ADMIN.name, objectPath, "AttachNic", "a{sv}", [{ network: ["s", "network:default"] }]);
        assert.true(nic.ok, nic.ok ? "" : nic.message);
        const mac = nic.ok ? nic.body[0] as string : "";
        assert.true(/^52:54:00(:[0-9a-f]{2}){3}$/.test(mac), mac);
        const nics = await prop(objectPath, "Nics") as Array<Record<string, unknown>>;
        assert.deepEqual(nics.map(n => [n.Mac, n.Type, n.Source]), [[mac, "network", "default"]]);

        const detach = await call(ADMIN.name, objectPath, "DetachDisk", "sa{sv}", ["vdb", { "delete-volume": ["b", true] }]);
        assert.true(detach.ok, detach.ok ? "" : detach.message);
        assert.false(virsh("vol-list", "default").includes(`${name}-vdb.qcow2`), "the detached volume was deleted");
        const detachNic = await call(ADMIN.name, objectPath, "DetachNic", "sa{sv}", [mac, {}]);
        assert.true(detachNic.ok, detachNic.ok ? "" : detachNic.message);
        assert.deepEqual(await prop(objectPath, "Nics"), []);
        const missing = await call(ADMIN.name, objectPath, "DetachDisk", "sa{sv}", ["vdq", {}]);
        assert.false(missing.ok);
        if (!missing.ok) assert.equal(missing.errorName, "org.debvisor.DebVisor1.Error.NotFound");

        const newName = uniqueName("dvrenamed");
        made.push(newName);
        const rename = await call(ADMIN.name, objectPath, "Rename", "sa{sv}", [newName, {}]);
        assert.true(rename.ok, rename.ok ? "" : rename.message);
        assert.equal(await prop(objectPath, "Name"), newName, "same object, new name");
        assert.true(domainNames().includes(newName) && !domainNames().includes(name));
        const badRename = await call(ADMIN.name, objectPath, "Rename", "sa{sv}", ["../etc", {}]);
        assert.false(badRename.ok);
        if (!badRename.ok) assert.true(/^new_name: /.test(badRename.message), badRename.message);
    });

    testUnless("a zvol disk on zfs-fuse is refused with the reason, and nothing is made; an unknown disk kind is refused", ZFS_FUSE_SKIP, async assert => {
        const name = uniqueName("dvzvol");
        made.push(name);
        const reply = await create(name, { "disk-size": ["t", 16 * MIB], "memory-mib": ["t", 128] });
        assert.true(reply.ok, reply.ok ? "created" : reply.message);
        if (!reply.ok) return;
        const objectPath = reply.body[0] as string;
        const disksBefore = await prop(objectPath, "Disks");
        const zfsBefore = zfsNames();
        const volumesBefore = virsh("vol-list", "default");

        const zvol = await call(ADMIN.name, objectPath, "AttachDisk", "ta{sv}", [64 * MIB, { kind: ["s", "zvol"] }]);
        assert.false(zvol.ok, "refused");
        if (!zvol.ok) {
            assert.equal(zvol.errorName, "org.debvisor.DebVisor1.Error.NotSupported");
            assert.true(/options\.kind: zvol disks need OpenZFS: this host runs zfs-fuse/.test(zvol.message), zvol.message);
        }
        const unknown = await call(ADMIN.name, objectPath, "AttachDisk", "ta{sv}", [64 * MIB, { kind: ["s", "lvm"] }]);
        assert.false(unknown.ok, "an unknown kind is refused");
        if (!unknown.ok) {
            assert.equal(unknown.errorName, "org.debvisor.DebVisor1.Error.InvalidArgument");
            assert.true(/kind.*must be one of file, zvol/.test(unknown.message), unknown.message);
        }
        assert.deepEqual(await prop(objectPath, "Disks"), disksBefore, "the machine's disks are unchanged");

        // a new machine on a zvol: refused the same way, and no machine is left
        const other = uniqueName("dvzvolnew");
        made.push(other);
        const created = await create(other, { "disk-kind": ["s", "zvol"], "disk-size": ["t", 64 * MIB] });
        assert.false(created.ok, "CreateMachine with a zvol disk is refused");
        if (!created.ok)
            assert.true(/options\.disk-kind: zvol disks need OpenZFS: this host runs zfs-fuse/.test(created.message), created.message);
        assert.false(domainNames().includes(other), "no machine was defined");
        const imported = await create(other, { "disk-kind": ["s", "zvol"], source: ["s", "image"], image: ["s", randomImage(dir, "zvol.raw", 1)] });
        assert.false(imported.ok, "an import onto a zvol is refused");
        if (!imported.ok)
            assert.true(imported.message.includes("options.disk-kind: source \"image\" imports into a qcow2 file"), imported.message);
        assert.equal(zfsNames(), zfsBefore, "no dataset or volume was made");
        assert.equal(virsh("vol-list", "default"), volumesBefore, "no volume was made in the pool");
    });

    QUnit.test("clone and convert run as Jobs; the copy is independent and the conversion switches the disk", async assert => {
        const name = uniqueName("dvorig");
        made.push(name);
        const reply = await create(name, { "disk-size": ["t", 16 * MIB] });
        assert.true(reply.ok, reply.ok ? "created" : reply.message);
        if (!reply.ok) return;
        const objectPath = reply.body[0] as string;
        const watch = await watchJobs();

        // one limit for a machine's name whether it is created, cloned or renamed: a DNS label's 63 characters
        const tooLong = "c".repeat(64);
        const refused = [await create(tooLong, {}), await call(ADMIN.name, objectPath, "Clone", "sa{sv}", [tooLong, {}]),
            await call(ADMIN.name, objectPath, "Rename", "sa{sv}", [tooLong, {}])];
        for (const r of refused)
            assert.true(!r.ok && /^(name|new_name): must be at most 63 characters$/.test(r.message), r.ok ? "accepted" : r.message);
        assert.false(domainNames().includes(tooLong), "nothing was made");

        const copyName = uniqueName("dvcopy");
        made.push(copyName);
        const clone = await call(ADMIN.name, objectPath, "Clone", "sa{sv}", [copyName, {}]);
        const cloned = await jobSucceeded(assert, watch, clone, { job: 1, within: 60_000, what: "the clone", taken: "" });
        if (!cloned) return;
        const copyPath = cloned.body[0] as string;
        await waitFor("the copy", async () => await prop(copyPath, "Name") === copyName);
        const copyDisks = await prop(copyPath, "Disks") as Array<Record<string, unknown>>;
        assert.equal(copyDisks[0].Source, `default/${copyName}.qcow2`, "the copy has its own disk");
        assert.notEqual(await prop(copyPath, "UUID"), await prop(objectPath, "UUID"));

        const convert = await call(ADMIN.name, objectPath, "ConvertDisk", "ssa{sv}", ["vda", "raw", {}]);
        if (!await jobSucceeded(assert, watch, convert, { job: 0, within: 60_000, what: "the conversion", taken: "" })) return;
        const disks = await prop(objectPath, "Disks") as Array<Record<string, unknown>>;
        assert.deepEqual([disks[0].Source, disks[0].Format], [`default/${name}.raw`, "raw"]);
        assert.equal(qemuImgFormat(volumeFile(`${name}.raw`)), "raw");
        assert.false(virsh("vol-list", "default").includes(`${name}.qcow2`), "the original was removed");

        const again = await call(ADMIN.name, objectPath, "ConvertDisk", "ssa{sv}", ["vda", "raw", {}]);
        assert.false(again.ok, "converting to the format it has is refused");

        // the guest owns a raw disk's bytes: one that wrote a VMDK descriptor naming a host file
        // gets its disk converted as raw, the descriptor as data, the host file untouched
        const secret = makeSecret(dir);
        const descriptor = vmdkDescriptor("monolithicFlat", [`RW 2048 FLAT "${secret.file}" 0`]);
        const rawDisk = volumeFile(`${name}.raw`);
        const fd = fs.openSync(rawDisk, "r+");
        fs.writeSync(fd, descriptor, 0, "latin1");
        fs.closeSync(fd);
        const back = await call(ADMIN.name, objectPath, "ConvertDisk", "ssa{sv}", ["vda", "qcow2", {}]);
        if (!await jobSucceeded(assert, watch, back, { job: 0, within: 60_000, what: "the conversion back", taken: "" })) return;
        const asRaw = path.join(dir, "guest-disk.raw");
        execFileSync("qemu-img", ["convert", "-f", "qcow2", "-O", "raw", volumeFile(`${name}.qcow2`), asRaw]);
        assert.equal(fs.readFileSync(asRaw).subarray(0, descriptor.length).toString("latin1"), descriptor, "the guest's bytes, as they were");
        assert.false(containsSecret(asRaw, secret), "and nothing of the host file");
    });
});
