// The ImportImage job: progress signalled as it goes, a result under the
// final name only when complete, Cancel leaving no file behind, and a daemon
// killed mid-import cleaning up after itself when the bus starts it again.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { verifySegments } from "../../helpers/lib/audit-segments.js";
import { busNameOwnerPid } from "../harness/harness.js";
import { callAs, getProperty, MANAGER } from "../lib/call-as.js";
import { closeWatchBus, watchJobs } from "../lib/bus-watch.js";
import { waitFor, withTimeout } from "../lib/wait.js";
import { IMAGE_DIR, imageDirListing, qemuImgFormat, randomImage, removeImage, tempDir, uniqueName } from "../lib/images.js";
import { ordinaryImages } from "../lib/crafted-images.js";
import { ADMIN } from "../lib/users.js";

const JOB_IFACE = "org.debvisor.DebVisor1.Job";
const AUDIT_LOG = "/var/log/debvisor/audit.jsonl";

const jobProperty = (job: string, name: string) => getProperty(job, JOB_IFACE, name);

function imageToolUid(): number {
    return Number(execFileSync("id", ["-u", "debvisor-img"], { encoding: "utf8" }).trim());
}

/* The real uids of the qemu-img processes converting for debvisord now. */
function qemuImgUids(): number[] {
    const uids = new Set<number>();
    for (const pid of fs.readdirSync("/proc").filter(p => /^\d+$/.test(p))) {
        try {
            const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
            if (fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "qemu-img" || !cmdline.includes("/dev/fd/4"))
                continue;
            const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
            uids.add(Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]));
        } catch {
            // it ended meanwhile
        }
    }
    return [...uids];
}


/* An admin's import of `source` as `name` at 4 MiB/s, once its job reports progress: the job and its watch. */
async function slowImportUnderWay(source: string, name: string) {
    const watch = await watchJobs();
    const reply = await callAs(ADMIN.name, { ...MANAGER, method: "ImportImage", signature: "ssa{sv}",
        body: [source, name, { "rate-limit": ["t", 4 << 20] }] });
    const job = reply.ok ? reply.body[0] as string : "";
    const w = watch(job);
    await waitFor("some progress", () => w.progress.some(p => p > 0));
    return { job, w };
}

