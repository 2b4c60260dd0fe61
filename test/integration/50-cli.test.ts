// The installed debvisorctl against the installed daemon.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import QUnit from "qunit";
import { IMAGE_DIR, qemuImgFormat, randomImage, removeImage, tempDir, uniqueName } from "../lib/images.js";
import { NOBODY } from "../lib/users.js";

const CTL = "/usr/bin/debvisorctl";

function ctl(args: string[], asUser?: string) {
    const command = asUser ? "setpriv" : CTL;
    const argv = asUser ? ["--reuid", asUser, "--regid", asUser, "--init-groups", CTL, ...args] : args;
    const r = spawnSync(command, argv, { encoding: "utf8", timeout: 120_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

QUnit.module("debvisorctl (installed)", () => {
    QUnit.test("status, disks and audit tail, as text and JSON", assert => {
        const status = ctl(["status", "--json"]);
        assert.equal(status.code, 0, status.stderr);
        const props = JSON.parse(status.stdout);
        assert.equal(typeof props.Version, "string");
        assert.equal(props.AuditChainHead.length, 64);
        const disks = ctl(["disks", "--json"]);
        assert.equal(disks.code, 0, disks.stderr);
        assert.true((JSON.parse(disks.stdout) as Array<{ Role: string }>).some(d => d.Role === "os"), "the OS disk is listed");
        assert.true(ctl(["disks"]).stdout.startsWith("NAME"));
        const tail = ctl(["audit", "tail", "-n", "5", "--json"]);
        assert.equal(tail.code, 0, tail.stderr);
        assert.equal(JSON.parse(tail.stdout).length, 5);
        const verify = ctl(["audit", "verify"]);
        assert.equal(verify.code, 0, verify.stderr);
        assert.true(verify.stdout.includes("(matches the daemon)"), verify.stdout);
    });

    QUnit.test("import --wait follows the job to the end; a missing source fails clearly", assert => {
        const dir = tempDir("dv-cli-import-");
        const source = randomImage(dir, "cli.raw", 8);
        const name = uniqueName("cli");
        const r = ctl(["import", source, name, "--wait", "--rate-limit", String(4 << 20)]);
        assert.equal(r.code, 0, r.stderr);
        assert.true(/^\/org\/debvisor\/DebVisor1\/jobs\/\d+$/m.test(r.stdout), r.stdout);
        assert.true(/^progress \d+%$/m.test(r.stdout), "progress lines when not on a terminal");
        assert.true(r.stdout.includes(`Imported cli.raw as ${IMAGE_DIR}/${name}.qcow2`), r.stdout);
        assert.equal(qemuImgFormat(`${IMAGE_DIR}/${name}.qcow2`), "qcow2");
        removeImage(`${name}.qcow2`);
        const missing = ctl(["import", `${dir}/missing.raw`, uniqueName("cli")]);
        assert.equal(missing.code, 1);
        assert.true(missing.stderr.startsWith("debvisorctl: NotFound: source_path: "), missing.stderr);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    QUnit.test("a user in no DebVisor group gets NotAuthorized and exit 1", assert => {
        const r = ctl(["disks"], NOBODY.name);
        assert.equal(r.code, 1);
        assert.true(r.stderr.startsWith("debvisorctl: NotAuthorized: "), r.stderr);
    });
});
