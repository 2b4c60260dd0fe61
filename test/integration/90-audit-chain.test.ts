// After everything the integration tests did, the live audit log verifies,
// ends at the head the daemon announces, and any tampering with a copy of
// it is found at the right line.
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { ChainVerifier, verifyFile } from "../../helpers/lib/audit-chain.js";
import { listSegments, verifySegments } from "../../helpers/lib/audit-segments.js";
import { callAs, MANAGER } from "../lib/call-as.js";
import { tempDir } from "../lib/images.js";

const AUDIT_LOG = "/var/log/debvisor/audit.jsonl";

QUnit.module("audit chain of the live log", () => {
    QUnit.test("the log is 0600 root, verifies, and ends at the daemon's chain head", async assert => {
        const stat = fs.statSync(AUDIT_LOG);
        assert.equal(stat.mode & 0o777, 0o600);
        assert.equal(stat.uid, 0);
        assert.equal(fs.statSync(path.dirname(AUDIT_LOG)).mode & 0o777, 0o700);
        // both in one answer: a record written between two reads (the count of repeated denials,
        // written a minute after the first) would make them disagree
        const all = await callAs(null, { path: MANAGER.path, iface: "org.freedesktop.DBus.Properties", method: "GetAll", signature: "s", body: [MANAGER.iface] });
        assert.true(all.ok, JSON.stringify(all));
        const props = (all.ok ? all.body[0] : {}) as Record<string, unknown>;
        const head = props.AuditChainHead;
        const count = props.AuditRecordCount;
        // the live segment and the sealed ones before it, as one chain
        const result = verifySegments(AUDIT_LOG);
        assert.true(result.ok, JSON.stringify({ ...result, segments: result.segments.length }));
        assert.true(result.lastSeq >= (count as number), `records up to ${result.lastSeq}, the daemon counts ${count}`);
        const holder = result.segments.find(s => s.firstSeq <= (count as number) && (count as number) <= s.lastSeq);
        assert.ok(holder, `a segment holds record ${count}`);
        const lines = fs.readFileSync(path.join(path.dirname(AUDIT_LOG), holder!.name), "utf8").trimEnd().split("\n");
        assert.equal(JSON.parse(lines[(count as number) - holder!.firstSeq]).hash, head, "the announced head is in the log at its place");
    });

    QUnit.test("a copy with one byte changed, a line removed or two lines swapped fails at that line", assert => {
        // every segment, oldest first, as one file; after retention deleted the oldest
        // segments, the chain starts at the "prev" of the first record there is
        const lines = listSegments(AUDIT_LOG).flatMap(s => fs.readFileSync(s.path, "utf8").trimEnd().split("\n"));
        const start = JSON.parse(lines[0]).prev as string;
        assert.true(lines.length >= 10, `${lines.length} records to tamper with`);
        const dir = tempDir("dv-tamper-");
        const check = (label: string, tampered: string[], line: number) => {
            const file = path.join(dir, `${label}.jsonl`);
            fs.writeFileSync(file, tampered.join("\n") + "\n");
            const result = verifyFile(file, new ChainVerifier(start));
            assert.false(result.ok, label);
            assert.equal(result.brokenLine, line, `${label}: ${result.reason}`);
        };
        const i = Math.floor(lines.length / 2);
        const changed = [...lines];
        changed[i] = changed[i].replace(/"uid":(\d)/, (_m, d: string) => `"uid":${(Number(d) + 1) % 10}`);
        check("byte-changed", changed, i + 1);
        check("line-removed", lines.filter((_, k) => k !== i), i + 1);
        const swapped = [...lines];
        [swapped[i], swapped[i + 1]] = [swapped[i + 1], swapped[i]];
        check("lines-swapped", swapped, i + 1);
        fs.rmSync(dir, { recursive: true });
    });
});
