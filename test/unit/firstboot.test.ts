// First boot's pure parts: the /etc/network/interfaces rewrite that puts the
// primary NIC into br0, the choice of the primary NIC, the nftables baseline
// text (checked by the real nft where it is installed), the state file, and
// the Manager's FirstBoot property made from it.
import { spawnSync } from "node:child_process";
import QUnit from "qunit";
import { bridgeInterfaces, choosePrimaryNic, InterfacesError, parseInterfaces } from "../../helpers/debvisor-firstboot/interfaces.js";
import { baselineRuleset, withInclude } from "../../helpers/debvisor-firstboot/nft-baseline.js";
import { networkOf } from "../../helpers/lib/cidr.js";
import { resumeState } from "../../helpers/debvisor-firstboot/state.js";
import { firstBootToBus } from "../../helpers/debvisord/host/firstboot.js";
import { firstBootLine } from "../../helpers/debvisorctl/commands/status.js";
import { firstBootFromBus, parseFirstBoot, type FirstBoot, type FirstBootOnBus } from "../../helpers/lib/firstboot-state.js";
import { unwrap } from "../../helpers/lib/variants.js";
import { asSent, type Sent } from "../lib/as-sent.js";
import { testUnless } from "../lib/skip.js";

const DHCP = `# This file describes the network interfaces available on your system
source /etc/network/interfaces.d/*

# The loopback network interface
auto lo
iface lo inet loopback

# The primary network interface
allow-hotplug enp1s0
iface enp1s0 inet dhcp
`;

const STATIC = `auto lo
iface lo inet loopback

auto eno1
iface eno1 inet static
\taddress 192.0.2.10/24
\t# the router
\tgateway 192.0.2.1
\tdns-nameservers 192.0.2.53
\tmtu 9000
iface eno1 inet6 static
\taddress 2001:db8::10/64
\tgateway 2001:db8::1

# storage network, left alone
auto eno2
iface eno2 inet static
    address 10.10.0.10/24
`;

