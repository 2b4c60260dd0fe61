// What debvisorctl prints: tables, progress, byte sizes, job names, D-Bus
// errors in words. In process, no bus.
import QUnit from "qunit";
import { UsageError } from "../../helpers/debvisorctl/args.js";
import { describeDBusError } from "../../helpers/debvisorctl/bus.js";
import { auditTable } from "../../helpers/debvisorctl/commands/audit.js";
import { disksTable } from "../../helpers/debvisorctl/commands/disks.js";
import { parseBytes } from "../../helpers/debvisorctl/commands/import.js";
import { jobPath, jobsTable } from "../../helpers/debvisorctl/commands/jobs.js";
import { progressBar, ProgressReporter } from "../../helpers/debvisorctl/job-follow.js";
import { fields, printable, table, toJson } from "../../helpers/debvisorctl/output.js";

/* A stand-in for process.stdout that keeps what was written. */
function fakeStream(tty: boolean) {
    const written: string[] = [];
    const stream = { isTTY: tty, write: (s: string) => written.push(s) > 0 } as unknown as NodeJS.WriteStream;
    return { stream, written };
}

QUnit.module("debvisorctl output", () => {
    QUnit.test("tables: columns as wide as their widest cell, no trailing blanks, control characters made visible", assert => {
        assert.equal(table(["A", "BB"], [["xyz", "1"], ["q", "22"]]), "A    BB\nxyz  1\nq    22");
        assert.equal(table(["NAME", "STATE"], []), "NAME  STATE", "an empty listing is its header");
        assert.equal(table(["A", "B", "C"], [["1", "", ""]]), "A  B  C\n1", "empty trailing cells leave no blanks");
        assert.equal(table(["A", "B"], [["x\ny", "\x1b[31mred"]]), "A       B\nx\\x0ay  \\x1b[31mred");
        assert.equal(printable("tab\there"), "tab here");
        assert.equal(fields([["Version", "0.1.0"], ["Running jobs", 2]]), "Version       0.1.0\nRunning jobs  2");
    });

    QUnit.test("JSON keeps 64-bit integers that do not fit a number exact", assert => {
        assert.equal(toJson({ big: 18446744073709551615n, small: 5 }), "{\n  \"big\": \"18446744073709551615\",\n  \"small\": 5\n}");
    });

    QUnit.test("disks, jobs and audit records as tables", assert => {
        assert.equal(disksTable([
            { Name: "vda", Size: 274877906944, Role: "os", Model: "", Serial: "", RoleReason: "holds the system mount /" },
            { Name: "sdb", Size: 4000787030016, Role: "spare", Model: "WDC WD40EFRX", Serial: "WD-1234", RoleReason: "empty" },
        ]), [
            "NAME  SIZE     ROLE   MODEL         SERIAL   REASON",
            "vda   256 GiB  os     -             -        holds the system mount /",
            "sdb   3.6 TiB  spare  WDC WD40EFRX  WD-1234  empty",
        ].join("\n"));
        assert.equal(jobsTable([
            { Path: "/org/debvisor/DebVisor1/jobs/3", Number: 3, Operation: "image-import", Progress: 0.426, ProgressValid: true, State: "running", Description: "Importing a.vmdk as web01.qcow2" },
            { Path: "/org/debvisor/DebVisor1/jobs/4", Number: 4, Operation: "machine-shutdown", Progress: 0, ProgressValid: false, State: "failed", Description: "Shutting down web02" },
        ]), [
            "JOB  OPERATION         PROGRESS  STATE    DESCRIPTION",
            "3    image-import      42%       running  Importing a.vmdk as web01.qcow2",
            "4    machine-shutdown  -         failed   Shutting down web02",
        ].join("\n"));
        const audit = auditTable([
            { Seq: 7, Time: 1_767_323_045_000_000, User: "root", LoginUserClaimed: "alice", Method: "Manager.ImportImage", Object: "/org/debvisor/DebVisor1/manager", Phase: "end", Result: "ok" },
            { Seq: 8, Time: 1_767_323_046_000_000, User: "bob", LoginUserClaimed: "bob", Method: "Manager.GetDisks", Object: "/org/debvisor/DebVisor1/manager", Phase: "denied", Result: "org.debvisor.host.read" },
        ]).split("\n");
        assert.true(audit[1].includes(" root(claims:alice) "), "who called as the bus says, the login user only as a claim");
        assert.true(audit[1].includes(" 2026-01-02T03:04:05.000Z "), "the contract's microseconds as ISO 8601 UTC");
        assert.false(audit[1].includes(" alice "), "a claimed login user is never shown alone, as if they had acted");
        assert.true(audit[2].includes(" bob ") && !audit[2].includes("claims"), audit[2]);
    });

    QUnit.test("progress: a bar on a terminal, a line per percent elsewhere", assert => {
        assert.equal(progressBar(0), `[${" ".repeat(30)}]   0%`);
        assert.equal(progressBar(0.5, 10), "[#####     ]  50%");
        assert.equal(progressBar(1.7, 4), "[####] 100%", "clamped");

        const log = fakeStream(false);
        const lines = new ProgressReporter(log.stream);
        for (const f of [0, 0.004, 0.42, 0.421, 1])
            lines.progress(f);
        lines.end();
        assert.deepEqual(log.written, ["progress 0%\n", "progress 42%\n", "progress 100%\n"], "repeats of a percent are not printed");

        const tty = fakeStream(true);
        const bar = new ProgressReporter(tty.stream);
        bar.progress(0.25);
        bar.end();
        bar.end();
        assert.deepEqual(tty.written, [`\r${progressBar(0.25)}`, "\r\x1b[2K"], "the bar is drawn in place and cleared once");
    });

    QUnit.test("rate limits: bytes with binary suffixes; job numbers and paths", assert => {
        assert.equal(parseBytes("1048576"), 1048576);
        assert.equal(parseBytes("512K"), 512 * 1024);
        assert.equal(parseBytes("4M"), 4 << 20);
        assert.equal(parseBytes("1GiB"), 1 << 30);
        for (const bad of ["", "0", "-5", "4 M", "4MB", "1.5M", "99999999999999999999"])
            assert.throws(() => parseBytes(bad), UsageError, JSON.stringify(bad));
        assert.equal(jobPath("7"), "/org/debvisor/DebVisor1/jobs/7");
        assert.equal(jobPath("/org/debvisor/DebVisor1/jobs/12"), "/org/debvisor/DebVisor1/jobs/12");
        for (const bad of ["../Manager", "/org/debvisor/DebVisor1/manager", "/org/debvisor/DebVisor1/jobs/", "7a"])
            assert.throws(() => jobPath(bad), UsageError, bad);
    });

    QUnit.test("D-Bus errors: the short name and the daemon's words; a missing service in words", assert => {
        const denied = describeDBusError("org.debvisor.DebVisor1.Error.NotAuthorized", "bob is not authorized to call Manager.GetDisks");
        assert.equal(denied.message, "NotAuthorized: bob is not authorized to call Manager.GetDisks");
        assert.equal(denied.errorName, "NotAuthorized");
        assert.equal(describeDBusError("org.freedesktop.DBus.Error.UnknownObject", "No object at /x").errorName, "UnknownObject");
        assert.true(/debvisord is not available.*installed/.test(describeDBusError("org.freedesktop.DBus.Error.ServiceUnknown", "The name is not activatable").message));
        assert.equal(describeDBusError("org.freedesktop.DBus.Error.NameHasNoOwner", "").message, "debvisord is not running");
        assert.true(describeDBusError("org.freedesktop.DBus.Error.Spawn.ChildExited", "exited with 1").message.startsWith("debvisord could not be started"));
        const refused = describeDBusError("org.freedesktop.DBus.Error.AccessDenied",
            "Rejected send message, 2 matched rules; type=\"method_call\", sender=\":1.9\" (uid=1004 pid=77 comm=\"debvisorctl\")");
        assert.equal(refused.errorName, "AccessDenied");
        assert.true(refused.message.includes("you are not in a DebVisor group (debvisor-admin, debvisor-operator, debvisor-viewer)"), refused.message);
        assert.false(refused.message.includes("matched rules"), "not the bus's raw words");
    });
});
