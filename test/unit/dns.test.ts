import QUnit from "qunit";
import { namedFragment } from "../../helpers/debvisord/dns/bind-config.js";
import { renderDnsmasq } from "../../helpers/debvisord/dns/dhcp-config.js";
import { parseDnsmasqLeases, parseLibvirtStatus } from "../../helpers/debvisord/dns/dhcp-leases.js";
import { zoneName } from "../../helpers/debvisord/dns/dns-schemas.js";
import { parseRecord, reverseName, txtText, type RecordTuple } from "../../helpers/lib/dns-grammar.js";
import { expandIPv6, isIPv4, isIPv6 } from "../../helpers/lib/ip-address.js";
import { emptyState, liveGenerations } from "../../helpers/debvisord/dns/dns-state.js";
import { explainFailure, parseDigAnswer } from "../../helpers/debvisord/dns/dns-tools.js";
import { deleteLines, estimatedSize, nsupdateScript, upsertLines } from "../../helpers/debvisord/dns/nsupdate-script.js";
import { escapePathElement } from "../../helpers/lib/object-path.js";
import { unescapePathElement } from "../lib/object-path-inverse.js";
import { hostAddresses, hostDomains, notOwnRegistration, ownZone, type HostIdentity } from "../../helpers/debvisord/dns/host-identity.js";

const ZONE = "lab.example.org";
const parse = (r: RecordTuple, dataRequired = true) => parseRecord(r, ZONE, 0, dataRequired);

