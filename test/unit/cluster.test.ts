// The pure parts of the cluster: the join token (what it carries, what a bad
// or expired one is told), debvisor-peer's authorized_keys (forced commands
// only, tokens expiring in sshd too), the members as Ceph's config-key dump
// gives them, a joining node's ceph.conf, and the network of an address.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { cephConfText } from "../../helpers/debvisord/ceph/provision/config.js";
import { parseIpAddr } from "../../helpers/debvisord/cluster/host-addresses.js";
import { networkOf } from "../../helpers/lib/cidr.js";
import { CEPH_CONF } from "../../helpers/debvisord/ceph/provision/config.js";
import { MEMBER_RECORDS, parseMembers, readMembers } from "../../helpers/debvisord/cluster/membership.js";
import { authorizedKeysText, knownHostsText } from "../../helpers/debvisord/cluster/ssh-channel.js";
import { newKey, openSshPrivateKey, publicKeyOfSeed, rawPublicKey, sshPublicKey } from "../../helpers/debvisord/cluster/ed25519-keys.js";
import { decodeToken, encodeToken, sshExpiryTime, type JoinToken } from "../../helpers/debvisord/cluster/token.js";

const KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZ1mPq0Wq7m8bC2uVQj3yU6Lq0d3L7cQ0m8sX2YkT1a";
const KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBb6n2vM3lq9a7c1eD4fG5hI6jK7lM8nO9pQ0rS1tU2v";
const SEED = Buffer.alloc(32, 7);
const FSID = "0b6f2f3c-5e1e-4a47-9a8e-2f3c4b5d6e7f";
const NOW = 1_800_000_000;

const token = (over: Partial<JoinToken> = {}): JoinToken => ({ id: "0123456789abcdef", expires: NOW + 900, fsid: FSID, hostKey: sshPublicKey(newKey().publicKey), seed: SEED, ...over });

// Buffers compare by content only once they are strings
const comparable = (t: JoinToken) => ({ ...t, seed: t.seed.toString("hex") });

