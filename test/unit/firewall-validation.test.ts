// The firewall's entry grammar and list checks, with a corpus of good and
// bad entries in every form, and the scripts given to nft.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { parseNet, type Net } from "../../helpers/lib/cidr.js";
import { readState, writeState } from "../../helpers/debvisord/security/firewall-state.js";
import { readFirewallSettings } from "../../helpers/debvisord/security/firewall-settings.js";
import { checkAdditions, checkRemovals, cutOffProblems, lockoutProblems, parseList, specialWarnings } from "../../helpers/lib/firewall-validation.js";
import { parseAddresses, parseGateways } from "../../helpers/debvisord/security/host-networks.js";
import { addScript, deleteScript, fullScript, parseCounters, tableName } from "../../helpers/debvisord/security/nft.js";
import { parseProcNetTcp } from "../../helpers/debvisord/security/sessions.js";

const like = (assert: Assert, text: string, re: RegExp) => assert.true(re.test(text), text);

const net = (text: string): Net => {
    const p = parseNet(text);
    if (!p.ok) throw new Error(p.error);
    return p.net;
};

QUnit.module("firewall: entries", () => {
    QUnit.test("IPv4 and IPv6 in every form parse to their canonical text", assert => {
        const corpus: Array<[string, string]> = [
            ["192.0.2.1", "192.0.2.1"],
            ["192.0.2.0/24", "192.0.2.0/24"],
            [" 10.0.0.0/8 ", "10.0.0.0/8"],
            ["0.0.0.0/0", "0.0.0.0/0"],
            ["192.0.2.7/32", "192.0.2.7"],
            ["192.0.2.0-192.0.2.255", "192.0.2.0/24"],
            ["192.0.2.10-192.0.2.20", "192.0.2.10-192.0.2.20"],
            ["::", "::"],
            ["::/0", "::/0"],
            ["::1", "::1"],
            ["2001:DB8::/32", "2001:db8::/32"],
            ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
            ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
            ["2001:db8::1:0:0:0:1", "2001:db8:0:1::1"],
            ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
            ["1::", "1::"],
            ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
            ["::ffff:192.0.2.1", "::ffff:192.0.2.1"],
            ["::ffff:c000:0201", "::ffff:192.0.2.1"],
            ["64:ff9b::198.51.100.7", "64:ff9b::c633:6407"],
            ["::192.0.2.1", "::c000:201"],
            ["fe80::/10", "fe80::/10"],
            ["2001:db8::1-2001:db8::ff", "2001:db8::1-2001:db8::ff"],
        ];
        for (const [input, canonical] of corpus) {
            const p = parseNet(input);
            assert.true(p.ok && p.net.text === canonical, `${input} → ${p.ok ? p.net.text : p.error}`);
        }
    });

    QUnit.test("bad entries are refused with a message that helps", assert => {
        const bad: Array<[string, RegExp]> = [
            ["10.0.0.1/24", /host bits set: did you mean 10\.0\.0\.0\/24\?/],
            ["2001:db8::1/32", /did you mean 2001:db8::\/32\?/],
            ["192.0.2.0/33", /prefix length must be 0 to 32/],
            ["2001:db8::/129", /prefix length must be 0 to 128/],
            ["256.1.1.1", /not an IPv4 or IPv6/],
            ["010.1.1.1", /not an IPv4 or IPv6/],
            ["1.2.3", /not an IPv4 or IPv6/],
            ["1.2.3.4.5", /not an IPv4 or IPv6/],
            ["1:::2", /not an IPv4 or IPv6/],
            ["1::2::3", /not an IPv4 or IPv6/],
            ["1:2:3:4:5:6:7:8:9", /not an IPv4 or IPv6/],
            ["1:2:3:4:5:6:7:8::", /not an IPv4 or IPv6/],
            ["12345::", /not an IPv4 or IPv6/],
            ["fe80::1%eth0", /not an IPv4 or IPv6/],
            ["::ffff:999.0.2.1", /not an IPv4 or IPv6/],
            ["192.0.2.0/", /prefix length/],
            ["192.0.2.0/08", /prefix length/],
            ["192.0.2.9-192.0.2.1", /first address is after its last/],
            ["192.0.2.1-2001:db8::1", /mixes IPv4 and IPv6/],
            ["-192.0.2.1", /not a range/],
            ["192.0.2.1\n192.0.2.2", /not an IPv4/],
            ["192.0.2.1; flush ruleset", /not an IPv4/],
            ["\"192.0.2.1\"", /not an IPv4/],
            ["../../etc", /not an IPv4/],
            ["", /empty/],
            ["1".repeat(500), /too long/],
            ["example.org", /not an IPv4/],
        ];
        for (const [input, message] of bad) {
            const p = parseNet(input);
            assert.true(!p.ok && message.test(p.error), `${JSON.stringify(input.slice(0, 30))} → ${p.ok ? "accepted" : p.error}`);
        }
    });

    QUnit.test("special ranges are named", assert => {
        const cases: Array<[string, RegExp]> = [
            ["127.0.0.1", /loopback/], ["::1", /loopback/], ["224.0.0.1", /multicast/], ["ff02::1", /multicast/],
            ["169.254.1.1", /link-local/], ["fe80::1", /link-local/], ["192.0.2.0/24", /documentation/],
            ["2001:db8::/48", /documentation/], ["10.1.0.0/16", /private/], ["192.168.1.1", /private/],
            ["fd00::/8", /unique local/], ["0.0.0.0/0", /every IPv4 address/], ["::/0", /every IPv6 address/],
        ];
        for (const [text, expected] of cases)
            assert.true(specialWarnings(net(text)).some(w => expected.test(w)), `${text}: ${specialWarnings(net(text)).join("; ")}`);
        assert.deepEqual(specialWarnings(net("8.8.8.8")), [], "a public address has none");
        assert.deepEqual(specialWarnings(net("2a00:1450::/32")), [], "a public IPv6 prefix has none");
    });
});

