// Backing up a shut-off machine: debvisord's Machine.Backup (call → job
// done: definition and manifest staged, restic run, tags, its summary) against
// the plain `restic backup` of the same disk file a user would otherwise run,
// each into a fresh local repository of its own, in the same run: the first
// backup, then a second after 1% of the disk's blocks changed (deduplicated),
// with how much each second backup added to its repository. Two floors put the
// second backup's time in context: hashing the whole disk once (what any backup
// that reads the disk again costs at least) and a restic run that does nothing
// but open the repository (its key derivation and index: what any backup into a
// restic repository costs at least, however little it reads). A third is what
// a backup of the disk's contents adds to restic reading the image file as it
// is: qemu copying the contents out once (qemu-img convert to a raw file).
import crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { watchJobs, closeWatchBus } from "../test/lib/bus-watch.js";
import { callAs, MANAGER } from "../test/lib/call-as.js";
import { firstDisk, machineCall, repoCall, repositoryObjects, REPOSITORY, virsh, addRepository } from "../test/lib/backups.js";
import { ADMIN } from "../test/lib/users.js";
import { median, now, report, timeMs } from "./lib.js";

// the disk the goals speak of: 2 GiB with 1 GiB of data
const DISK_MIB = 2048;
const DATA_MIB = 1024;
const CHANGED_KIB = 256;
const CHANGED_CHUNKS = Math.ceil(DISK_MIB * 1024 / 100 / CHANGED_KIB); // 1% of the disk's blocks, scattered over its data

function repositoryBytes(repo: string, passwordFile: string): number {
    const out = execFileSync("restic", ["-r", repo, "--password-file", passwordFile, "stats", "--json", "--mode", "raw-data"], { encoding: "utf8" });
    return (JSON.parse(out) as { total_size: number }).total_size;
}

function medianOfThree(command: string, args: string[]): number {
    return median([0, 1, 2].map(() => {
        const start = now();
        execFileSync(command, args, { stdio: "ignore" });
        return now() - start;
    }));
}

/* Where a backup job's time went, from the progress it signalled: until its disks are being staged
 * (definition, bitmaps, a running machine's snapshot), staging them (progress up to 0.32), restic
 * (from then on until its last progress) and what the job does after restic until it completes. */
function timeline(start: number, end: number, progress: number[], at: number[]): string {
    const firstAt = (p: (v: number) => boolean) => at[progress.findIndex(p)] ?? end;
    const staging = firstAt(v => v >= 0.02);
    const restic = firstAt(v => v > 0.32);
    const resticAt = at.filter((_, i) => progress[i] < 1);
    const last = resticAt.length ? resticAt[resticAt.length - 1] : end;
    const s = (ms: number) => `${(Math.max(0, ms) / 1000).toFixed(2)} s`;
    return `before staging ${s(staging - start)}, staging ${s(restic - staging)}, restic ${s(last - restic)}, after restic ${s(end - last)} (total ${s(end - start)})`;
}

