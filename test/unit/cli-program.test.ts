// The built debvisorctl (dist/debvisorctl.js) as a user meets it without a
// daemon: help, usage errors and their exit codes, and a missing system bus
// reported in words. Nothing here reaches a bus.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { COMMANDS } from "../../helpers/debvisorctl/commands/index.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = path.join(root, "dist/debvisorctl.js");
const NO_BUS = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: "unix:path=/nonexistent/system_bus_socket" };

function cli(...args: string[]) {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: NO_BUS, timeout: 30_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

QUnit.module("debvisorctl program", () => {
    QUnit.test("--help lists every command; --version is the package's", assert => {
        const help = cli("--help");
        assert.equal(help.code, 0);
        for (const command of COMMANDS)
            assert.true(help.stdout.includes(`\n  ${command.name}`), command.name);
        const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;
        assert.deepEqual(cli("--version"), { code: 0, stdout: `${version}\n`, stderr: "" });
    });

    QUnit.test("every command and command group has --help: exit 0, its usage on stdout", assert => {
        for (const name of [...COMMANDS.map(c => c.name), "audit", "vm"]) {
            const r = cli(...name.split(" "), "--help");
            assert.equal(r.code, 0, name);
            assert.true(r.stdout.startsWith(`Usage: debvisorctl ${name}`), `${name}: ${r.stdout.split("\n")[0]}`);
            assert.equal(r.stderr, "", name);
        }
    });

    QUnit.test("wrong usage: exit 2, the message and the usage on stderr, nothing on stdout", assert => {
        const cases: Array<[string[], RegExp]> = [
            [[], /^Usage: debvisorctl COMMAND/],
            [["frobnicate"], /^debvisorctl: unknown command "frobnicate"\n\nUsage: debvisorctl COMMAND/],
            [["--frobnicate"], /^debvisorctl: unknown option "--frobnicate"/],
            [["disks", "--bogus"], /^debvisorctl disks: unknown option --bogus\nUsage: debvisorctl disks \[--json\] \[--no-ask\]\n/],
            [["status", "extra"], /^debvisorctl status: unexpected argument "extra"\nUsage: debvisorctl status/],
            [["audit"], /^debvisorctl: audit needs a command\nUsage: debvisorctl audit tail/],
            [["audit", "frobnicate"], /^debvisorctl: unknown command "audit frobnicate"\nUsage: debvisorctl audit tail/],
            [["audit", "tail", "-n", "0"], /-n takes a number from 1 to 1000/],
            [["jobs", "cancel"], /^debvisorctl jobs cancel: missing arguments: N\|PATH/],
            [["jobs", "cancel", "../Manager"], /is not a job number or job path/],
            [["import", "a.raw"], /^debvisorctl import: missing arguments: SOURCE NAME/],
            [["import", "a.raw", "b", "--rate-limit", "fast"], /"fast" is not a number of bytes/],
            [["import", "a.raw", "b", "--wait=yes"], /--wait takes no value/],
            [["vm", "autostart", "web01", "maybe"], /say on or off/],
            [["vm", "shutdown", "web01", "--wait"], /give --timeout too/],
        ];
        for (const [argv, message] of cases) {
            const r = cli(...argv);
            assert.equal(r.code, 2, argv.join(" "));
            assert.true(message.test(r.stderr), `${argv.join(" ")}: ${r.stderr}`);
            assert.equal(r.stdout, "", argv.join(" "));
        }
    });

    QUnit.test("no system bus: exit 1 with a message in words, not a stack trace", assert => {
        for (const argv of [["status"], ["disks", "--json"], ["jobs"], ["audit", "tail"], ["import", "/tmp/a.raw", "a"]]) {
            const r = cli(...argv);
            assert.equal(r.code, 1, argv.join(" "));
            assert.true(r.stderr.startsWith("debvisorctl: cannot talk to the system bus: "), `${argv.join(" ")}: ${r.stderr}`);
            assert.false(r.stderr.includes("    at "), "no stack trace");
        }
    });
});
