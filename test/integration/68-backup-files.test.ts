// One file out of a backed-up disk, on the installed daemon: a machine whose
// disk has a GPT with an ext4 partition (files written into it with
// mke2fs -d, names with spaces, quotes and a newline, a file of several
// chunks) and a FAT one is backed up; the partitions and directories are
// listed, the files read back byte for byte over the bus and with
// debvisorctl; a path escape, a FAT partition, a missing file, a directory,
// a viewer are refused; the reads are in the audit log.
import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { closeWatchBus, watchJobs } from "../lib/bus-watch.js";
import { areas } from "../lib/daemon.js";
import { tempDir, uniqueName } from "../lib/images.js";
import { OPERATOR, VIEWER } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";
import {
    addTestRepository, backUpMachine, createMachineFromImage, ctl, MIB, removeTestMachineAndRepository, repoCall, writeGuestDisk,
} from "../lib/backups.js";

const AUDIT_LOG = "/var/log/debvisor/audit.jsonl";
const ODD_NAME = "a \"quoted\"\nname";

QUnit.module("backup files: browse and download from a backed-up disk", hooks => {
    let dir = "";
    const repoName = uniqueName("dvfilesrepo");
    let repoPath = "";
    const name = uniqueName("dvfiles");
    let machinePath = "";
    let backupId = "";
    const big = crypto.randomBytes(3 * MIB + 12345);
    let watch: Awaited<ReturnType<typeof watchJobs>>;

    const list = (user: string, p: string) => repoCall(user, repoPath, "ListFiles", "sssa{sv}", [backupId, "vda", p, {}]);
    const read = (user: string, p: string, offset: number) => repoCall(user, repoPath, "ReadFile", "sssta{sv}", [backupId, "vda", p, offset, {}]);
    /* ReadFile's data: a Buffer, or its JSON form from a user's caller process. */
    const bytes = (v: unknown) => Buffer.isBuffer(v) ? v : Buffer.from((v as { data: number[] }).data);
    /* The whole file, chunk after chunk, as a client does. */
    async function readAll(p: string): Promise<Buffer> {
        const parts: Buffer[] = [];
        let offset = 0;
        for (let i = 0; i < 100; i++) {
            const r = await read(OPERATOR.name, p, offset);
            if (!r.ok)
                throw new Error(r.message);
            const data = bytes(r.body[0]);
            const size = Number(r.body[1]);
            parts.push(data);
            offset += data.length;
            if (offset >= size || data.length === 0)
                break;
        }
        return Buffer.concat(parts);
    }

    hooks.before(async () => {
        dir = tempDir("dv-backup-files-");
        await waitFor("the backups area to be ready", async () => (await areas()).backups?.state === "ready", 30_000, 200);
        watch = await watchJobs();
        // the guest's files, written into its file system without mounting anything
        const root = path.join(dir, "root");
        fs.mkdirSync(path.join(root, "etc"), { recursive: true });
        fs.mkdirSync(path.join(root, "home dir"), { recursive: true });
        fs.writeFileSync(path.join(root, "etc", "hostname"), `${name}\n`);
        fs.writeFileSync(path.join(root, "home dir", ODD_NAME), "odd\n");
        fs.writeFileSync(path.join(root, "big.bin"), big);
        fs.symlinkSync("/etc/shadow", path.join(root, "link"));
        const image = path.join(dir, "disk.raw");
        writeGuestDisk(image, root);
        repoPath = await addTestRepository(repoName, path.join(dir, "repo"), `dv-${crypto.randomBytes(12).toString("hex")}`);
        machinePath = await createMachineFromImage(name, image, watch);
        backupId = await backUpMachine(machinePath, repoName, watch);
    });
    hooks.after(async () => {
        await removeTestMachineAndRepository(name, repoName);
        fs.rmSync(dir, { recursive: true, force: true });
        closeWatchBus();
    });

    QUnit.test("an operator lists partitions and directories and reads files back byte for byte; odd names are names", async assert => {
        const top = await list(OPERATOR.name, "/");
        assert.true(top.ok, top.ok ? "listed" : top.message);
        if (!top.ok) return;
        const parts = (top.body[0] as Array<Record<string, unknown>>).map(e => [e.Name, e.Type, e.FsType]);
        assert.deepEqual(parts, [["1", "partition", "ext4"], ["2", "partition", "vfat"]], "the partitions and their file systems");
        const rootList = await list(OPERATOR.name, "/1/");
        assert.true(rootList.ok, rootList.ok ? "the ext4 root" : rootList.message);
        const entries = rootList.ok ? rootList.body[0] as Array<Record<string, unknown>> : [];
        assert.deepEqual(entries.map(e => [e.Name, e.Type]),
            [["big.bin", "file"], ["etc", "directory"], ["home dir", "directory"], ["link", "link"], ["lost+found", "directory"]]);
        assert.equal(Number(entries.find(e => e.Name === "big.bin")?.Size), big.length, "the size");
        const home = await list(OPERATOR.name, "/1/home dir");
        assert.deepEqual(home.ok ? (home.body[0] as Array<Record<string, unknown>>).map(e => e.Name) : home.message, [ODD_NAME], "a name with quotes and a newline");

        assert.equal((await readAll("/1/etc/hostname")).toString(), `${name}\n`, "a small file");
        assert.equal((await readAll(`/1/home dir/${ODD_NAME}`)).toString(), "odd\n", "the file with the odd name");
        assert.true((await readAll("/1/big.bin")).equals(big), "a file of four chunks, byte for byte");
        const chunk = await read(OPERATOR.name, "/1/big.bin", 0);
        assert.equal(chunk.ok ? bytes(chunk.body[0]).length : chunk.message, MIB, "one answer holds at most 1 MiB");

        const audit = fs.readFileSync(AUDIT_LOG, "utf8").split("\n").filter(l => l.includes("BackupRepository.ReadFile") && l.includes("big.bin"));
        assert.true(audit.length >= 1, "reading a file is in the audit log (once per read from its start)");
    });

    QUnit.test("refused, clearly: a path escape, a FAT partition, a missing file, a directory, a link, a viewer, a bad disk", async assert => {
        const refusals: Array<[string, Promise<Awaited<ReturnType<typeof list>>>, RegExp, string]> = [
            ["escape", list(OPERATOR.name, "/1/etc/../../"), /^path: must not contain "\." or "\.\." components/, "InvalidArgument"],
            ["relative", list(OPERATOR.name, "etc"), /^path: must start with "\/"/, "InvalidArgument"],
            ["fat", list(OPERATOR.name, "/2/"), /^path: partition 2 cannot be browsed: file system vfat/, "NotSupported"],
            ["no partition", list(OPERATOR.name, "/7/"), /^path: the disk has no partition 7/, "NotFound"],
            ["missing", read(OPERATOR.name, "/1/etc/passwd", 0), /^path: there is no \/etc\/passwd in the backup's disk/, "NotFound"],
            ["directory", read(OPERATOR.name, "/1/etc", 0), /^path: \/1\/etc is a directory, not a file/, "InvalidArgument"],
            ["link", read(OPERATOR.name, "/1/link", 0), /^path: \/1\/link is a link, not a file/, "InvalidArgument"],
            ["past the end", read(OPERATOR.name, "/1/etc/hostname", 4096), /^offset: the file holds/, "InvalidArgument"],
            ["viewer", list(VIEWER.name, "/"), /not authorized/, "NotAuthorized"],
            ["bad disk", repoCall(OPERATOR.name, repoPath, "ListFiles", "sssa{sv}", [backupId, "vdz", "/", {}]), /^disk: backup [0-9a-f]{8} has no disk vdz/, "InvalidArgument"],
        ];
        for (const [what, call, message, error] of refusals) {
            const r = await call;
            assert.true(!r.ok && message.test(r.message) && r.errorName.endsWith(`.${error}`), `${what}: ${r.ok ? "ok" : `${r.errorName}: ${r.message}`}`);
        }
    });

    QUnit.test("debvisorctl backup files and backup download > FILE", assert => {
        const listed = ctl(["backup", "files", repoName, backupId, "vda", "/1/etc"], { user: OPERATOR.name });
        assert.equal(listed.code, 0, listed.stderr);
        assert.true(/file\s+.*hostname/.test(listed.stdout), listed.stdout);
        const out = path.join(dir, "downloaded.bin");
        const fd = fs.openSync(out, "w");
        try {
            const r = spawnSync("setpriv", ["--reuid", OPERATOR.name, "--regid", OPERATOR.name, "--init-groups",
                "debvisorctl", "backup", "download", repoName, backupId, "vda", "/1/big.bin"], { stdio: ["ignore", fd, "pipe"], timeout: 120_000 });
            assert.equal(r.status, 0, String(r.stderr));
        } finally {
            fs.closeSync(fd);
        }
        assert.true(fs.readFileSync(out).equals(big), "the downloaded file is the one in the guest's file system");
    });
});