/* One qemu-io command on an image; qemu-io says a failed command on stdout, a failure to open the image on stderr. */
function writeImage(file: string, command: string): void {
    try {
        execFileSync("qemu-io", ["-f", "qcow2", "-c", command, file], { stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
        const { stdout, stderr } = e as { stdout?: Buffer; stderr?: Buffer };
        throw new Error(`qemu-io -c "${command}" on ${file} failed: ${`${String(stderr ?? "")}${String(stdout ?? "")}`.trim()}`);
    }
}

export async function backupsBench(): Promise<void> {
    // on /var/tmp: the same file system kind as a pool, not a tmpfs
    const dir = fs.mkdtempSync("/var/tmp/dv-bench-backups-");
    const name = `dvbench-backup-${process.pid}`;
    const repoName = `dvbench-${process.pid}`;
    const ours = path.join(dir, "ours");
    const plain = path.join(dir, "plain");
    const passwordFile = path.join(dir, "password");
    const password = crypto.randomBytes(16).toString("hex");
    fs.writeFileSync(passwordFile, password, { mode: 0o600 });
    const watch = await watchJobs();
    try {
        // the machine: a raw image of random data, imported as its qcow2 disk
        const source = path.join(dir, "source.raw");
        const fd = fs.openSync(source, "w", 0o600);
        for (let i = 0; i < DATA_MIB; i++)
            fs.writeSync(fd, crypto.randomBytes(1 << 20));
        fs.closeSync(fd);
        fs.truncateSync(source, DISK_MIB * 1024 * 1024); // the rest of the disk: never written
        const created = await callAs(ADMIN.name, { ...MANAGER, method: "CreateMachine", signature: "sa{sv}", body: [name, { source: ["s", "image"], image: ["s", source] }] });
        if (!created.ok)
            throw new Error(created.message);
        const [machinePath, createJob] = created.body as [string, string];
        const [createdOk, createMessage] = await watch(createJob).completed;
        if (!createdOk)
            throw new Error(createMessage);
        fs.rmSync(source);
        const disk = (await firstDisk(machinePath)).file;
        const added = await addRepository(ADMIN.name, repoName, ours, password);
        if (!added.ok)
            throw new Error(added.message);
        execFileSync("restic", ["-r", plain, "--password-file", passwordFile, "init"], { stdio: "ignore" });

        const timelines: string[] = [];
        const backUpOurs = async () => {
            const start = performance.now();
            const reply = await machineCall(ADMIN.name, machinePath, "Backup", "sa{sv}", [repoName, {}]);
            if (!reply.ok)
                throw new Error(reply.message);
            const job = watch(reply.body[0] as string);
            const [ok, message] = await job.completed;
            if (!ok)
                throw new Error(message);
            timelines.push(timeline(start, performance.now(), job.progress, job.progressAt));
        };
        const backUpPlain = () => execFileSync("restic", ["-r", plain, "--password-file", passwordFile, "backup", "--", disk], { stdio: "ignore" });
        // both read the disk from the page cache, and neither pays for writing out the import's data (a disk backed up
        // is seldom one written a moment ago; our backup's bitmap, written to the image, would flush it)
        execFileSync("sync", ["-f", disk]);
        execFileSync("cat", [disk], { stdio: ["ignore", "ignore", "inherit"] });
        const plainFirst = await timeMs(backUpPlain);
        const oursFirst = await timeMs(backUpOurs);
        const [oursBefore, plainBefore] = [repositoryBytes(ours, passwordFile), repositoryBytes(plain, passwordFile)];

        const size = DISK_MIB * 1024 * 1024;
        for (let i = 0; i < CHANGED_CHUNKS; i++)
            writeImage(disk, `write -P ${(i % 250) + 1} ${Math.floor((i + 0.5) * DATA_MIB * 1024 / CHANGED_CHUNKS)}k ${CHANGED_KIB}k`);
        const plainSecond = await timeMs(backUpPlain);
        const oursSecond = await timeMs(backUpOurs);
        const hashing = medianOfThree("sha256sum", [disk]);
        // what any backup of the disk's contents (not of its image file) adds: qemu copying them out once
        const copied = path.join(dir, "copied.raw");
        const copying = median([0, 1, 2].map(() => {
            const start = now();
            execFileSync("qemu-img", ["convert", "-f", "qcow2", "-O", "raw", disk, copied], { stdio: "ignore" });
            const ms = now() - start;
            fs.rmSync(copied);
            return ms;
        }));
        const openOnly = medianOfThree("restic", ["-r", plain, "--password-file", passwordFile, "cat", "config"]);
        const oursGrowth = repositoryBytes(ours, passwordFile) - oursBefore;
        const plainGrowth = repositoryBytes(plain, passwordFile) - plainBefore;

        const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
        report(`backup, shut-off machine, ${DISK_MIB / 1024} GiB disk, ${DATA_MIB / 1024} GiB data, first`, s(oursFirst), `restic backup of the disk (${s(plainFirst)})`, oursFirst / plainFirst, "≤ 1.2");
        report(`backup again after ~1% changed`, s(oursSecond), `restic backup of the disk (${s(plainSecond)})`, oursSecond / plainSecond);
        report(`  second backup's time, against the first`, s(oursSecond), `our first backup (${s(oursFirst)})`, oursSecond / oursFirst, "≤ 0.05");
        report(`  floor of a full read: hashing the disk once`, s(hashing), `our first backup (${s(oursFirst)})`, hashing / oursFirst);
        report(`  floor of a copy of the contents: qemu-img convert to raw`, s(copying), `our first backup (${s(oursFirst)})`, copying / oursFirst);
        report(`  floor of any restic run: opening the repository`, s(openOnly), `our first backup (${s(oursFirst)})`, openOnly / oursFirst);
        console.log(`  timeline of our first backup:  ${timelines[0]}`);
        console.log(`  timeline of our second backup: ${timelines[1]}`);
        report(`  repository growth, against the disk`, `${(oursGrowth / 1024 / 1024).toFixed(1)} MiB`,
            `restic's own (${(plainGrowth / 1024 / 1024).toFixed(1)} MiB) / disk ${(size / 1024 / 1024).toFixed(0)} MiB`, oursGrowth / size, "≤ 0.02");
    } finally {
        if (virsh("list", "--all", "--name").split("\n").map(l => l.trim()).includes(name))
            virsh("undefine", name, "--remove-all-storage");
        for (const [p, ifaces] of Object.entries(await repositoryObjects()))
            if (ifaces[REPOSITORY]?.Name === repoName)
                await repoCall(null, p, "Remove", "a{sv}", [{}]);
        closeWatchBus();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