QUnit.module("first boot: /etc/network/interfaces", () => {
    QUnit.test("dhcp: the NIC becomes manual, br0 asks DHCP with the NIC's MAC; comments and lo stay", assert => {
        const r = bridgeInterfaces(DHCP, "enp1s0", { mac: "52:54:00:12:34:56" });
        assert.true(r.changed);
        assert.equal(r.method, "dhcp");
        assert.equal(r.text, `# This file describes the network interfaces available on your system
source /etc/network/interfaces.d/*

# The loopback network interface
auto lo
iface lo inet loopback

# The primary network interface
allow-hotplug enp1s0
iface enp1s0 inet manual

# br0 carries enp1s0's address; enp1s0 is its port (set up by debvisor-firstboot)
auto br0
iface br0 inet dhcp
    bridge_ports enp1s0
    bridge_stp off
    bridge_fd 0
    bridge_maxwait 0
    bridge_hw 52:54:00:12:34:56
`);
        // ifupdown reads it back as the bridge with its port
        const parsed = parseInterfaces(r.text);
        assert.deepEqual(parsed.stanzas.map(s => `${s.name} ${s.family} ${s.method}`), ["lo inet loopback", "enp1s0 inet manual", "br0 inet dhcp"]);
        assert.true(parsed.started.has("br0"));
    });

    QUnit.test("static: address, gateway and DNS move to br0, the link's mtu stays, the inet6 stanza follows, comments kept", assert => {
        const r = bridgeInterfaces(STATIC, "eno1");
        assert.equal(r.method, "static");
        assert.equal(r.text, `auto lo
iface lo inet loopback

auto eno1
iface eno1 inet manual
\t# the router
\tmtu 9000

# br0 carries eno1's address; eno1 is its port (set up by debvisor-firstboot)
auto br0
iface br0 inet static
\taddress 192.0.2.10/24
\tgateway 192.0.2.1
\tdns-nameservers 192.0.2.53
\tbridge_ports eno1
\tbridge_stp off
\tbridge_fd 0
\tbridge_maxwait 0
iface br0 inet6 static
\taddress 2001:db8::10/64
\tgateway 2001:db8::1

# storage network, left alone
auto eno2
iface eno2 inet static
    address 10.10.0.10/24
`);
    });

    QUnit.test("already bridged: nothing changes, and the rewrite is idempotent", assert => {
        const once = bridgeInterfaces(STATIC, "eno1").text;
        const twice = bridgeInterfaces(once, "eno1");
        assert.false(twice.changed);
        assert.equal(twice.text, once);
        assert.equal(twice.summary, "eno1 is a port of the bridge br0 already");
        const other = "auto vmbr0\niface vmbr0 inet static\n  address 10.1.1.2/24\n  bridge-ports eth0\niface eth0 inet manual\n";
        const r = bridgeInterfaces(other, "eth0");
        assert.false(r.changed, "a bridge of another name, with the dashed option spelling");
        assert.equal(r.text, other);
    });

    QUnit.test("multiple NICs: only the primary one changes; the primary is the default route's, else the first started", assert => {
        const r = bridgeInterfaces(STATIC, "eno2");
        assert.true(r.text.includes("iface eno1 inet static\n\taddress 192.0.2.10/24"), "eno1 untouched");
        assert.true(r.text.includes("iface eno2 inet manual\n"));
        assert.true(r.text.endsWith("iface br0 inet static\n    address 10.10.0.10/24\n    bridge_ports eno2\n    bridge_stp off\n    bridge_fd 0\n    bridge_maxwait 0\n"));
        assert.equal(choosePrimaryNic(STATIC), "eno1");
        assert.equal(choosePrimaryNic(STATIC, "eno2"), "eno2");
        assert.equal(choosePrimaryNic(STATIC, "wlan0"), "eno1", "a route by an interface the file does not configure");
        assert.equal(choosePrimaryNic(DHCP), "enp1s0");
        const bridged = bridgeInterfaces(STATIC, "eno1").text;
        assert.equal(choosePrimaryNic(bridged, "eno1"), "eno1", "rewritten but not applied live yet: the port again");
        assert.equal(choosePrimaryNic(bridged, "br0"), "eno1");
        assert.equal(choosePrimaryNic(bridged), "eno2", "eno1 is manual now; eno2 is the first with an address");
        assert.equal(choosePrimaryNic("auto lo\niface lo inet loopback\n"), null);
    });

    QUnit.test("what cannot be bridged is refused with the reason", assert => {
        assert.throws(() => bridgeInterfaces(STATIC, "eno9"), (e: Error) => e instanceof InterfacesError && /no "iface eno9 inet" stanza/.test(e.message));
        assert.throws(() => bridgeInterfaces("iface eth0 inet manual\n", "eth0"), /not dhcp or static/);
        assert.throws(() => bridgeInterfaces("iface eth0 inet dhcp\nauto br0\niface br0 inet manual\n  bridge_ports none\n", "eth0"),
            /stanza for br0 already/);
    });
});

