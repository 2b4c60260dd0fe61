// DNS through the bus against a real named (the harness's, on 127.0.0.1:5353,
// which includes debvisord's config fragment): zones and keys, batches of
// records as one UPDATE, PTR kept in step, listing by AXFR, every change
// confirmed with dig; BIND refusing unknown and retired keys; a rotation
// with updates running through it; a rotation interrupted by kill -9 that
// resumes; injection attempts refused with BIND's zone unchanged; machine
// records that go when the machine is deleted.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import QUnit from "qunit";
import { hostAddresses, hostDomains } from "../../helpers/debvisord/dns/host-identity.js";
import { busNameOwnerPid } from "../harness/harness.js";
import { NAMED_PORT } from "../harness/named.js";
import { callAs, getProperty, MANAGER } from "../lib/call-as.js";
import { closeWatchBus, watchJobs } from "../lib/bus-watch.js";
import { uniqueName } from "../lib/images.js";
import { waitFor, withTimeout } from "../lib/wait.js";
import { ADMIN, NOBODY, OPERATOR, refusalOf, VIEWER } from "../lib/users.js";

const DNS = { path: "/org/debvisor/DebVisor1/dns", iface: "org.debvisor.DebVisor1.Dns" };
const ZONE_IFACE = "org.debvisor.DebVisor1.DnsZone";
const KEY_IFACE = "org.debvisor.DebVisor1.DnsKey";
const KEY_DIR = "/etc/debvisor/dns/keys";
const RUN = Math.random().toString(36).slice(2, 8);
const ZONE = `t${RUN}.debvisor.test`;
const REVERSE = "254.10.in-addr.arpa";
type Rec = [string, string, number, string];

const dns = (user: string | null, method: string, signature: string, body: unknown[]) =>
    callAs(user, { ...DNS, method, signature, body });

function dig(...args: string[]): string {
    return execFileSync("dig", ["@127.0.0.1", "-p", String(NAMED_PORT), "+short", "+time=2", "+tries=1", ...args], { encoding: "utf8" }).trim();
}

function serial(zone = ZONE): number {
    return Number(dig(zone, "SOA").split(/\s+/)[2]);
}

function axfr(zone: string, keyFile: string): string {
    return execFileSync("dig", ["@127.0.0.1", "-p", String(NAMED_PORT), "-k", keyFile, "+noall", "+answer", "+onesoa", zone, "AXFR"], { encoding: "utf8" });
}

/* An nsupdate of one A record signed with the given key file's secret, as any client would send it. */
function rawUpdate(keyFile: string, name: string, address: string): { ok: boolean; output: string } {
    try {
        const output = execFileSync("nsupdate", ["-k", keyFile], {
            input: `server 127.0.0.1 ${NAMED_PORT}\nzone ${ZONE}.\nupdate add ${name}.${ZONE}. 60 A ${address}\nsend\n`, encoding: "utf8", stdio: "pipe",
        });
        return { ok: true, output };
    } catch (e) {
        return { ok: false, output: String((e as { stderr?: string }).stderr ?? e) };
    }
}

function zonePath(zone: string): string {
    return `${DNS.path}/zones/${[...Buffer.from(zone)].map(b => /[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `_${b.toString(16)}`).join("")}`;
}

async function ok(assert: Assert, reply: Awaited<ReturnType<typeof dns>>, what: string): Promise<unknown[]> {
    assert.true(reply.ok, reply.ok ? what : `${what}: ${reply.message}`);
    return reply.ok ? reply.body : [];
}