QUnit.module("image import job (installed daemon, qemu-img)", hooks => {
    let dir = "";
    let source = "";
    hooks.before(() => {
        dir = tempDir("dv-import-");
        source = randomImage(dir, "source.raw", 32);
    });
    hooks.after(() => {
        fs.rmSync(dir, { recursive: true, force: true });
        closeWatchBus();
    });

    QUnit.test("progress rises while the import runs; the image appears when it completes", async assert => {
        const watch = await watchJobs();
        const name = uniqueName("imported");
        const reply = await callAs(ADMIN.name, { ...MANAGER, method: "ImportImage", signature: "ssa{sv}",
            body: [source, name, { "rate-limit": ["t", 12 << 20] }] });
        assert.true(reply.ok, reply.ok ? "started" : reply.message);
        const job = reply.ok ? reply.body[0] as string : "";
        assert.true(/^\/org\/debvisor\/DebVisor1\/jobs\/\d+$/.test(job), job);
        const w = watch(job);
        assert.equal(await jobProperty(job, "Operation"), "image-import");
        assert.equal(await jobProperty(job, "State"), "running");
        assert.false(fs.existsSync(path.join(IMAGE_DIR, `${name}.qcow2`)), "no final file while the copy runs");
        const [success, message] = await withTimeout(w.completed, 60_000, "the import to complete");
        assert.true(success, message);
        const between = w.progress.filter(p => p > 0 && p < 1);
        assert.true(between.length >= 2, `progress reported along the way: ${w.progress.join(", ")}`);
        assert.deepEqual([...w.progress].sort((a, b) => a - b), w.progress, "progress never goes back");
        assert.equal(await jobProperty(job, "State"), "succeeded");
        assert.equal(qemuImgFormat(path.join(IMAGE_DIR, `${name}.qcow2`)), "qcow2");
        assert.deepEqual(imageDirListing().filter(f => f.includes(name)), [`${name}.qcow2`], "no partial file is left");
        w.stop();
        removeImage(`${name}.qcow2`);
    });

    QUnit.test("ordinary qcow2, raw and VMDK (monolithicSparse, streamOptimized) images still import, also from a file only root may read", async assert => {
        const watch = await watchJobs();
        const raw = randomImage(dir, "ordinary.raw", 2);
        const rootOnly = path.join(dir, "root-only.raw");
        fs.copyFileSync(raw, rootOnly);
        fs.chmodSync(rootOnly, 0o600);
        for (const file of [...ordinaryImages(dir, raw), rootOnly]) {
            const name = uniqueName("ordinary");
            const reply = await callAs(ADMIN.name, { ...MANAGER, method: "ImportImage", signature: "ssa{sv}", body: [file, name, {}] });
            assert.true(reply.ok, reply.ok ? path.basename(file) : reply.message);
            if (!reply.ok)
                continue;
            const [success, message] = await withTimeout(watch(reply.body[0] as string).completed, 60_000, "the import");
            assert.true(success, `${path.basename(file)}: ${message}`);
            const imported = path.join(IMAGE_DIR, `${name}.qcow2`);
            const compare = spawnSync("qemu-img", ["compare", "-F", "qcow2", raw, imported], { encoding: "utf8" });
            assert.equal(compare.status, 0, `${path.basename(file)}: the same disk contents (${compare.stdout.trim()})`);
            const stat = fs.statSync(imported);
            assert.deepEqual([stat.uid, stat.mode & 0o777], [0, 0o600], "the finished image is root's");
            assert.deepEqual(imageDirListing().filter(f => f.includes(name)), [`${name}.qcow2`], "no partial or staging file is left");
            removeImage(`${name}.qcow2`);
        }
    });

    QUnit.test("Cancel stops the import and leaves no file", async assert => {
        const name = uniqueName("cancelled");
        const { job, w } = await slowImportUnderWay(source, name);
        const partial = imageDirListing().find(f => f.includes(name));
        assert.true(partial !== undefined, "a partial file exists while it runs");
        // qemu-img writes it as debvisor-img, never as root
        assert.equal(fs.statSync(path.join(IMAGE_DIR, partial ?? "")).uid, imageToolUid(), "the partial file belongs to debvisor-img");
        assert.deepEqual(qemuImgUids(), [imageToolUid()], "qemu-img runs as debvisor-img");
        const cancel = await callAs(ADMIN.name, { path: job, iface: JOB_IFACE, method: "Cancel", signature: "a{sv}", body: [{}] });
        assert.true(cancel.ok, cancel.ok ? "" : cancel.message);
        const [success, message] = await withTimeout(w.completed, 15_000, "the cancelled job to complete");
        assert.false(success);
        assert.equal(message, `Cancelled by ${ADMIN.name}`);
        assert.equal(await jobProperty(job, "State"), "cancelled");
        assert.deepEqual(imageDirListing().filter(f => f.includes(name)), [], "neither the image nor a partial file remains");
        const again = await callAs(ADMIN.name, { path: job, iface: JOB_IFACE, method: "Cancel", signature: "a{sv}", body: [{}] });
        assert.false(again.ok, "a finished job cannot be cancelled");
        w.stop();
    });

    QUnit.test("a daemon killed mid-import leaves a consistent state after bus activation", async assert => {
        const name = uniqueName("killed");
        const { w } = await slowImportUnderWay(source, name);
        const pid = busNameOwnerPid("org.debvisor.DebVisor1");
        assert.notEqual(pid, null);
        process.kill(pid as number, "SIGKILL");
        await waitFor("the daemon to be gone", () => busNameOwnerPid("org.debvisor.DebVisor1") === null);
        // the next call activates a new daemon, which removes the orphaned partial file
        const disks = await callAs(ADMIN.name, { ...MANAGER, method: "GetDisks", signature: "a{sv}", body: [{}] });
        assert.true(disks.ok, "the bus activated a new daemon");
        assert.notEqual(busNameOwnerPid("org.debvisor.DebVisor1"), pid);
        assert.deepEqual(imageDirListing().filter(f => f.includes(name)), [], "no partial file and no image remain");
        const verified = verifySegments(AUDIT_LOG);
        assert.true(verified.ok, `the audit log verifies: ${JSON.stringify(verified)}`);
        w.stop();
    });
});