QUnit.module("first boot: nftables baseline", () => {
    QUnit.test("the zfs node: lo, established, ICMP, 22 and 9090, guests' DNS and DHCP; policy drop; nothing for Ceph", assert => {
        const text = baselineRuleset({ profile: "zfs", networks: [{ family: 4, cidr: "192.0.2.0/24" }] });
        assert.true(text.startsWith("# DebVisor's baseline firewall"));
        assert.true(text.includes("table inet debvisor-baseline\ndelete table inet debvisor-baseline\ntable inet debvisor-baseline {\n"));
        for (const rule of ["type filter hook input priority filter; policy drop;", "iifname \"lo\" accept", "ct state established,related accept",
            "meta l4proto icmp accept", "meta l4proto ipv6-icmp accept", "tcp dport { 22, 9090 } accept"])
            assert.true(text.includes(`        ${rule}`), rule);
        assert.false(text.includes("6789"));
        const rules = text.split("\n").filter(l => !l.startsWith("#")).join("\n");
        assert.false(/\btable inet debvisor\b(?!-)/.test(rules), "debvisord's firewall table is not touched");
    });

    QUnit.test("Ceph's ports from the node's networks only, for ceph and mixed, and any node in a cluster", assert => {
        const networks = [{ family: 4 as const, cidr: "192.0.2.0/24" }, { family: 6 as const, cidr: "2001:db8::/64" }];
        for (const profile of ["ceph", "mixed"]) {
            const text = baselineRuleset({ profile, networks, table: "dv_test" });
            assert.true(text.includes("ip saddr { 192.0.2.0/24 } tcp dport { 3300, 6789, 6800-7300 } accept"), profile);
            assert.true(text.includes("ip6 saddr { 2001:db8::/64 } tcp dport { 3300, 6789, 6800-7300 } accept"), profile);
        }
        assert.true(baselineRuleset({ profile: "zfs", networks, cluster: true }).includes("ip saddr { 192.0.2.0/24 } tcp dport { 3300, 6789, 6800-7300 } accept"),
            "a zfs node in a cluster: its monitor is reached from the other members");
        assert.false(baselineRuleset({ profile: "ceph", networks: [] }).includes("6789"), "no network known: not open to all");
        assert.throws(() => baselineRuleset({ profile: "zfs", networks: [], table: "x; flush ruleset" }), /not a valid nftables table name/);
        assert.throws(() => baselineRuleset({ profile: "zfs", networks: [], table: "-x" }), /not a valid/);
    });

    QUnit.test("the node's network from an address", assert => {
        assert.deepEqual(networkOf("192.0.2.77", 24), { family: 4, cidr: "192.0.2.0/24" });
        assert.deepEqual(networkOf("10.213.7.2", 30), { family: 4, cidr: "10.213.7.0/30" });
        assert.deepEqual(networkOf("10.1.2.3", 32), { family: 4, cidr: "10.1.2.3/32" });
        assert.deepEqual(networkOf("2001:db8::abcd:1", 64), { family: 6, cidr: "2001:db8::/64" });
        assert.deepEqual(networkOf("fd00:1:2:3:4:5:6:7", 56), { family: 6, cidr: "fd00:1:2::/56" });
        assert.equal(networkOf("not an address", 24), null);
    });

    testUnless("nft accepts the text (nft --check), for every profile",
        spawnSync("nft", ["--version"], { encoding: "utf8" }).status === 0 ? null : "nft is not installed here", assert => {
        for (const profile of ["zfs", "ceph", "mixed", "none"]) {
            const text = baselineRuleset({ profile, table: "dv_unit_check", networks: [{ family: 4, cidr: "192.0.2.0/24" }, { family: 6, cidr: "2001:db8::/64" }] });
            const r = spawnSync("nft", ["-c", "-f", "-"], { input: text, encoding: "utf8" });
            assert.equal(r.status, 0, `${profile}: ${r.stderr}`);
        }
    });

    QUnit.test("nftables.conf includes /etc/nftables.d once", assert => {
        const debian = "#!/usr/sbin/nft -f\n\nflush ruleset\n\ntable inet filter {\n}\n";
        const once = withInclude(debian, "/etc/nftables.d");
        assert.true(once.startsWith(debian));
        assert.true(once.endsWith("include \"/etc/nftables.d/*.nft\"\n"));
        assert.equal(withInclude(once, "/etc/nftables.d"), once);
        assert.equal(withInclude(null, "/etc/nftables.d"), "#!/usr/sbin/nft -f\nflush ruleset\n\ninclude \"/etc/nftables.d/*.nft\"\n");
    });
});