QUnit.module("firewall: list checks", () => {
    const current = { block: [net("198.51.100.0/24"), net("2001:db8:1::/48")], allow: [net("203.0.113.5")] };
    const check = (texts: string[], list: "block" | "allow" = "block") => checkAdditions(list, texts.map(text => ({ text })), current);

    QUnit.test("duplicates and entries already listed", assert => {
        const r = check(["192.0.2.1", "192.0.2.1", "198.51.100.0/24", "198.51.100.0-198.51.100.255"]);
        assert.deepEqual(r.accepted.map(n => n.text), ["192.0.2.1"]);
        assert.true(r.warnings.some(w => w.entry === "192.0.2.1" && /listed twice/.test(w.message)));
        assert.equal(r.skipped.filter(s => s.entry === "198.51.100.0/24").length, 1, "already listed: skipped once, in any spelling");
        assert.equal(r.errors.length, 0);
    });

    QUnit.test("overlaps with the list and among the new entries name both entries", assert => {
        const r = check(["198.51.100.128/25", "198.51.0.0/16", "10.0.0.0/8", "10.1.0.0/16", "192.0.2.10-192.0.2.20", "192.0.2.15-192.0.2.30", "2001:db8:1:2::/64"]);
        const error = (entry: string) => r.errors.find(e => e.entry === entry)?.message ?? "";
        like(assert, error("198.51.100.128/25"), /is inside 198\.51\.100\.0\/24, which is in the block list/);
        like(assert, error("198.51.0.0/16"), /contains 198\.51\.100\.0\/24/);
        like(assert, error("10.1.0.0/16"), /is inside 10\.0\.0\.0\/8, also being added/);
        like(assert, error("192.0.2.15-192.0.2.30"), /partly overlaps 192\.0\.2\.10-192\.0\.2\.20/);
        like(assert, error("2001:db8:1:2::/64"), /is inside 2001:db8:1::\/48/);
        assert.deepEqual(r.accepted.map(n => n.text).sort(), ["10.0.0.0/8", "192.0.2.10-192.0.2.20"]);
    });

    QUnit.test("IPv4 and IPv6 never overlap each other", assert => {
        const r = checkAdditions("block", [{ text: "0.0.0.0/0" }, { text: "::/0" }], { block: [], allow: [] });
        assert.equal(r.errors.length, 0, r.errors.map(e => e.message).join());
    });

    QUnit.test("allow entries that win over blocks are reported both ways", assert => {
        const b = check(["203.0.113.0/24"]);
        assert.true(b.warnings.some(w => /allow list wins over this block for 203\.0\.113\.5/.test(w.message)));
        const a = check(["198.51.100.7"], "allow");
        assert.true(a.warnings.some(w => /wins over the block list's 198\.51\.100\.0\/24/.test(w.message)));
    });

    QUnit.test("the lock-out guard names the session address and the allowed entry", assert => {
        const sessions = [{ family: 4 as const, value: net("192.0.2.44").start, why: "the address of an open Cockpit session (port 9090)" }];
        const problems = lockoutProblems([net("192.0.2.0/24"), net("203.0.113.0/28"), net("8.8.8.8")], sessions, current.allow);
        assert.deepEqual(problems.map(p => `${p.entry}: ${p.message}`), [
            "192.0.2.0/24: would cover 192.0.2.44, the address of an open Cockpit session (port 9090)",
            "203.0.113.0/28: would cover 203.0.113.5, which is in the allow list",
        ]);
    });

    QUnit.test("removals must name listed entries", assert => {
        const r = checkRemovals("block", ["198.51.100.0-198.51.100.255", "198.51.100.7", "bogus"], current.block);
        assert.deepEqual(r.nets.map(n => n.text), ["198.51.100.0/24"]);
        like(assert, r.errors.find(e => e.entry === "198.51.100.7")?.message ?? "", /not in the block list \(it overlaps 198\.51\.100\.0\/24\)/);
        assert.true(r.errors.some(e => e.entry === "bogus"));
    });

    QUnit.test("import lists: comments, several entries a line, blank lines", assert => {
        const { entries, lines } = parseList("# a published list\n\n192.0.2.1, 192.0.2.2  # scanner\r\n2001:db8::/48\n  \n");
        assert.equal(lines, 6);
        assert.deepEqual(entries, [{ text: "192.0.2.1", comment: "scanner" }, { text: "192.0.2.2", comment: "scanner" }, { text: "2001:db8::/48" }]);
        assert.deepEqual(parseList("192.0.2.9 # esc\u001b[31m red\tx\n").entries, [{ text: "192.0.2.9", comment: "esc [31m red x" }], "control characters in comments become spaces");
    });

    // how fast is measured by bench/firewall.ts, not asserted here
    QUnit.test("100,000 entries are checked in one call", assert => {
        const texts: string[] = [];
        for (let i = 0; i < 100_000; i++)
            texts.push(`${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`);
        const r = checkAdditions("block", texts.map(text => ({ text })), { block: [], allow: [] });
        assert.equal(r.accepted.length, 100_000);
        assert.deepEqual(r.errors, []);
    });
});

QUnit.module("firewall: nft scripts and kernel views", () => {
    QUnit.test("the table name from the environment must be an nft identifier", assert => {
        assert.equal(tableName(undefined), "debvisor");
        assert.equal(tableName("dvtest_fw1"), "dvtest_fw1");
        for (const bad of ["1abc", "a b", "x;flush ruleset", "a".repeat(40), "-x", "a\nb"])
            assert.throws(() => tableName(bad), /not a valid nftables table name/, bad);
    });

    QUnit.test("comments cannot break out of their quotes; expired entries are left out", assert => {
        const now = Date.now();
        const script = addScript("t", "block", [
            { cidr: "192.0.2.1", comment: "evil\" }\nflush ruleset #", addedBy: "a", addedAt: now, expires: 0 },
            { cidr: "192.0.2.2", comment: "", addedBy: "a", addedAt: now, expires: now - 1 },
            { cidr: "2001:db8::/32", comment: "x", addedBy: "a", addedAt: now, expires: now + 90_000 },
        ], now);
        assert.equal(script, "add element inet t block4 { 192.0.2.1 comment \"evil' }?flush ruleset #\" }\n" +
            "add element inet t block6 { 2001:db8::/32 timeout 90s comment \"x\" }\n");
        const full = fullScript("t", { block: [], allow: [], management: [] }, true, now);
        assert.true(full.startsWith("add table inet t\ndelete table inet t\nadd table inet t\n"), "replaces the table in one transaction");
        assert.true(full.includes("quarantine_input { type filter hook input priority filter - 5; policy drop; }"));
    });

    QUnit.test("loopback is accepted first in every chain, then the management set, before any block", assert => {
        const full = fullScript("t", { block: [], allow: [], management: [] }, true).split("\n");
        for (const chain of ["input", "forward", "quarantine_input", "quarantine_forward"]) {
            const rules = full.filter(l => l.startsWith(`add rule inet t ${chain} `)).map(l => l.slice(`add rule inet t ${chain} `.length));
            assert.equal(rules[0], "iif \"lo\" accept", `${chain}: loopback first`);
            const management = rules.indexOf("ip saddr @management4 accept");
            assert.true(management > 0 && rules.indexOf("ip6 saddr @management6 accept") > 0, `${chain}: the management set is accepted`);
            const drops = rules.map((r, i) => r.endsWith(" drop") ? i : -1).filter(i => i >= 0);
            assert.true(drops.every(i => i > management), `${chain}: no drop before the management set`);
        }
        assert.true(full.includes("add set inet t management6 { type ipv6_addr; flags interval, timeout; counter; }"));
    });

    QUnit.test("removing many elements loads the sets concerned anew, their counters carried over", assert => {
        const e = (cidr: string) => ({ cidr, comment: "", addedBy: "a", addedAt: 0, expires: 0 });
        assert.equal(deleteScript("t", "block", [e("192.0.2.1"), e("2001:db8::1")]),
            "delete element inet t block4 { 192.0.2.1 }\ndelete element inet t block6 { 2001:db8::1 }\n");
        const removed = Array.from({ length: 20 }, (_x, i) => e(`198.51.100.${i}`));
        const counters = new Map([["192.0.2.7", { packets: 5, bytes: 300 }]]);
        assert.equal(deleteScript("t", "block", removed, [e("192.0.2.7"), e("2001:db8::7")], counters),
            "flush set inet t block4\nadd element inet t block4 { 192.0.2.7 counter packets 5 bytes 300 }\n",
            "only the IPv4 set is touched, and keeps its counters");
    });

    QUnit.test("counters are read from nft -j whatever form the element has", assert => {
        const json = JSON.stringify({ nftables: [{ metainfo: {} }, { set: { name: "block4", elem: [
            { elem: { val: { prefix: { addr: "192.0.2.0", len: 24 } }, counter: { packets: 3, bytes: 180 } } },
            { elem: { val: { range: ["198.51.100.1", "198.51.100.9"] }, counter: { packets: 1, bytes: 60 } } },
            "203.0.113.9",
        ] } }, { set: { name: "allow6", elem: [{ elem: { val: "2001:db8::1", counter: { packets: 7, bytes: 1 } } }] } }] });
        const c = parseCounters(json);
        assert.deepEqual(c.block.get("192.0.2.0/24"), { packets: 3, bytes: 180 });
        assert.deepEqual(c.block.get("198.51.100.1-198.51.100.9"), { packets: 1, bytes: 60 });
        assert.deepEqual(c.block.get("203.0.113.9"), { packets: 0, bytes: 0 });
        assert.deepEqual(c.allow.get("2001:db8::1"), { packets: 7, bytes: 1 });
    });

    QUnit.test("admin sessions come from established connections to 9090 and 22", assert => {
        const v4 = "  sl  local_address rem_address   st\n" +
            "   0: 0100007F:2382 0100007F:D2F0 01 00000000:00000000\n" + // 127.0.0.1:9090 ← 127.0.0.1, established
            "   1: 0202000A:0016 2C0200C0:C350 01 00000000:00000000\n" + // 10.0.2.2:22 ← 192.0.2.44
            "   2: 0202000A:0016 2D0200C0:C350 0A 00000000:00000000\n" + // listening: not a session
            "   3: 0202000A:0050 2E0200C0:C350 01 00000000:00000000\n"; // port 80: not ours
        const sessions = parseProcNetTcp(v4);
        assert.deepEqual(sessions.map(s => [s.family, s.value.toString(16), s.why]), [
            [4, "7f000001", "the address of an open Cockpit session (port 9090)"],
            [4, "c000022c", "the address of an open SSH session (port 22)"],
        ]);
        const v6 = "  sl  local_address rem_address st\n" +
            "   0: 00000000000000000000000001000000:2382 0000000000000000FFFF00002C0200C0:C350 01 0\n" + // ::ffff:192.0.2.44
            "   1: 00000000000000000000000001000000:2382 B80D0120000000000000000001000000:C350 01 0\n"; // 2001:db8::1
        assert.deepEqual(parseProcNetTcp(v6).map(s => [s.family, s.value.toString(16)]), [[4, "c000022c"], [6, "20010db8000000000000000000000001"]]);
    });
});

QUnit.module("firewall: the state file", () => {
    QUnit.test("written whole and read back; a damaged file is named, a missing one is no state", assert => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-fw-state-"));
        try {
            const file = path.join(dir, "sub", "firewall.json");
            assert.equal(readState(file), null, "no file: no state");
            const state = { version: 1 as const, block: [{ cidr: "192.0.2.0/24", comment: "x", addedBy: "alice", addedAt: 1, expires: 0 }], allow: [],
                management: [{ cidr: "10.1.0.0/24", comment: "first boot", addedBy: "root", addedAt: 1, expires: 0 }],
                quarantine: { since: 5, by: "bob", reason: "r", stoppedMachines: [{ name: "web01", uuid: "u" }] } };
            writeState(file, state);
            assert.deepEqual(readState(file), state);
            assert.deepEqual(fs.readdirSync(path.dirname(file)), ["firewall.json"], "no temporary file left");
            assert.equal(fs.statSync(file).mode & 0o777, 0o600);
            fs.writeFileSync(file, JSON.stringify({ ...state, block: [{ cidr: "10.0.0.1/24", comment: "", addedBy: "", addedAt: 0, expires: 0 }] }));
            assert.throws(() => readState(file), /has 1 damaged entries/);
            const { management: _m, ...older } = state;
            fs.writeFileSync(file, JSON.stringify(older));
            assert.deepEqual(readState(file)?.management, [], "a file from before the management set reads as an empty set");
            fs.writeFileSync(file, "{\"version\": 1, \"blo");
            assert.throws(() => readState(file), /JSON/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

QUnit.module("firewall: what a block must not cut off", () => {
    const ADDR = JSON.stringify([
        { ifname: "lo", addr_info: [{ family: "inet", local: "127.0.0.1", prefixlen: 8 }, { family: "inet6", local: "::1", prefixlen: 128 }] },
        { ifname: "eth0", addr_info: [{ family: "inet", local: "192.0.2.5", prefixlen: 24 }, { family: "inet6", local: "2001:db8:5::2", prefixlen: 64 }] },
        { ifname: "br0" },
    ]);
    const host = [...parseAddresses(ADDR), ...parseGateways(JSON.stringify([{ dst: "default", gateway: "192.0.2.1", dev: "eth0" }])),
        ...parseGateways(JSON.stringify([{ dst: "default", gateway: "fe80::1", dev: "eth0" }]))];
    const guard = { host, management: [net("10.9.0.0/24")], widest: { 4: 8, 6: 32 } as const };
    const reasons = (text: string) => cutOffProblems([net(text)], guard).map(p => p.message);

    QUnit.test("ip -j addr and ip -j route give the host's addresses and gateways, named", assert => {
        assert.deepEqual(host.map(h => h.why), [
            "this host's address 192.0.2.5 on eth0", "this host's address 2001:db8:5::2 on eth0",
            "the default gateway 192.0.2.1 (eth0)", "the default gateway fe80::1 (eth0)",
        ]);
        assert.deepEqual(parseGateways("[{\"dst\":\"default\",\"via\":{\"family\":\"inet6\",\"host\":\"2001:db8::1\"},\"dev\":\"eth1\"}]").map(h => h.why),
            ["the default gateway 2001:db8::1 (eth1)"], "a gateway given as via");
    });

    QUnit.test("each refusal names its reason; harmless blocks pass", assert => {
        assert.deepEqual(reasons("127.0.0.1"), ["covers loopback (127.0.0.0/8)"]);
        assert.deepEqual(reasons("::1"), ["covers loopback (::1)"]);
        assert.deepEqual(reasons("192.0.2.5"), ["covers this host's address 192.0.2.5 on eth0"]);
        assert.deepEqual(reasons("192.0.2.0-192.0.2.3"), ["covers the default gateway 192.0.2.1 (eth0)"]);
        assert.deepEqual(reasons("10.9.0.128/25"), ["covers the management network 10.9.0.0/24"]);
        assert.deepEqual(reasons("10.0.0.0/8"), ["covers the management network 10.9.0.0/24"], "a /8 is not too wide");
        assert.deepEqual(reasons("12.0.0.0/7"), ["is wider than /8, the widest IPv4 block allowed"]);
        assert.deepEqual(reasons("12.0.0.0-13.0.0.0"), ["is wider than /8, the widest IPv4 block allowed"], "a range is measured by its size");
        assert.deepEqual(reasons("2001:dba::/31"), ["is wider than /32, the widest IPv6 block allowed"]);
        const all = reasons("0.0.0.0/0");
        for (const r of ["covers loopback (127.0.0.0/8)", "covers this host's address 192.0.2.5 on eth0", "covers the default gateway 192.0.2.1 (eth0)",
            "covers the management network 10.9.0.0/24", "is wider than /8, the widest IPv4 block allowed"])
            assert.true(all.includes(r), `0.0.0.0/0: ${r}`);
        const v6 = reasons("::/0");
        assert.true(v6.includes("covers loopback (::1)") && v6.includes("this host's address 2001:db8:5::2 on eth0".replace(/^/, "covers ")) &&
            v6.includes("covers the default gateway fe80::1 (eth0)") && v6.includes("is wider than /32, the widest IPv6 block allowed"), v6.join("; "));
        for (const ok of ["198.51.100.0/24", "192.0.2.6", "2001:db8:6::/48", "11.0.0.0/8"])
            assert.deepEqual(reasons(ok), [], `${ok} is fine`);
    });

    QUnit.test("entries refused for overlapping are still handed to the guards, whose reasons say more", assert => {
        const r = checkAdditions("block", [{ text: "0.0.0.0/0" }, { text: "198.51.100.0/24" }, { text: "198.51.100.7" }], { block: [net("203.0.113.0/24")], allow: [] });
        assert.deepEqual(r.overlapping.map(n => n.text), ["0.0.0.0/0", "198.51.100.7"]);
        assert.deepEqual(r.accepted.map(n => n.text), ["198.51.100.0/24"]);
        assert.true(cutOffProblems(r.overlapping, guard).some(p => p.entry === "0.0.0.0/0" && p.message === "is wider than /8, the widest IPv4 block allowed"));
    });

    QUnit.test("the width limits come from the settings file; a damaged one is named, not ignored", assert => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-fw-settings-"));
        try {
            const file = path.join(dir, "firewall-settings.json");
            assert.deepEqual(readFirewallSettings(file), { widestBlockIPv4: 8, widestBlockIPv6: 32 }, "defaults without a file");
            fs.writeFileSync(file, JSON.stringify({ widestBlockIPv4: 16 }));
            assert.deepEqual(readFirewallSettings(file), { widestBlockIPv4: 16, widestBlockIPv6: 32 });
            fs.writeFileSync(file, JSON.stringify({ widestBlockIPv6: 129 }));
            assert.throws(() => readFirewallSettings(file), /widestBlockIPv6 must be a prefix length from 0 to 128/);
            fs.writeFileSync(file, "{");
            assert.throws(() => readFirewallSettings(file), /is not JSON/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
