// Evidence bundles made by the daemon's own export code from a real log,
// checked by `debvisorctl audit verify-bundle` (the built program, offline,
// no bus): an intact bundle passes and names its key; every kind of change
// fails with a message that says what was changed.
import { spawnSync } from "node:child_process";
import { generateKeyPairSync, sign } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { AuditIndex } from "../../helpers/debvisord/audit/audit-index.js";
import { AuditLog, type AuditEntry } from "../../helpers/debvisord/audit/audit-log.js";
import { writeEvidenceBundle } from "../../helpers/debvisord/audit/evidence-export.js";
import { loadOrCreateSigningKey } from "../../helpers/debvisord/audit/signing-key.js";
import { parseRecord } from "../../helpers/lib/audit-chain.js";
import { verifySegments } from "../../helpers/lib/audit-segments.js";
import { keyFingerprint, verifyBundle } from "../../helpers/lib/evidence.js";
import { readTar, TAR_END, tarHeader, tarPadding, type TarEntry } from "../../helpers/lib/tar.js";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../dist/debvisorctl.js");
const NO_BUS = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: "unix:path=/nonexistent/system_bus_socket" };

const entry = (i: number): AuditEntry => ({
    uid: 1000, loginuid: 1000, user: i % 2 ? "ana" : "bob", method: "Machine.Start", object: `/org/debvisor/DebVisor1/machines/vm${i}`,
    phase: "end", result: "ok", args: [{ note: "ünïcødé" }],
});

function tar(entries: TarEntry[]): Buffer {
    return Buffer.concat([...entries.flatMap(e => [tarHeader(e.name, e.data.length, 0), e.data, tarPadding(e.data.length)]), TAR_END]);
}