QUnit.module("first boot: the state file", () => {
    QUnit.test("a broken or foreign file reads as not run; fields are bounded", assert => {
        assert.equal(parseFirstBoot("").state, "not-run");
        assert.equal(parseFirstBoot("[1,2]").state, "not-run");
        assert.equal(parseFirstBoot("{\"state\":\"exploded\"}").state, "not-run");
        const s = parseFirstBoot(JSON.stringify({ state: "failed", steps: [{ id: "bridge", state: "weird", message: "x".repeat(100_000), log: "no" }] }));
        assert.equal(s.steps[0].state, "pending");
        assert.equal(s.steps[0].message.length, 16_384);
        assert.deepEqual(s.steps[0].log, []);
    });

    QUnit.test("resuming keeps the steps that were done and starts again from the failed one", assert => {
        const defs = ["bridge", "storage", "libvirt"].map(id => ({ id, description: `do ${id}` }));
        const saved = parseFirstBoot(JSON.stringify({ state: "failed", steps: [
            { id: "bridge", state: "done", message: "ok", started: "t0", finished: "t1" },
            { id: "storage", state: "failed", message: "bad profile", started: "t2", finished: "t3" },
        ] }));
        const next = resumeState(saved, defs);
        assert.equal(next.state, "running");
        assert.deepEqual(next.steps.map(s => s.state), ["done", "pending", "pending"]);
        assert.equal(next.steps[0].finished, "t1");
        assert.equal(next.steps[1].message, "");
    });
});

QUnit.module("first boot: the Manager's FirstBoot property", () => {
    const steps = [
        { id: "bridge", description: "Bridge br0", state: "done" as const, message: "ok", started: "2026-01-02T03:00:00.000Z", finished: "2026-01-02T03:00:01.500Z", log: ["br0 up"] },
        { id: "storage", description: "Storage profile", state: "failed" as const, message: "no profile", started: "2026-01-02T03:00:02.000Z", finished: "", log: [] },
    ];
    /* What debvisorctl and the page get: the property as debvisord sends it, its variants unwrapped. */
    const sent = (fb: FirstBoot) => asSent("org.debvisor.DebVisor1.Manager", "FirstBoot", firstBootToBus(fb)).value as Record<string, Sent>;
    const onBus = (fb: FirstBoot) => unwrap(sent(fb)) as FirstBootOnBus;

    QUnit.test("typed as the contract says: times in µs, none as 0; read back unchanged", assert => {
        const fb: FirstBoot = { state: "failed", steps, finished: "" };
        const bus = sent(fb);
        assert.equal(bus.State.signature, "s");
        assert.equal(bus.Finished.signature, "t");
        assert.equal(bus.Finished.value, 0, "not finished: 0");
        assert.equal(bus.Steps.signature, "aa{sv}");
        const first = (bus.Steps.value as Array<Record<string, { signature: string; value: unknown }>>)[0];
        assert.deepEqual(Object.fromEntries(Object.entries(first).map(([k, v]) => [k, v.signature])),
            { Id: "s", Description: "s", State: "s", Message: "s", Started: "t", Finished: "t", Log: "as" });
        assert.equal(first.Finished.value, Date.parse("2026-01-02T03:00:01.500Z") * 1000, "µs since the epoch");
        assert.deepEqual(firstBootFromBus(onBus(fb)), fb);
    });

    QUnit.test("debvisorctl status: one line: done, failed with the step and its error, running; none where first boot never ran", assert => {
        assert.equal(firstBootLine(onBus({ state: "not-run", steps: [], finished: "" })), null);
        assert.equal(firstBootLine(undefined), null, "a debvisord without the property");
        assert.equal(firstBootLine(onBus({ state: "done", steps, finished: "2026-01-02T03:04:05.000Z" })), "done at 2026-01-02T03:04:05.000Z");
        assert.equal(firstBootLine(onBus({ state: "failed", steps, finished: "" })), "failed: Storage profile: no profile");
        assert.equal(firstBootLine(onBus({ state: "running", steps: [steps[0], { ...steps[1], state: "running" }], finished: "" })), "running: Storage profile");
    });

    QUnit.test("nonsense on the bus reads as not run or is bounded", assert => {
        assert.deepEqual(firstBootFromBus({ State: "exploded", Steps: "no" }), { state: "not-run", steps: [], finished: "" });
        assert.equal(firstBootFromBus({ State: "done", Finished: -5 }).finished, "", "a time before the epoch is no time");
        assert.equal(sent({ state: "done", steps: [], finished: "1969-07-20T20:17:40Z" }).Finished.value, 0,
            "a state file's time before the epoch goes out as none, not as a negative uint64");
        assert.equal(firstBootFromBus({ State: "running", Steps: Array.from({ length: 100 }, () => ({ Id: "x" })) }).steps.length, 32);
    });
});