QUnit.module("cluster", () => {
    QUnit.test("a join token round-trips in 131 characters; a garbled, foreign or expired one is refused without showing its content", assert => {
        const made = token();
        const text = encodeToken(made);
        assert.true(text.startsWith("dvjoin2."));
        assert.strictEqual(text.length, 131, "two 32-byte keys, the id, expiry and fsid");
        assert.deepEqual(comparable(decodeToken(`  ${text}\n`, NOW)), comparable(made), "whitespace around it is fine");
        const body = text.slice("dvjoin2.".length);
        const bytes = Buffer.from(body, "base64url");
        for (const bad of ["", "dvjoin2.", "dvjoin2.!!!", "xyz", `dvjoin1.${body}`, `dvjoin2.${body}A`, `dvjoin2.${body.slice(0, -1)}`,
            `dvjoin2.${bytes.subarray(1).toString("base64url")}`, `dvjoin2.${Buffer.concat([bytes, Buffer.alloc(3)]).toString("base64url")}`,
            `dvjoin2.${body}\n${body}`, `dvjoin1.${Buffer.from("[1,2]").toString("base64url")}`])
            assert.throws(() => decodeToken(bad, NOW), /token: this is not a DebVisor join token/, JSON.stringify(bad).slice(0, 40));
        for (const wrong of [{ id: "../../etc" }, { hostKey: "ssh-rsa AAAA" }, { hostKey: `${KEY_A}AAAA` }, { seed: Buffer.alloc(31) }, { fsid: "not-a-uuid" }, { expires: 2 ** 32 }])
            assert.throws(() => encodeToken(token(wrong)), /a join token needs/, JSON.stringify(wrong).slice(0, 40));
        assert.throws(() => decodeToken(encodeToken(token({ expires: NOW - 1 })), NOW), /token: it expired at .*make a new one/);
        assert.throws(() => decodeToken(encodeToken(token({ expires: NOW })), NOW), /expired/, "expiring this second counts as expired");
    });

    QUnit.test("a key written from a token's seed is the key the member accepts: ssh-keygen reads it and signs with it", assert => {
        const { seed, publicKey } = newKey();
        assert.strictEqual(publicKeyOfSeed(seed).toString("hex"), publicKey.toString("hex"));
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "debvisor-key-"));
        try {
            const file = path.join(dir, "key");
            fs.writeFileSync(file, openSshPrivateKey(seed, "debvisor-join-0123456789abcdef"), { mode: 0o600 });
            const derived = execFileSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" });
            assert.strictEqual(derived.trim().split(/\s+/).slice(0, 2).join(" "), sshPublicKey(publicKey));
            fs.writeFileSync(path.join(dir, "data"), "join");
            execFileSync("ssh-keygen", ["-q", "-Y", "sign", "-f", file, "-n", "debvisor", path.join(dir, "data")], { stdio: "ignore" });
            fs.writeFileSync(path.join(dir, "allowed"), `node ${sshPublicKey(publicKey)}\n`);
            const verified = execFileSync("ssh-keygen", ["-Y", "verify", "-f", path.join(dir, "allowed"), "-I", "node", "-n", "debvisor", "-s", path.join(dir, "data.sig")],
                { input: "join", encoding: "utf8" });
            assert.true(/Good "debvisor" signature for node/.test(verified), verified);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        assert.strictEqual(rawPublicKey(sshPublicKey(publicKey))?.toString("hex"), publicKey.toString("hex"));
        for (const bad of ["ssh-rsa AAAA", `ssh-ed25519 ${Buffer.alloc(40).toString("base64")}`, "ssh-ed25519", `${KEY_A.slice(0, -4)}`])
            assert.strictEqual(rawPublicKey(bad), undefined, bad);
    });

    QUnit.test("sshd's expiry time is UTC with a Z", assert => {
        assert.strictEqual(sshExpiryTime(Date.UTC(2026, 11, 5, 7, 17, 9) / 1000), "20261205071709Z");
    });

    QUnit.test("authorized_keys: each member's key runs only its forced command, naming the member; tokens expire in sshd too", assert => {
        const text = authorizedKeysText([{ name: "node2", nodeKey: KEY_B }, { name: "bad name\ncommand", nodeKey: KEY_A }, { name: "node3", nodeKey: "ssh-rsa AAAA" }],
            [{ id: "0123456789abcdef", expires: Date.UTC(2026, 11, 5, 7, 17, 9) / 1000, publicKey: KEY_A }]);
        const lines = text.trim().split("\n").filter(l => !l.startsWith("#"));
        assert.deepEqual(lines, [
            `restrict,command="/usr/bin/debvisorctl cluster peer-call --from node2" ${KEY_B} debvisor-node-node2`,
            `restrict,expiry-time="20261205071709Z",command="/usr/bin/debvisorctl cluster accept-join 0123456789abcdef" ${KEY_A} debvisor-join-0123456789abcdef`,
        ], "a name or key outside the grammar is left out");
        assert.strictEqual(knownHostsText([{ address: "10.0.0.1", hostKey: KEY_A }, { address: "10.0.0.2", hostKey: "junk" }]), `10.0.0.1 ${KEY_A}\n`);
    });

    QUnit.test("members from Ceph's config-key dump: only well-formed DebVisor records, by name", assert => {
        const m = (name: string, over: Record<string, unknown> = {}) => JSON.stringify({ name, address: "10.0.0.1", nodeKey: KEY_A, hostKey: KEY_B, joined: 1, ...over });
        const dump = JSON.stringify({
            "debvisor/cluster/nodes/b": m("b"), "debvisor/cluster/nodes/a": m("a"), "debvisor/cluster/nodes/c": "not json",
            "debvisor/cluster/nodes/d": m("d", { nodeKey: "x" }), "debvisor/cluster": JSON.stringify({ fsid: FSID }), "other/key": m("e"),
        });
        assert.deepEqual(parseMembers(dump).map(x => x.name), ["a", "b"]);
    });

    QUnit.test("the rounds read the members over debvisord's Ceph connection when it is to this node's cluster", async assert => {
        const asked: unknown[] = [];
        const record = JSON.stringify({ name: "a", address: "10.0.0.1", nodeKey: KEY_A, hostKey: KEY_B, joined: 1 });
        const connection = { conf: () => CEPH_CONF, read: (r: unknown) => (asked.push(r), Promise.resolve(JSON.stringify({ "debvisor/cluster/nodes/a": record }))) };
        assert.deepEqual((await readMembers(connection)).map(m => m.name), ["a"]);
        assert.deepEqual(asked, [MEMBER_RECORDS], "one read");
        assert.deepEqual(MEMBER_RECORDS.command, { prefix: "config-key dump", key: "debvisor/cluster/nodes/" }, "Ceph's command and its argument");
        assert.deepEqual(MEMBER_RECORDS.cli, ["config-key", "dump", "debvisor/cluster/nodes/"], "the same as a ceph run");
    });

    QUnit.test("a joining node's ceph.conf: every monitor in mon host, its own monitor's address, no initial members", assert => {
        const text = cephConfText({ fsid: FSID, name: "node2", publicNetwork: "10.0.0.0/24", osdCount: 0, monitorAddress: "10.0.0.2", monitorHosts: ["10.0.0.1", "10.0.0.2"] });
        assert.ok(text.includes("mon host = [v2:10.0.0.1:3300,v1:10.0.0.1:6789],[v2:10.0.0.2:3300,v1:10.0.0.2:6789]"), text);
        assert.ok(text.includes("[mon.node2]\npublic addr = 10.0.0.2"), "its monitor listens on its address");
        assert.notOk(text.includes("mon initial members"), "made from the cluster's monitor map");
        const first = cephConfText({ fsid: FSID, name: "node1", publicNetwork: "10.0.0.0/24", osdCount: 0, monitorAddress: "10.0.0.1" });
        assert.ok(first.includes("mon initial members = node1") && first.includes("mon host = [v2:10.0.0.1:3300,v1:10.0.0.1:6789]"), first);
        const single = cephConfText({ fsid: FSID, name: "node1", publicNetwork: "127.0.0.0/8", osdCount: 1 });
        assert.ok(single.includes("mon host = [v2:127.0.0.1:3300,v1:127.0.0.1:6789]") && !single.includes("public addr"), "a single node stays on 127.0.0.1");
    });

    QUnit.test("addresses and their networks", assert => {
        assert.strictEqual(networkOf("10.231.77.11", 24)?.cidr, "10.231.77.0/24");
        assert.strictEqual(networkOf("192.168.1.130", 25)?.cidr, "192.168.1.128/25");
        assert.strictEqual(networkOf("10.1.2.3", 32)?.cidr, "10.1.2.3/32");
        assert.strictEqual(networkOf("10.1.2.3", 0)?.cidr, "0.0.0.0/0");
        const parsed = parseIpAddr(JSON.stringify([{ ifname: "lo", addr_info: [{ family: "inet", local: "127.0.0.1", prefixlen: 8 }] },
            { ifname: "host0", addr_info: [{ family: "inet6", local: "fe80::1", prefixlen: 64 }, { family: "inet", local: "10.0.0.2", prefixlen: 24 }] }]));
        assert.deepEqual(parsed, [{ address: "127.0.0.1", prefix: 8, device: "lo" }, { address: "10.0.0.2", prefix: 24, device: "host0" }]);
    });
});