QUnit.module("dns: zones, records and keys on a real named", hooks => {
    hooks.before(async () => {
        // what an earlier, interrupted run left
        for (const zone of [REVERSE, "elsewhere.debvisor.test"])
            await dns(null, "RemoveZone", "sa{sv}", [zone, { "delete-data": ["b", true] }]);
        for (const key of ["stray", "spare"])
            await dns(null, "DeleteKey", "sa{sv}", [key, {}]);
    });
    hooks.after(async () => {
        for (const zone of [ZONE, REVERSE, "elsewhere.debvisor.test"])
            await dns(null, "RemoveZone", "sa{sv}", [zone, { "delete-data": ["b", true] }]);
        for (const key of [`t${RUN}-debvisor-test-zone`, `t${RUN}-debvisor-test-transfer`, "254-10-in-addr-arpa-zone", "254-10-in-addr-arpa-transfer", "stray", "spare"])
            await dns(null, "DeleteKey", "sa{sv}", [key, {}]);
        closeWatchBus();
    });

    QUnit.test("a local zone: BIND serves it, its keys are objects without secrets, the key files are 0640 root:bind", async assert => {
        const [zoneObject] = await ok(assert, await dns(ADMIN.name, "AddZone", "ssua{sv}", [ZONE, "127.0.0.1", NAMED_PORT, { local: ["b", true] }]), "AddZone");
        assert.equal(zoneObject, zonePath(ZONE));
        assert.true(serial() >= 1, `named serves ${ZONE}`);
        await waitFor("the zone's serial on the bus", async () => Number(await getProperty(zonePath(ZONE), ZONE_IFACE, "Serial")) >= 1);
        const keys = await getProperty(zonePath(ZONE), ZONE_IFACE, "Keys") as Record<string, string>;
        assert.deepEqual(Object.keys(keys).sort(), ["transfer", "zone"]);
        const file = `${KEY_DIR}/${keys.zone}.g1.key`;
        const stat = fs.statSync(file);
        assert.equal(stat.mode & 0o777, 0o640, "key file mode");
        assert.equal(stat.uid, 0);
        assert.equal(stat.gid, Number(execFileSync("getent", ["group", "bind"], { encoding: "utf8" }).split(":")[2]), "group bind");
        const secret = /secret "([^"]+)"/.exec(fs.readFileSync(file, "utf8"))![1];
        const objects = await callAs(null, { path: "/org/debvisor/DebVisor1", iface: "org.freedesktop.DBus.ObjectManager", method: "GetManagedObjects", signature: "", body: [] });
        assert.true(objects.ok);
        assert.false(JSON.stringify(objects.ok ? objects.body : "").includes(secret), "no secret on the bus");
        assert.equal(await getProperty(`${DNS.path}/keys/${keys.zone.replace(/-/g, "_2d")}`, KEY_IFACE, "TsigName"), `${keys.zone}.g1`);
        const audit = fs.readFileSync("/var/log/debvisor/audit.jsonl", "utf8");
        assert.false(audit.includes(secret), "no secret in the audit log");
    });

    QUnit.test("a batch of every record type is one UPDATE (the serial goes up by one); dig sees each record", async assert => {
        const before = serial();
        const records: Rec[] = [
            ["www", "A", 300, "10.254.0.10"], ["www", "A", 300, "10.254.0.11"], ["www", "AAAA", 300, "2001:DB8::10"],
            ["alias", "CNAME", 300, "www"], ["@", "MX", 300, "10 mail"], ["mail", "A", 300, "10.254.0.20"],
            ["_sip._tcp", "SRV", 300, "10 5 5060 www"], ["info", "TXT", 300, "hello \"quoted\" world; not a command"],
        ];
        await ok(assert, await dns(ADMIN.name, "UpsertRecords", "sa(ssus)a{sv}", [ZONE, records, {}]), "UpsertRecords");
        assert.equal(serial(), before + 1, "one message, one serial step");
        assert.deepEqual(dig(`www.${ZONE}`, "A").split("\n").sort(), ["10.254.0.10", "10.254.0.11"]);
        assert.equal(dig(`www.${ZONE}`, "AAAA"), "2001:db8::10");
        assert.equal(dig(`alias.${ZONE}`, "CNAME"), `www.${ZONE}.`);
        assert.equal(dig(ZONE, "MX"), `10 mail.${ZONE}.`);
        assert.equal(dig(`_sip._tcp.${ZONE}`, "SRV"), `10 5 5060 www.${ZONE}.`);
        assert.equal(dig(`info.${ZONE}`, "TXT"), "\"hello \\\"quoted\\\" world; not a command\"");

        // an upsert replaces the set of that name and type
        await ok(assert, await dns(ADMIN.name, "UpsertRecords", "sa(ssus)a{sv}", [ZONE, [["www", "A", 60, "10.254.0.12"]], {}]), "replace");
        assert.equal(dig(`www.${ZONE}`, "A"), "10.254.0.12");
        await ok(assert, await dns(ADMIN.name, "DeleteRecords", "sa(ssus)a{sv}", [ZONE, [["info", "TXT", 0, ""], ["alias", "ANY", 0, ""]], {}]), "delete");
        assert.equal(dig(`info.${ZONE}`, "TXT"), "");
        assert.equal(dig(`alias.${ZONE}`, "CNAME"), "");
    });

    QUnit.test("ListRecords reads the zone by AXFR, filtered and paged", async assert => {
        const batch: Rec[] = Array.from({ length: 30 }, (_, i) => [`host${String(i).padStart(2, "0")}`, "A", 300, `10.254.1.${i + 1}`]);
        await ok(assert, await dns(ADMIN.name, "UpsertRecords", "sa(ssus)a{sv}", [ZONE, batch, {}]), "30 hosts");
        const [page, total] = await ok(assert, await dns(VIEWER.name, "ListRecords", "suua{sv}", [ZONE, 10, 5, { name: ["s", "host"] }]), "a viewer lists") as [Rec[], number];
        assert.equal(total, 30);
        assert.deepEqual(page.map(r => r[0]), [10, 11, 12, 13, 14].map(i => `host${i}.${ZONE}`));
        assert.deepEqual(page[0].slice(1), ["A", 300, "10.254.1.11"]);
        await waitFor("the record count", async () => Number(await getProperty(zonePath(ZONE), ZONE_IFACE, "RecordCount")) >= 34);
    });

    QUnit.test("with ptr, the reverse zone's PTR records follow A records in and out", async assert => {
        await ok(assert, await dns(ADMIN.name, "AddZone", "ssua{sv}", [REVERSE, "127.0.0.1", NAMED_PORT, { local: ["b", true] }]), "reverse zone");
        await ok(assert, await dns(ADMIN.name, "UpsertRecords", "sa(ssus)a{sv}", [ZONE, [["db", "A", 300, "10.254.7.9"]], { ptr: ["b", true] }]), "A with PTR");
        assert.equal(dig("-x", "10.254.7.9"), `db.${ZONE}.`);
        await ok(assert, await dns(ADMIN.name, "DeleteRecords", "sa(ssus)a{sv}", [ZONE, [["db", "A", 0, "10.254.7.9"]], { ptr: ["b", true] }]), "delete with PTR");
        assert.equal(dig(`db.${ZONE}`, "A"), "");
        assert.equal(dig("-x", "10.254.7.9"), "");
        const noReverse = await dns(ADMIN.name, "UpsertRecords", "sa(ssus)a{sv}", [ZONE, [["x", "A", 300, "192.0.2.1"]], { ptr: ["b", true] }]);
        assert.false(noReverse.ok);
        assert.true(!noReverse.ok && /no managed reverse zone/.test(noReverse.message), !noReverse.ok ? noReverse.message : "");
    });

    QUnit.test("injection attempts and bad input are InvalidArgument and the zone is unchanged", async assert => {
        const keyFile = `${KEY_DIR}/t${RUN}-debvisor-test-transfer.key`;
        const before = axfr(ZONE, keyFile);
        const label300 = "a".repeat(300);
        const bad: Array<[Rec[], RegExp]> = [
            [[["evil\nupdate add pwn", "A", 60, "10.0.0.1"]], /spaces or control characters/],
            [[["evil;rm", "A", 60, "10.0.0.1"]], /may contain only letters/],
            [[["two words", "A", 60, "10.0.0.1"]], /spaces/],
            [[[label300, "A", 60, "10.0.0.1"]], /longer than a DNS name|at most 253|longer than 63/],
            [[["a..b", "A", 60, "10.0.0.1"]], /empty label/],
            [[["-lead", "A", 60, "10.0.0.1"]], /must not start or end with "-"/],
            [[["ok", "A", 60, "10.0.0.1\nsend\nupdate delete " + ZONE]], /control characters/],
            [[["ok", "A", 60, "10.0.0.300"]], /not an IPv4 address/],
            [[["ok", "TXT", 60, "line\nbreak"]], /control characters/],
            [[["ok", "CNAME", 60, "bad target;"]], /target/],
            [[["ok", "MX", 60, "10"]], /PREFERENCE EXCHANGE/],
            [[["ok", "NS", 60, "ns1"]], /is not one of/],
            [[["outside.example.", "A", 60, "10.0.0.1"]], /not in the zone/],
            [[["ok", "A", 60, "10.0.0.1"], ["ok2", "A", 999_999_999, "10.0.0.2"]], /at most 604800/],
        ];
        for (const [records, expected] of bad) {
            const reply = await dns(ADMIN.name, "UpsertRecords", "sa(ssus)a{sv}", [ZONE, records, {}]);
            assert.false(reply.ok, JSON.stringify(records).slice(0, 60));
            if (!reply.ok) {
                assert.equal(reply.errorName, "org.debvisor.DebVisor1.Error.InvalidArgument", JSON.stringify(records).slice(0, 60));
                assert.true(expected.test(reply.message), `${JSON.stringify(records).slice(0, 40)} → ${reply.message}`);
            }
        }
        for (const zone of ["bad zone", "x\nzone y", "..", "-x.test", `${label300}.test`])
            assert.false((await dns(ADMIN.name, "AddZone", "ssua{sv}", [zone, "127.0.0.1", NAMED_PORT, { local: ["b", true] }])).ok, `zone ${JSON.stringify(zone)}`);
        assert.false((await dns(ADMIN.name, "AddZone", "ssua{sv}", ["ok.test", "127.0.0.1; rm", NAMED_PORT, { local: ["b", true] }])).ok, "server must be an address");
        assert.false((await dns(ADMIN.name, "GenerateKey", "sa{sv}", ["../etc", {}])).ok, "key name with ..");
        assert.false((await dns(ADMIN.name, "GenerateKey", "sa{sv}", ["a\nb", {}])).ok, "key name with a newline");
        const huge: Rec[] = Array.from({ length: 5001 }, (_, i) => [`h${i}`, "A", 60, "10.0.0.1"]);
        assert.false((await dns(ADMIN.name, "UpsertRecords", "sa(ssus)a{sv}", [ZONE, huge, {}])).ok, "5001 records");
        const bulky: Rec[] = Array.from({ length: 70 }, (_, i) => [`t${i}`, "TXT", 60, "x".repeat(1000)]);
        const tooLarge = await dns(ADMIN.name, "UpsertRecords", "sa(ssus)a{sv}", [ZONE, bulky, {}]);
        assert.true(!tooLarge.ok && /too large for one DNS message/.test(tooLarge.message), "70 KB of TXT is refused before sending");
        assert.equal(axfr(ZONE, keyFile), before, "BIND's zone is unchanged");
        assert.false(fs.readFileSync("/etc/debvisor/dns/named.conf", "utf8").includes("ok.test"), "no half-added zone");
    });

    QUnit.test("debvisorctl dns: a batch file as one update, listings as tables and JSON, bad lines refused before sending", assert => {
        const ctl = (args: string[], input?: string) => {
            try {
                return { code: 0, out: execFileSync("/usr/bin/debvisorctl", args, { encoding: "utf8", input, stdio: "pipe" }) };
            } catch (e) {
                const err = e as { status: number; stdout: string; stderr: string };
                return { code: err.status, out: `${err.stdout}${err.stderr}` };
            }
        };
        const before = serial();
        const batch = Array.from({ length: 50 }, (_, i) => `cli${i} A 120 10.254.2.${i + 1}`).join("\n") + "\n# a comment\n";
        const added = ctl(["dns", "add", ZONE, "--file", "-"], batch);
        assert.equal(added.code, 0, added.out);
        assert.equal(serial(), before + 1, "50 records, one update");
        assert.equal(dig(`cli49.${ZONE}`, "A"), "10.254.2.50");
        const listed = JSON.parse(ctl(["dns", "records", ZONE, "--name", "cli", "--json"]).out) as Array<{ name: string }>;
        assert.equal(listed.length, 50);
        assert.true(ctl(["dns", "zones"]).out.includes(ZONE), "dns zones lists the zone");
        assert.true(/t\w+-debvisor-test-zone\.g\d/.test(ctl(["dns", "keys"]).out), "dns keys lists the TSIG names");
        const bad = ctl(["dns", "add", ZONE, "--file", "-"], "ok A 60 10.254.2.200\nevil;x A 60 10.0.0.1\n");
        assert.notEqual(bad.code, 0);
        assert.true(/records\[1\]/.test(bad.out), bad.out);
        assert.equal(dig(`ok.${ZONE}`, "A"), "", "nothing of the refused batch was written");
        const deleted = ctl(["dns", "delete", ZONE, "cli0"]);
        assert.equal(deleted.code, 0, deleted.out);
        assert.equal(dig(`cli0.${ZONE}`, "A"), "");
    });

    QUnit.test("roles: viewers read, operators register, only admins change records, zones and keys", async assert => {
        const denied = "org.debvisor.DebVisor1.Error.NotAuthorized";
        const upsert = (user: string) => dns(user, "UpsertRecords", "sa(ssus)a{sv}", [ZONE, [["role", "A", 60, "10.254.9.9"]], {}]);
        for (const user of [VIEWER.name, OPERATOR.name, NOBODY.name]) {
            const r = await upsert(user);
            assert.true(!r.ok && r.errorName === refusalOf(user), `${user} may not change records`);
        }
        const listNobody = await dns(NOBODY.name, "ListRecords", "suua{sv}", [ZONE, 0, 10, {}]);
        assert.true(!listNobody.ok && listNobody.errorName === refusalOf(NOBODY.name), "someone without a role may not read");
        const rotate = await dns(OPERATOR.name, "RotateKey", "sa{sv}", ["stray", {}]);
        assert.true(!rotate.ok && rotate.errorName === denied, "operators do not rotate keys");
        // an admin may register any name with any address
        await ok(assert, await dns(ADMIN.name, "RegisterHost", "a{sv}", [{ zone: ["s", ZONE], name: ["s", "node7"], addresses: ["as", ["10.254.3.7"]] }]), "an admin registers another host");
        assert.equal(dig(`node7.${ZONE}`, "A"), "10.254.3.7");
        assert.equal(dig("-x", "10.254.3.7"), `node7.${ZONE}.`, "with its PTR, as the reverse zone is managed");
        assert.equal(dig(`role.${ZONE}`, "A"), "", "nothing changed by the refused calls");
    });

    // this host has no domain here: its own zone is the one RegisterHost picks by default (ZONE, the first local one)
    QUnit.test.if("an operator registers only this host's own name and addresses; www, ns, other names, foreign addresses and other zones are refused, nothing reaches named",
        hostDomains(os.hostname(), fs.readFileSync("/etc/hosts", "utf8")).length === 0, async assert => {
            const label = os.hostname().split(".")[0].toLowerCase();
            const own = hostAddresses();
            assert.true(own.length > 0, `this host has global addresses (${own.join(", ")})`);
            const register = (options: Record<string, [string, unknown]>) => dns(OPERATOR.name, "RegisterHost", "a{sv}", [options]);
            const wwwBefore = dig(`www.${ZONE}`, "A");
            const nsBefore = dig(`ns.${ZONE}`, "A");
            assert.notEqual(nsBefore, "", "the zone's ns glue is there");
            const refused: Array<[string, Record<string, [string, unknown]>, RegExp, () => string, string]> = [
                ["www", { zone: ["s", ZONE], name: ["s", "www"], addresses: ["as", own] }, /options\.name: www is not this host's name/, () => dig(`www.${ZONE}`, "A"), wwwBefore],
                ["the ns glue", { name: ["s", "ns"], addresses: ["as", own] }, /options\.name: ns is not this host's name/, () => dig(`ns.${ZONE}`, "A"), nsBefore],
                ["another host's name", { name: ["s", "node8"] }, /options\.name: node8 is not/, () => dig(`node8.${ZONE}`, "A"), ""],
                ["a foreign address", { addresses: ["as", ["10.254.3.99"]] }, /options\.addresses: 10\.254\.3\.99 is not an address of this host/, () => dig(`${label}.${ZONE}`, "A"), ""],
                ["one foreign address among its own", { addresses: ["as", [...own, "10.254.0.10"]] }, /10\.254\.0\.10 is not an address/, () => dig("-x", "10.254.0.10"), ""],
                ["another zone", { zone: ["s", REVERSE] }, new RegExp(`options\\.zone: ${REVERSE.replace(/\./g, "\\.")} is not this host's zone \\(${ZONE.replace(/\./g, "\\.")}\\)`),
                    () => dig(`${label}.${REVERSE}`, "A"), ""],
            ];
            for (const [what, options, reason, look, before] of refused) {
                const r = await register(options);
                assert.true(!r.ok && r.errorName === "org.debvisor.DebVisor1.Error.NotAuthorized", `${what}: refused (${r.ok ? "accepted" : r.errorName})`);
                assert.true(!r.ok && reason.test(r.message), `${what}: says why: ${r.ok ? "" : r.message}`);
                assert.equal(look(), before, `${what}: nothing changed in named`);
            }
            const audit = fs.readFileSync("/var/log/debvisor/audit.jsonl", "utf8").split("\n").filter(l => l.includes("\"Dns.RegisterHost\""))
                .map(l => JSON.parse(l) as { phase: string; result: string; loginuser?: string; user?: string });
            assert.true(audit.some(e => e.phase === "denied" && e.result === "org.debvisor.dns.records"), "the check of org.debvisor.dns.records is audited as denied");
            assert.true(audit.some(e => e.phase === "end" && /^NotAuthorized: options\.name: www is not this host's name/.test(e.result)), "the refusal and its reason are audited");

            // its own name and addresses, in its own zone: given or left to the defaults
            await ok(assert, await register({}), "an operator registers this host with the defaults");
            assert.deepEqual(dig(`${label}.${ZONE}`, "A").split("\n").filter(Boolean).sort(), own.filter(a => !a.includes(":")).sort(), "its IPv4 addresses");
            await ok(assert, await register({ zone: ["s", ZONE], name: ["s", label], addresses: ["as", own.slice(0, 1)] }), "its name with one of its addresses, named explicitly");
            assert.equal(dig(`${label}.${ZONE}`, own[0].includes(":") ? "AAAA" : "A"), own[0]);
        });

    QUnit.test("links the bind user plants in the zone directory are not followed: at the temporary name, at the zone file's name", async assert => {
        const zoneDir = "/var/lib/bind/debvisor";
        const bind = { uid: Number(execFileSync("id", ["-u", "bind"], { encoding: "utf8" })), gid: Number(execFileSync("id", ["-g", "bind"], { encoding: "utf8" })) };
        const asBind = (...command: string[]) => execFileSync("setpriv", ["--reuid", "bind", "--regid", "bind", "--clear-groups", ...command], { stdio: "pipe" });
        // the directory as an older version left it: group bind may write
        fs.chownSync(zoneDir, 0, bind.gid);
        fs.chmodSync(zoneDir, 0o775);
        const zones = [`la${RUN}.debvisor.test`, `lb${RUN}.debvisor.test`];
        const victims = zones.map((_z, i) => `/tmp/dv-victim-${RUN}-${i}`);
        const planted: string[] = [];
        try {
            for (const victim of victims)
                fs.writeFileSync(victim, "precious\n", { mode: 0o600 });
            await getProperty(DNS.path, DNS.iface, "DhcpRanges"); // the daemon runs: its PID names the temporary file it used to write
            const pid = busNameOwnerPid("org.debvisor.DebVisor1");
            // the temporary name the writer used to take, and (for the second zone) the zone file's own name
            planted.push(`${zoneDir}/${zones[0]}.zone.${pid}.tmp`, `${zoneDir}/${zones[1]}.zone`);
            asBind("ln", "-s", victims[0], planted[0]);
            asBind("ln", "-s", victims[1], planted[1]);
            for (const zone of zones) {
                await ok(assert, await dns(ADMIN.name, "AddZone", "ssua{sv}", [zone, "127.0.0.1", NAMED_PORT, { local: ["b", true] }]), `AddZone ${zone}`);
                assert.true(serial(zone) >= 1, `named serves ${zone} from its own file`);
                const file = `${zoneDir}/${zone}.zone`;
                const stat = fs.lstatSync(file);
                assert.true(stat.isFile(), `${file} is a file, not a link`);
                assert.deepEqual([stat.uid, stat.gid, stat.mode & 0o777], [bind.uid, bind.gid, 0o644], "owned by bind, 0644");
            }
            for (const victim of victims) {
                const stat = fs.statSync(victim);
                assert.equal(fs.readFileSync(victim, "utf8"), "precious\n", `${victim}: content untouched`);
                assert.deepEqual([stat.uid, stat.gid, stat.mode & 0o777], [0, 0, 0o600], `${victim}: owner and mode untouched`);
            }
            const dir = fs.statSync(zoneDir);
            assert.deepEqual([dir.uid, dir.gid, dir.mode & 0o777], [bind.uid, bind.gid, 0o750], "the zone directory is bind's alone, 0750");
            // named, as bind, still keeps its journal there
            await ok(assert, await dns(ADMIN.name, "UpsertRecords", "sa(ssus)a{sv}", [zones[0], [["j", "A", 60, "10.254.12.1"]], {}]), "an update");
            assert.equal(dig(`j.${zones[0]}`, "A"), "10.254.12.1");
        } finally {
            for (const zone of zones)
                await dns(null, "RemoveZone", "sa{sv}", [zone, { "delete-data": ["b", true] }]);
            for (const zone of zones)
                for (const k of ["zone", "transfer"])
                    await dns(null, "DeleteKey", "sa{sv}", [`${zone.split(".")[0]}-debvisor-test-${k}`, {}]);
            for (const f of [...planted, ...victims])
                fs.rmSync(f, { force: true });
        }
    });

    QUnit.test("a key BIND does not know is refused by BIND and reported in words; the zone counts the failure", async assert => {
        await ok(assert, await dns(ADMIN.name, "GenerateKey", "sa{sv}", ["stray", {}]), "GenerateKey");
        await ok(assert, await dns(ADMIN.name, "AddZone", "ssua{sv}", ["elsewhere.debvisor.test", "127.0.0.1", NAMED_PORT, { "zone-key": ["s", "stray"] }]), "a zone on 'another' server");
        const r = await dns(ADMIN.name, "UpsertRecords", "sa(ssus)a{sv}", ["elsewhere.debvisor.test", [["a", "A", 60, "10.0.0.1"]], {}]);
        assert.false(r.ok);
        assert.true(!r.ok && /does not know the key stray\.g1 \(BADKEY\)/.test(r.message), !r.ok ? r.message : "");
        const path = zonePath("elsewhere.debvisor.test");
        assert.equal(await getProperty(path, ZONE_IFACE, "FailedUpdates"), 1);
        assert.true(/BADKEY/.test(String(await getProperty(path, ZONE_IFACE, "LastError"))));
        const del = await dns(ADMIN.name, "DeleteKey", "sa{sv}", ["stray", {}]);
        assert.true(!del.ok && /used by the zone elsewhere/.test(del.message), "a key in use is not deleted");
        const rot = await dns(ADMIN.name, "RotateKey", "sa{sv}", ["stray", {}]);
        assert.true(!rot.ok && rot.errorName.endsWith("NotSupported"), "a remote zone's key is not rotated here");
    });

    QUnit.test("key rotation: updates in a loop through it never fail; the old secret is then refused, the new one taken", async assert => {
        const key = `t${RUN}-debvisor-test-zone`;
        const oldFile = `${KEY_DIR}/${key}.g1.key`;
        assert.true(rawUpdate(`${KEY_DIR}/${key}.key`, "pre", "10.254.4.1").ok, "a client using the current key file works");
        const watch = await watchJobs();
        let stop = false;
        const failures: string[] = [];
        let updates = 0;
        const loop = (async () => {
            for (let i = 0; !stop && i < 2000; i++) {
                const r = await dns(ADMIN.name, "UpsertRecords", "sa(ssus)a{sv}", [ZONE, [[`loop${i % 5}`, "A", 60, `10.254.5.${i % 250 + 1}`]], {}]);
                updates++;
                if (!r.ok)
                    failures.push(r.message);
            }
        })();
        await new Promise(r => setTimeout(r, 300));
        const [job] = await ok(assert, await dns(ADMIN.name, "RotateKey", "sa{sv}", [key, { "overlap-seconds": ["u", 1] }]), "RotateKey") as [string];
        const [success, message] = await withTimeout(watch(job).completed, 60_000, "the rotation");
        await new Promise(r => setTimeout(r, 300));
        stop = true;
        await loop;
        assert.true(success, message);
        assert.deepEqual(failures, [], `no update failed during the rotation (${updates} updates)`);
        assert.true(updates >= 5, `updates ran through it (${updates})`);
        const keyPath = `${DNS.path}/keys/${key.replace(/-/g, "_2d")}`;
        assert.equal(await getProperty(keyPath, KEY_IFACE, "TsigName"), `${key}.g2`);
        assert.equal(await getProperty(keyPath, KEY_IFACE, "Rotation"), "");
        assert.false(fs.existsSync(oldFile), "the old key file is gone");
        const config = fs.readFileSync("/etc/debvisor/dns/named.conf", "utf8");
        assert.false(config.includes(`"${key}.g1"`), "the old key is out of BIND's config");
        const steps = fs.readFileSync("/var/log/debvisor/audit.jsonl", "utf8").split("\n")
            .filter(l => l.includes("\"Dns.RotateKey\"") && l.includes("\"step\"") && l.includes(key)).map(l => (JSON.parse(l) as { result: string }).result.split(":")[0]);
        assert.deepEqual(steps.slice(-5), ["generate", "add", "switch", "retire", "remove"], "each step is audited");
        // a client still holding the old secret: BIND refuses it now
        const retired = `/tmp/dv-retired-${RUN}.key`;
        fs.writeFileSync(retired, fs.readFileSync(`${KEY_DIR}/${key}.g2.key`, "utf8").replace(`${key}.g2`, `${key}.g1`), { mode: 0o600 });
        const old = rawUpdate(retired, "late", "10.254.4.2");
        fs.rmSync(retired);
        assert.false(old.ok, "the retired key is refused");
        assert.true(/BADKEY/.test(old.output), old.output);
        assert.true(rawUpdate(`${KEY_DIR}/${key}.key`, "post", "10.254.4.3").ok, "the key file clients read now holds the new key");
    });

    QUnit.test("a rotation interrupted by kill -9 resumes where it stopped", async assert => {
        const key = `t${RUN}-debvisor-test-zone`;
        const keyPath = `${DNS.path}/keys/${key.replace(/-/g, "_2d")}`;
        const reply = await dns(ADMIN.name, "RotateKey", "sa{sv}", [key, { "overlap-seconds": ["u", 60] }]);
        await ok(assert, reply, "RotateKey");
        await waitFor("the rotation to wait in its overlap", async () => await getProperty(keyPath, KEY_IFACE, "Rotation") === "retire", 30_000);
        const pid = busNameOwnerPid("org.debvisor.DebVisor1");
        process.kill(pid as number, "SIGKILL");
        await waitFor("the killed daemon to be gone", () => busNameOwnerPid("org.debvisor.DebVisor1") !== pid, 10_000, 20);
        // the next call starts a new daemon, which knows where the rotation stopped
        assert.equal(await getProperty(keyPath, KEY_IFACE, "Rotation"), "retire");
        assert.equal(await getProperty(keyPath, KEY_IFACE, "TsigName"), `${key}.g3`, "the switch had happened");
        const config = fs.readFileSync("/etc/debvisor/dns/named.conf", "utf8");
        assert.true(config.includes(`"${key}.g2"`) && config.includes(`"${key}.g3"`), "both keys still valid");
        const watch = await watchJobs();
        const [job] = await ok(assert, await dns(ADMIN.name, "RotateKey", "sa{sv}", [key, { "overlap-seconds": ["u", 0] }]), "resume") as [string];
        const [success, message] = await withTimeout(watch(job).completed, 60_000, "the resumed rotation");
        assert.true(success, message);
        assert.equal(await getProperty(keyPath, KEY_IFACE, "TsigName"), `${key}.g3`, "no extra generation");
        assert.false(fs.readFileSync("/etc/debvisor/dns/named.conf", "utf8").includes(`"${key}.g2"`), "the old key retired");
        await ok(assert, await dns(ADMIN.name, "UpsertRecords", "sa(ssus)a{sv}", [ZONE, [["after", "A", 60, "10.254.4.9"]], {}]), "updates work");
        assert.equal(dig(`after.${ZONE}`, "A"), "10.254.4.9");
    });

    QUnit.test("DHCP ranges: checked, accepted by dnsmasq, written whole; bad ranges change nothing", async assert => {
        const conf = "/etc/dnsmasq.d/debvisor.conf";
        const before = fs.existsSync(conf) ? fs.readFileSync(conf, "utf8") : null;
        const saved = await getProperty(DNS.path, DNS.iface, "DhcpRanges") as Array<Record<string, unknown>>;
        type Range = Record<string, [string, unknown]>;
        const range = (name: string, start: string, end: string, extra: Range = {}): Range => ({
            Name: ["s", name], Interface: ["s", "br0"], Start: ["s", start], End: ["s", end], Netmask: ["s", "255.255.255.0"],
            LeaseSeconds: ["t", 43200], DnsServer: ["s", "10.254.10.1"], ...extra,
        });
        const set = (user: string, ranges: Range[], options: Record<string, [string, unknown]> = {}) =>
            dns(user, "SetDhcpRanges", "aa{sv}a{sv}", [ranges, options]);
        try {
            const [text] = await ok(assert, await set(ADMIN.name, [range("cluster", "10.254.10.100", "10.254.10.200"), range("tenant", "10.254.11.10", "10.254.11.50", { LeaseSeconds: ["t", 0] })]), "SetDhcpRanges") as [string];
            assert.equal(fs.readFileSync(conf, "utf8"), text, "the file holds what was returned");
            assert.true(text.includes("dhcp-range=set:cluster,10.254.10.100,10.254.10.200,255.255.255.0,43200"), text);
            assert.true(text.includes("dhcp-range=set:tenant,10.254.11.10,10.254.11.50,255.255.255.0,infinite"));
            assert.true(text.includes("dhcp-option=tag:cluster,option:dns-server,10.254.10.1"));
            execFileSync("/usr/sbin/dnsmasq", ["--test", `--conf-file=${conf}`], { stdio: "pipe" });
            const listed = await getProperty(DNS.path, DNS.iface, "DhcpRanges") as Array<Record<string, unknown>>;
            assert.deepEqual(listed.map(r => r.Name), ["cluster", "tenant"]);
            const written = fs.readFileSync(conf, "utf8");
            const bad: Array<[Range[], RegExp]> = [
                [[range("a", "10.254.10.200", "10.254.10.100")], /comes after the end/],
                [[range("a", "10.254.10.100", "10.254.11.100")], /not in the same \/24 network/],
                [[range("a", "10.254.10.1", "10.254.10.50"), range("b", "10.254.10.40", "10.254.10.60")], /overlaps ranges\[0\]/],
                [[range("a", "10.254.10.1", "10.254.10.50", { Interface: ["s", "br0\ndhcp-range=evil"] })], /not an interface name/],
                [[range("a b", "10.254.10.1", "10.254.10.50")], /name must be/],
                [[range("a", "10.254.10.1", "10.254.10.50", { Netmask: ["s", "255.0.255.0"] })], /not a netmask/],
                [[range("a", "10.254.10.1", "10.254.10.50", { DnsServer: ["s", "10.0.0.1,8.8.8.8"] })], /DNS server/],
                [[range("a", "10.254.10.1", "10.254.10.50", { LeaseSeconds: ["t", 5] })], /lease time/],
            ];
            for (const [ranges, expected] of bad) {
                const r = await set(ADMIN.name, ranges);
                assert.true(!r.ok && r.errorName.endsWith("InvalidArgument") && expected.test(r.message), !r.ok ? r.message : "accepted");
            }
            const viewer = await set(VIEWER.name, [range("v", "10.254.10.1", "10.254.10.9")]);
            assert.true(!viewer.ok && viewer.errorName.endsWith("NotAuthorized"), "viewers may not change DHCP");
            assert.equal(fs.readFileSync(conf, "utf8"), written, "the file is unchanged");
        } finally {
            // put back what the host had
            await set(ADMIN.name, saved.map(r => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, [k === "LeaseSeconds" ? "t" : "s", v]]))));
            if (before === null && saved.length === 0)
                fs.rmSync(conf, { force: true });
        }
    });

    QUnit.test("a machine's records: registered with its address, removed when the machine is deleted", async assert => {
        await ok(assert, await dns(ADMIN.name, "RemoveZone", "sa{sv}", ["elsewhere.debvisor.test", {}]), "drop the remote zone");
        // machines register in a zone that says so
        await ok(assert, await dns(ADMIN.name, "RemoveZone", "sa{sv}", [ZONE, {}]), "re-add with register-machines");
        await ok(assert, await dns(ADMIN.name, "AddZone", "ssua{sv}", [ZONE, "127.0.0.1", NAMED_PORT, {
            local: ["b", true], "zone-key": ["s", `t${RUN}-debvisor-test-zone`], "transfer-key": ["s", `t${RUN}-debvisor-test-transfer`], "register-machines": ["b", true],
        }]), "AddZone");
        const name = uniqueName("dvdns");
        const created = await callAs(ADMIN.name, { ...MANAGER, method: "CreateMachine", signature: "sa{sv}", body: [name, { network: ["s", "none"], source: ["s", "empty"], "disk-size": ["t", 16 * 1024 ** 2] }] });
        const [machine] = await ok(assert, created, "CreateMachine") as [string];
        await waitFor("the machine object", () => getProperty(machine, "org.debvisor.DebVisor1.Machine", "Name").then(() => true, () => false));
        const byOperator = await dns(OPERATOR.name, "RegisterMachine", "oa{sv}", [machine, { addresses: ["as", ["10.254.8.8"]] }]);
        assert.true(!byOperator.ok && byOperator.errorName.endsWith("NotAuthorized") && /10\.254\.8\.8 is not an address .* reports/.test(byOperator.message),
            `an operator may not give a machine an address it does not report: ${byOperator.ok ? "accepted" : byOperator.message}`);
        assert.equal(dig(`${name}.${ZONE}`, "A"), "", "nothing written for the refused call");
        assert.equal(dig("-x", "10.254.8.8"), "");
        await ok(assert, await dns(ADMIN.name, "RegisterMachine", "oa{sv}", [machine, { addresses: ["as", ["10.254.8.8"]] }]), "an admin may");
        assert.equal(dig(`${name}.${ZONE}`, "A"), "10.254.8.8");
        assert.equal(dig("-x", "10.254.8.8"), `${name}.${ZONE}.`);
        const regs = await getProperty(DNS.path, DNS.iface, "Registrations") as Array<Record<string, unknown>>;
        assert.true(regs.some(r => r.Name === `${name}.${ZONE}` && r.Kind === "machine" && r.Error === ""), "listed as a registration");
        await ok(assert, await callAs(ADMIN.name, { path: machine, iface: "org.debvisor.DebVisor1.Machine", method: "Delete", signature: "a{sv}", body: [{ "delete-disks": ["b", true] }] }), "Delete");
        await waitFor("the A record to go", () => dig(`${name}.${ZONE}`, "A") === "", 20_000);
        // the PTR goes in a second message, to the reverse zone
        await waitFor("the PTR record to go", () => dig("-x", "10.254.8.8") === "", 10_000).catch(() => undefined);
        assert.equal(dig("-x", "10.254.8.8"), "", "and its PTR");
        const gone = await waitFor("the registration to go", async () =>
            !(await getProperty(DNS.path, DNS.iface, "Registrations") as Array<Record<string, unknown>>).some(r => r.Name === `${name}.${ZONE}`), 10_000)
            .then(() => true, () => false);
        assert.true(gone, "the registration is gone");
    });
});