QUnit.module("dns grammar and scripts", () => {
    QUnit.test("records: names relative or absolute, data in presentation form", assert => {
        assert.deepEqual(parse(["www", "a", 300, "10.0.0.1"]), { name: `www.${ZONE}`, type: "A", ttl: 300, data: "10.0.0.1" });
        assert.equal(parse(["@", "MX", 60, "10 mail"]).data, `10 mail.${ZONE}.`);
        assert.equal(parse([`${ZONE}.`, "MX", 60, "5 mx.example.net"]).data, "5 mx.example.net.");
        assert.equal(parse(["Web.LAB.example.org.", "A", 1, "10.0.0.1"]).name, `web.${ZONE}`);
        assert.equal(parse(["_sip._tcp", "SRV", 60, "1 2 5060 sip"]).data, `1 2 5060 sip.${ZONE}.`);
        assert.equal(parse(["v6", "AAAA", 60, "2001:DB8::1"]).data, "2001:db8::1");
        assert.equal(parse(["t", "TXT", 60, "say \"hi\" \\ ok"]).data, "\"say \\\"hi\\\" \\\\ ok\"");
        assert.equal(txtText(parse(["t", "TXT", 60, "x".repeat(300)]).data), "x".repeat(300), "long text in 255-byte strings, read back whole");
        assert.equal(parse(["t", "TXT", 60, "x".repeat(300)]).data.split("\" \"").length, 2);
        assert.deepEqual(parse(["gone", "ANY", 0, ""], false), { name: `gone.${ZONE}`, type: "ANY", ttl: 0, data: "" } as never);
    });

    QUnit.test("records: injection and malformed input are refused with the record named", assert => {
        const bad: RecordTuple[] = [
            ["a\nupdate add x", "A", 1, "10.0.0.1"], ["a;b", "A", 1, "10.0.0.1"], ["a b", "A", 1, "10.0.0.1"], ["a..b", "A", 1, "10.0.0.1"],
            ["-a", "A", 1, "10.0.0.1"], ["a-", "A", 1, "10.0.0.1"], ["x".repeat(64), "A", 1, "10.0.0.1"], [`${"a.".repeat(130)}b`, "A", 1, "10.0.0.1"],
            ["ok", "A", 1, "10.0.0.1\nsend"], ["ok", "A", 1, "300.0.0.1"], ["ok", "AAAA", 1, "10.0.0.1"], ["ok", "AAAA", 1, "fe80::1%eth0"],
            ["ok", "CNAME", 1, "a b"], ["ok", "CNAME", 1, "x_y.example."], ["ok", "MX", 1, "mail"], ["ok", "MX", 1, "70000 mail"],
            ["ok", "SRV", 1, "1 2 3"], ["ok", "TXT", 1, "tab\there"], ["ok", "TXT", 1, "ünïcode"], ["ok", "TXT", 1, "x".repeat(1025)],
            ["ok", "NS", 1, "ns1"], ["ok", "A", 604_801, "10.0.0.1"], ["ok", "A", 1.5, "10.0.0.1"], ["other.example.net.", "A", 1, "10.0.0.1"],
            ["ok", "ANY", 1, ""], ["ok", "A", 1, ""],
        ];
        for (const r of bad)
            assert.throws(() => parse(r), /records\[0\]/, JSON.stringify(r).slice(0, 50));
    });

    QUnit.test("zone names are normalized and checked", assert => {
        assert.equal(zoneName.parse("Lab.Example.ORG."), "lab.example.org");
        for (const bad of ["", ".", "a..b", "a b", "a\nb", "-a.b", `${"x".repeat(64)}.org`, "a;b"])
            assert.false(zoneName.safeParse(bad).success, JSON.stringify(bad));
    });

    QUnit.test("IP address syntax, as node's net module sees it", assert => {
        for (const good of ["10.0.0.1", "255.255.255.255", "0.0.0.0"])
            assert.true(isIPv4(good), good);
        for (const bad of ["10.0.0", "10.0.0.256", "01.2.3.4", "1.2.3.4.5", " 1.2.3.4", "1.2.3.4\n", "a.b.c.d"])
            assert.false(isIPv4(bad), JSON.stringify(bad));
        for (const good of ["::", "::1", "2001:db8::1", "2001:DB8:0:0:0:0:0:1", "fe80::1:2", "::ffff:10.0.0.1", "1::", "1:2:3:4:5:6:7::", "64:ff9b::192.0.2.33"])
            assert.true(isIPv6(good), good);
        for (const bad of ["1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "fe80::1%eth0", ":1:2", "1:2:3:4:5:6:7", "g::1", "::ffff:10.0.0.256", "1:2:3:4:5:6:7:8::"])
            assert.false(isIPv6(bad), bad);
    });

    QUnit.test("reverse names of IPv4 and IPv6 addresses", assert => {
        assert.equal(reverseName("10.254.7.9"), "9.7.254.10.in-addr.arpa");
        assert.equal(expandIPv6("2001:db8::1"), "2001:0db8:0000:0000:0000:0000:0000:0001");
        assert.equal(expandIPv6("::ffff:10.0.0.1"), "0000:0000:0000:0000:0000:ffff:0a00:0001");
        assert.equal(reverseName("2001:db8::1"), `1.0.0.0.${"0.".repeat(20)}8.b.d.0.1.0.0.2.ip6.arpa`);
    });

    QUnit.test("an upsert replaces each set once, then adds; the script carries the secret on stdin only", assert => {
        const records = [parse(["www", "A", 60, "10.0.0.1"]), parse(["www", "A", 60, "10.0.0.2"])];
        assert.deepEqual(upsertLines(records), [
            `update delete www.${ZONE}. A`, `update add www.${ZONE}. 60 A 10.0.0.1`, `update add www.${ZONE}. 60 A 10.0.0.2`]);
        assert.deepEqual(deleteLines([parse(["www", "A", 0, ""], false), parse(["x", "ANY", 0, ""], false), parse(["y", "A", 0, "10.0.0.3"], false)]),
            [`update delete www.${ZONE}. A`, `update delete x.${ZONE}.`, `update delete y.${ZONE}. A 10.0.0.3`]);
        const script = nsupdateScript({ zone: ZONE, server: "127.0.0.1", port: 53, key: { name: "k.g1", algorithm: "hmac-sha256", secret: "c2VjcmV0" }, lines: ["update delete a.lab.example.org. A"] });
        assert.equal(script, `server 127.0.0.1 53\nzone ${ZONE}.\nkey hmac-sha256:k.g1 c2VjcmV0\nupdate delete a.lab.example.org. A\nsend\n`);
        const thousand = upsertLines(Array.from({ length: 1000 }, (_, i) => parse([`host${i}`, "A", 300, `10.0.${i >> 8}.${i & 255}`])));
        const size = estimatedSize(thousand);
        assert.true(size > 1000 * 25 && size < 60_000, `1,000 A records fit one message (about ${size} bytes)`);
        assert.true(estimatedSize(upsertLines([parse(["t", "TXT", 60, "x".repeat(1000)])])) > 1000, "TXT text counts");
        assert.throws(() => nsupdateScript({ zone: ZONE, server: "127.0.0.1", port: 53, key: { name: "k", algorithm: "hmac-sha256", secret: "x\nsend" }, lines: [] }), /malformed secret/);
    });

    QUnit.test("BIND config: both generations of a key while a rotation overlaps them, policies per scope", assert => {
        const state = emptyState();
        state.keys.z = { algorithm: "hmac-sha256", created: 0, scope: "zone", rotationDays: 90, generation: 2, rotation: { from: 1, to: 2, step: "retire", started: 0 } };
        state.keys.t = { algorithm: "hmac-sha256", created: 0, scope: "transfer", rotationDays: 90, generation: 1 };
        state.keys.v = { algorithm: "hmac-sha256", created: 0, scope: "vm", rotationDays: 90, generation: 4 };
        state.zones[ZONE] = { server: "127.0.0.1", port: 53, local: true, keys: { zone: "z", transfer: "t", vm: "v" }, registerMachines: true };
        state.zones["remote.example"] = { server: "192.0.2.1", port: 53, local: false, keys: { zone: "z" }, registerMachines: false };
        const text = namedFragment(state, { keyDir: "/k", zoneDir: "/z" });
        assert.true(text.includes("include \"/k/z.g1.key\";") && text.includes("include \"/k/z.g2.key\";"), "both generations");
        assert.true(text.includes("grant \"z.g1\" zonesub ANY;") && text.includes("grant \"z.g2\" zonesub ANY;"));
        assert.true(text.includes("grant \"v.g4\" zonesub A AAAA TXT PTR;"));
        assert.true(text.includes("allow-transfer { key \"t.g1\"; };"));
        assert.false(text.includes("remote.example"), "only local zones");
        assert.deepEqual(liveGenerations({ ...state.keys.z, rotation: { from: 1, to: 2, step: "remove", started: 0 } }), [2]);
        assert.deepEqual(liveGenerations({ ...state.keys.z, generation: 1, rotation: { from: 1, to: 2, step: "add", started: 0 } }), [1]);
    });

    QUnit.test("dig's answers and nsupdate's failures", assert => {
        const answer = `${ZONE}.\t300\tIN\tSOA\tns.${ZONE}. h.${ZONE}. 7 3600 600 86400 300\nwww.${ZONE}.\t60\tIN\tA\t10.0.0.1\n;; comment\nt.${ZONE}.\t60\tIN\tTXT\t"a b" "c"\n`;
        assert.deepEqual(parseDigAnswer(answer).map(r => [r.name, r.type, r.ttl, r.data]), [
            [ZONE, "SOA", 300, `ns.${ZONE}. h.${ZONE}. 7 3600 600 86400 300`], [`www.${ZONE}`, "A", 60, "10.0.0.1"], [`t.${ZONE}`, "TXT", 60, "\"a b\" \"c\""]]);
        assert.true(/BADSIG/.test(explainFailure("; TSIG error with server: tsig indicates error\nupdate failed: NOTAUTH(BADSIG)", "k", "s").message));
        assert.true(/does not know the key k/.test(explainFailure("update failed: NOTAUTH(BADKEY)", "k", "s").message));
        assert.true(/may not change/.test(explainFailure("update failed: REFUSED", "k", "s").message));
        assert.true(/did not answer/.test(explainFailure(";; no servers could be reached", "k", "s").message));
    });

    QUnit.test("nsupdate's failures: a primary with no DNS server listening is said to be that, in one line", assert => {
        // nsupdate -v against a port nobody listens on: BIND 9.18 says "operation canceled", 9.20 "connection refused"
        for (const said of ["; Communication with 127.0.0.1#53 failed: operation canceled\n", "; Communication with 127.0.0.1#53 failed: connection refused\n"]) {
            const e = explainFailure(`${said}\n`, "k", "127.0.0.1:53");
            assert.strictEqual(e.code, "UNREACHABLE", said);
            assert.strictEqual(e.message, `127.0.0.1:53 did not answer (${said.slice(2).trim()}): is its DNS server running, and reachable from here?`);
        }
    });

    QUnit.test("DHCP leases from libvirt's status files and dnsmasq's leases file", assert => {
        const libvirt = JSON.stringify([{ "ip-address": "192.168.122.50", "mac-address": "52:54:00:aa:bb:cc", hostname: "vm1", "expiry-time": 1767225600 }]);
        assert.deepEqual(parseLibvirtStatus(libvirt, "default"), [{ Address: "192.168.122.50", Mac: "52:54:00:aa:bb:cc", Hostname: "vm1", Expiry: 1767225600, Source: "default" }]);
        assert.deepEqual(parseDnsmasqLeases("1767225600 52:54:00:11:22:33 10.0.0.5 * 01:52:54:00:11:22:33\ngarbage\n", "dnsmasq"),
            [{ Address: "10.0.0.5", Mac: "52:54:00:11:22:33", Hostname: "", Expiry: 1767225600, Source: "dnsmasq" }]);
    });

    QUnit.test("a DHCP range without a DNS server of its own hands out this host, where BIND answers", assert => {
        const range = { Name: "lab", Interface: "br0", Start: "10.0.0.10", End: "10.0.0.20", Netmask: "255.255.255.0", LeaseSeconds: 3600 };
        const text = renderDnsmasq([{ ...range, DnsServer: "" }, { ...range, Name: "vip", Start: "10.0.0.30", End: "10.0.0.40", DnsServer: "10.0.0.2" }]);
        // the node's dnsmasq runs with port=0 (DHCP only): without the option it would name no server
        assert.true(text.includes("dhcp-option=tag:lab,option:dns-server,0.0.0.0\n"), text);
        assert.true(text.includes("dhcp-option=tag:vip,option:dns-server,10.0.0.2\n"), text);
    });

    QUnit.test("object path elements escape every byte outside [A-Za-z0-9] and read back", assert => {
        assert.equal(escapePathElement("lab.example.org"), "lab_2eexample_2eorg");
        assert.equal(escapePathElement("a_b-c"), "a_5fb_2dc");
        for (const name of ["lab.example.org", "a_b", "ünï", "", "_2e"])
            assert.equal(unescapePathElement(escapePathElement(name)), name, JSON.stringify(name));
    });

    QUnit.test("this host's own name: its label, in the zone of its domain (host name or /etc/hosts), with its interfaces' addresses", assert => {
        const hosts = "127.0.0.1\tlocalhost\n10.0.0.5\tnode1.lab.example.org node1 # installer\n::1 localhost ip6-localhost\n10.0.0.9 node10.lab.example.org node10\n";
        assert.deepEqual(hostDomains("node1", hosts), ["lab.example.org"], "the canonical name in /etc/hosts");
        assert.deepEqual(hostDomains("node1.corp.lan", ""), ["corp.lan"], "a dotted host name");
        assert.deepEqual(hostDomains("vm", "127.0.0.1 localhost\n127.0.0.1 vm\n"), [], "no domain known");
        assert.deepEqual(hostDomains("node1", "10.0.0.9 node10.lab.example.org node10\n"), [], "another host's line says nothing");
        const interfaces = {
            lo: [{ address: "127.0.0.1", internal: true }], eth0: [{ address: "10.0.0.5", internal: false }, { address: "fe80::1", internal: false, scopeid: 2 },
                { address: "2001:db8::5", internal: false }],
        } as unknown as NodeJS.Dict<import("node:os").NetworkInterfaceInfo[]>;
        assert.deepEqual(hostAddresses(interfaces), ["10.0.0.5", "2001:db8::5"], "global addresses only");

        const host: HostIdentity = { label: "node1", domains: ["lab.example.org"], addresses: ["10.0.0.5", "2001:db8::5"] };
        const zones = ["example.org", "lab.example.org", "0.10.in-addr.arpa"];
        const own = ownZone(host, zones);
        assert.equal(own, "lab.example.org");
        assert.equal(ownZone({ ...host, domains: ["corp.lan"] }, zones), null, "a domain DebVisor does not manage");
        const request = (extra: Partial<{ zone: string; label: string; addresses: string[] }>) =>
            notOwnRegistration({ zone: "lab.example.org", label: "node1", addresses: ["10.0.0.5"], ...extra }, host, own);
        assert.equal(request({}), null, "its own name and address");
        assert.equal(request({ addresses: ["10.0.0.5", "2001:DB8:0::5"] }), null, "an IPv6 address however written");
        assert.true(/options\.name: www is not this host's name \(node1\)/.test(request({ label: "www" }) ?? ""));
        assert.true(/options\.name: ns is not/.test(request({ label: "ns" }) ?? ""));
        assert.true(/options\.name: node2 is not/.test(request({ label: "node2" }) ?? ""), "another host's name");
        assert.true(/options\.zone: example\.org is not this host's zone \(lab\.example\.org\)/.test(request({ zone: "example.org" }) ?? ""));
        assert.true(/options\.addresses: 10\.0\.0\.6 is not an address of this host \(10\.0\.0\.5, 2001:db8::5\)/.test(request({ addresses: ["10.0.0.5", "10.0.0.6"] }) ?? ""));
        assert.true(/in no zone DebVisor manages/.test(notOwnRegistration({ zone: "lab.example.org", label: "node1", addresses: ["10.0.0.5"] }, host, null) ?? ""));
    });
});