QUnit.module("compliance: evidence bundles", hooks => {
    let dir = "";
    hooks.beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-evidence-")) });
    hooks.afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /* A log over several segments and a bundle of the records from the 20th to the 120th. */
    async function exportBundle(): Promise<{ bundle: string; keyFile: string; firstSeq: number; lastSeq: number }> {
        const file = path.join(dir, "log/audit.jsonl");
        const log = AuditLog.open(file, { maxBytes: 6000, maxAgeMs: 3600_000 });
        for (let i = 0; i < 150; i++)
            await log.append(entry(i));
        const index = new AuditIndex(log);
        await index.start();
        const first = (await index.record(20))!, last = (await index.record(120))!;
        const keyFile = path.join(dir, "etc/audit-signing.key");
        const key = loadOrCreateSigningKey(keyFile);
        assert(fs.statSync(keyFile).mode & 0o777, 0o600);
        const bundle = path.join(dir, "bundle.tar");
        const progress: number[] = [];
        const result = await writeEvidenceBundle(index, {
            since: Date.parse(first.time), until: Date.parse(last.time), target: bundle, verification: verifySegments(file),
            head: { seq: log.recordCount, hash: log.chainHead }, key, signal: new AbortController().signal, onProgress: f => progress.push(f),
        });
        assert(progress.at(-1), 1);
        return { bundle, keyFile, firstSeq: result.firstSeq, lastSeq: result.lastSeq };
    }
    function assert(actual: unknown, expected: unknown): void {
        if (actual !== expected)
            throw new Error(`expected ${String(expected)}, got ${String(actual)}`);
    }
    const verifyCli = (...args: string[]) =>
        spawnSync(process.execPath, [CLI, "audit", "verify-bundle", ...args], { encoding: "utf8", env: NO_BUS, timeout: 30_000 });

    QUnit.test("an exported range verifies offline, with tar(1) too, and names the signing key", async assert => {
        const { bundle, keyFile, firstSeq, lastSeq } = await exportBundle();
        const listing = spawnSync("tar", ["-tvf", bundle], { encoding: "utf8" });
        assert.equal(listing.status, 0, listing.stderr);
        assert.deepEqual(listing.stdout.trim().split("\n").map(l => l.split(/\s+/).pop()),
            ["records.jsonl", "verification.json", "chain-head.json", "signing-key.pem", "manifest.json", "manifest.sig"]);
        const files = new Map(readTar(fs.readFileSync(bundle)).map(e => [e.name, e.data.toString("utf8")]));
        const records = files.get("records.jsonl")!.trimEnd().split("\n").map(parseRecord);
        assert.true(firstSeq <= 21 && lastSeq >= 120, `records ${firstSeq} to ${lastSeq}`);
        assert.deepEqual([records[0].seq, records.at(-1)!.seq], [firstSeq, lastSeq], "a contiguous range, across segments");
        assert.true(records.some(r => r.method === "AuditLog.Seal"), "seal records of the range are in it");
        assert.true(JSON.parse(files.get("verification.json")!).ok);

        const fingerprint = keyFingerprint(fs.readFileSync(`${keyFile}.pub`, "utf8"));
        const ok = verifyCli(bundle);
        assert.equal(ok.status, 0, ok.stderr);
        assert.true(ok.stdout.includes(`OK: ${bundle}: records ${firstSeq} to ${lastSeq} (${lastSeq - firstSeq + 1}) of ${os.hostname()}`), ok.stdout);
        assert.true(ok.stdout.includes(`signed by ${fingerprint}: compare it`), ok.stdout);
        const trusted = verifyCli(bundle, "--key", `${keyFile}.pub`);
        assert.equal(trusted.status, 0, trusted.stderr);
        assert.true(trusted.stdout.includes(`signed by the trusted key ${fingerprint}`));
        const json = JSON.parse(verifyCli(bundle, "--json").stdout);
        assert.deepEqual([json.ok, json.manifest.records.count, json.fingerprint], [true, lastSeq - firstSeq + 1, fingerprint]);
    });

    QUnit.test("a changed record, file, manifest or key fails with a message that says what changed", async assert => {
        const { bundle } = await exportBundle();
        const original = readTar(fs.readFileSync(bundle));
        const edit = (name: string, change: (text: string) => string) =>
            original.map(e => e.name === name ? { name, data: Buffer.from(change(e.data.toString("utf8"))) } : e);
        const text = (name: string) => original.find(e => e.name === name)!.data.toString("utf8");
        const manifest = JSON.parse(text("manifest.json"));

        // a forger with their own key: a consistent bundle, signed by another key
        const forger = generateKeyPairSync("ed25519");
        const forgedKey = forger.publicKey.export({ type: "spki", format: "pem" }) as string;
        const forgedManifest = Buffer.from(JSON.stringify({ ...manifest, signingKeyFingerprint: keyFingerprint(forgedKey),
            files: { ...manifest.files, "signing-key.pem": { sha256: "", bytes: 0 } } }));

        const cases: Array<[string, TarEntry[], RegExp]> = [
            ["one byte of a record", edit("records.jsonl", t => t.replace("vm3", "vm4")),
                /records\.jsonl: line \d+: its content was changed.*\n.*records\.jsonl: its SHA-256 differs|records\.jsonl: its SHA-256 differs from the one in the signed manifest/],
            ["a record removed", edit("records.jsonl", t => t.split("\n").filter((_, i) => i !== 5).join("\n")),
                /records\.jsonl: line 6: does not follow the record before it/],
            ["two records swapped", edit("records.jsonl", t => { const l = t.split("\n"); [l[3], l[4]] = [l[4], l[3]]; return l.join("\n") }),
                /records\.jsonl: line 4: does not follow/],
            ["the last records cut", edit("records.jsonl", t => t.split("\n").slice(0, -4).join("\n") + "\n"),
                /records\.jsonl holds \d+ records ending in [0-9a-f]+, the manifest says \d+ ending in [0-9a-f]+: records were removed or added/],
            ["the verification changed", edit("verification.json", t => t.replace("\"ok\": true", "\"ok\": true ")),
                /verification\.json: its SHA-256 differs from the one in the signed manifest: the file was changed after export/],
            ["the manifest changed", edit("manifest.json", t => t.replace(manifest.host, "elsewhere")),
                /manifest\.sig: the signature does not match manifest\.json/],
            ["a file added", [...original, { name: "extra.txt", data: Buffer.from("x") }], /extra\.txt does not belong in an evidence bundle/],
            ["the signature removed", original.filter(e => e.name !== "manifest.sig"), /manifest\.sig is missing from the bundle/],
            ["re-signed with another key", original.map(e =>
                e.name === "signing-key.pem" ? { name: e.name, data: Buffer.from(forgedKey) }
                    : e.name === "manifest.json" ? { name: e.name, data: forgedManifest }
                        : e.name === "manifest.sig" ? { name: e.name, data: Buffer.from(sign(null, forgedManifest, forger.privateKey).toString("base64")) }
                            : e), /signing-key\.pem: its SHA-256 differs/],
        ];
        for (const [label, entries, reason] of cases) {
            const file = path.join(dir, `${label.replace(/ /g, "-")}.tar`);
            fs.writeFileSync(file, tar(entries));
            const r = verifyCli(file);
            assert.equal(r.status, 1, label);
            assert.equal(r.stdout, "", `${label}: no OK`);
            assert.true(reason.test(r.stderr), `${label}: ${r.stderr}`);
        }
        // the forger's bundle fails against the host's key even when its own files agree
        const trustedCheck = verifyBundle(tar(original), forgedKey);
        assert.false(trustedCheck.ok);
        assert.true(trustedCheck.problems.some(p => /not with the trusted key/.test(p)), trustedCheck.problems.join("; "));
        const garbage = path.join(dir, "garbage.tar");
        fs.writeFileSync(garbage, Buffer.alloc(2048, 7));
        assert.true(/not a readable tar archive/.test(verifyCli(garbage).stderr));
        assert.equal(verifyCli(path.join(dir, "missing.tar")).status, 2, "a missing file is wrong usage");
    });
});
