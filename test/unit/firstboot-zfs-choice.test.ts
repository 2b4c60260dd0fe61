// First boot's choice of ZFS for the zfs and mixed profiles: OpenZFS where its
// kernel module loads, zfs-fuse from the image's kept packages where it does
// not. The swap itself (dpkg replacing zfsutils-linux) cannot run on a test
// host: a fake runner, named so, records what would run. The real `modprobe`
// where this host has no ZFS module shows the refusal as a node would see it.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { Host, type RunResult } from "../../helpers/debvisor-firstboot/host.js";
import { testUnless } from "../lib/skip.js";
import { chooseZfs, ZfsChoiceError, type ZfsPaths, type ZfsRunner } from "../../helpers/debvisor-firstboot/zfs-choice.js";

class FakeRunner implements ZfsRunner {
    calls: string[][] = [];
    constructor(private readonly answers: Record<string, RunResult>) {}
    run(program: string, args: string[]): Promise<RunResult> {
        this.calls.push([program, ...args]);
        const key = program === "env" ? args[1] : program;
        return Promise.resolve(this.answers[key] ?? { exitCode: 0, stdout: "", stderr: "" });
    }
}

const refused: RunResult = { exitCode: 1, stdout: "", stderr: "modprobe: ERROR: could not insert 'zfs': Key was rejected by service\n" };

function paths(t: { module?: boolean; fuse?: boolean; debs?: string[] } = {}): ZfsPaths {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "debvisor-zfs-choice-"));
    const p = { module: path.join(dir, "module"), fuseDaemon: path.join(dir, "zfs-fuse"), fallbackDir: path.join(dir, "fallback") };
    if (t.module)
        fs.mkdirSync(p.module);
    if (t.fuse)
        fs.writeFileSync(p.fuseDaemon, "");
    if (t.debs) {
        fs.mkdirSync(p.fallbackDir);
        for (const d of t.debs)
            fs.writeFileSync(path.join(p.fallbackDir, d), "");
    }
    return p;
}

QUnit.module("first boot's ZFS", () => {
    QUnit.test("OpenZFS where its module is loaded or loads; nothing installed", async assert => {
        const loaded = new FakeRunner({});
        assert.equal(await chooseZfs(loaded, paths({ module: true })), "ZFS: OpenZFS, its kernel module is loaded");
        assert.deepEqual(loaded.calls, [], "no modprobe when /sys/module/zfs is there");
        const loads = new FakeRunner({});
        assert.equal(await chooseZfs(loads, paths({ debs: ["zfs-fuse_0.7.0-30_amd64.deb"] })), "ZFS: OpenZFS, its kernel module loaded");
        assert.deepEqual(loads.calls, [["modprobe", "zfs"]], "the kept zfs-fuse stays unused");
    });

    QUnit.test("a node on zfs-fuse already (a second run) is left as it is", async assert => {
        const runner = new FakeRunner({});
        assert.equal(await chooseZfs(runner, paths({ fuse: true })), "ZFS: zfs-fuse (installed already)");
        assert.deepEqual(runner.calls, []);
    });

    QUnit.test("where the module cannot load, the kept packages are installed offline and the reason is said", async assert => {
        const p = paths({ debs: ["zfs-fuse_0.7.0-30_amd64.deb", "libfuse2t64_2.9.9-9_amd64.deb", "notes.txt"] });
        const runner = new FakeRunner({ modprobe: refused });
        const line = await chooseZfs(runner, p);
        assert.equal(line, "ZFS: zfs-fuse (no lz4, no volumes), since the OpenZFS kernel module does not load (modprobe zfs: modprobe: ERROR: could not insert 'zfs': Key was rejected by service)");
        assert.deepEqual(runner.calls.slice(1), [
            ["env", "DEBIAN_FRONTEND=noninteractive", "dpkg", "--remove", "zfs-zed", "zfsutils-linux"],
            ["env", "DEBIAN_FRONTEND=noninteractive", "dpkg", "--force-confold", "-i",
                path.join(p.fallbackDir, "libfuse2t64_2.9.9-9_amd64.deb"), path.join(p.fallbackDir, "zfs-fuse_0.7.0-30_amd64.deb")],
        ], "OpenZFS's tools removed, then the kept packages (not the text file) installed from their files");
    });

    QUnit.test("no kept zfs-fuse, or dpkg failing: a clear error, nothing more run", async assert => {
        await assert.rejects(chooseZfs(new FakeRunner({ modprobe: refused }), paths({ debs: ["libfuse2t64_2.9.9-9_amd64.deb"] })),
            (e: Error) => e instanceof ZfsChoiceError && /does not load \(modprobe zfs: .*Key was rejected.*\) and .*fallback holds no zfs-fuse package/.test(e.message));
        const dpkg = new FakeRunner({ modprobe: refused, dpkg: { exitCode: 1, stdout: "", stderr: "dpkg: error processing archive zfs-fuse.deb\n" } });
        await assert.rejects(chooseZfs(dpkg, paths({ debs: ["zfs-fuse_0.7.0-30_amd64.deb"] })),
            (e: Error) => e instanceof ZfsChoiceError && /removing OpenZFS's tools for zfs-fuse failed: dpkg: error processing/.test(e.message));
        assert.equal(dpkg.calls.length, 2, "nothing installed after the removal failed");
    });

    // a host whose kernel has modules at all might load OpenZFS's: only where it has none
    const modulesHere = fs.existsSync("/sys/module/zfs") || fs.existsSync(`/lib/modules/${os.release()}`);
    testUnless("the real modprobe on a host without the module: refused with its own words",
        modulesHere ? `this host's kernel has modules in /lib/modules/${os.release()}` : null, async assert => {
            await assert.rejects(chooseZfs(new Host(), paths()),
                (e: Error) => e instanceof ZfsChoiceError && /^the OpenZFS kernel module does not load \(modprobe zfs: .+\) and .* holds no zfs-fuse package/.test(e.message));
        });
});
