// After everything the integration tests did, the live audit log verifies,
// ends at the head the daemon announces, and any tampering with a copy of
// it is found at the right line.
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { verifyFile } from "../../helpers/lib/audit-chain.js";
import { getProperty, MANAGER } from "../lib/call-as.js";
import { tempDir } from "../lib/images.js";

const AUDIT_LOG = "/var/log/debvisor/audit.jsonl";

const managerProperty = (name: string) => getProperty(MANAGER.path, MANAGER.iface, name);

QUnit.module("audit chain of the live log", () => {
    QUnit.test("the log is 0600 root, verifies, and ends at the daemon's chain head", async assert => {
        const stat = fs.statSync(AUDIT_LOG);
        assert.equal(stat.mode & 0o777, 0o600);
        assert.equal(stat.uid, 0);
        assert.equal(fs.statSync(path.dirname(AUDIT_LOG)).mode & 0o777, 0o700);
        const head = await managerProperty("AuditChainHead");
        const count = await managerProperty("AuditRecordCount");
        const result = verifyFile(AUDIT_LOG);
        assert.true(result.ok, JSON.stringify(result));
        assert.true(result.records >= (count as number), `${result.records} records, the daemon counts ${count}`);
        const lines = fs.readFileSync(AUDIT_LOG, "utf8").trimEnd().split("\n");
        assert.equal(JSON.parse(lines[(count as number) - 1]).hash, head, "the announced head is in the file at its place");
    });

    QUnit.test("a copy with one byte changed, a line removed or two lines swapped fails at that line", assert => {
        const lines = fs.readFileSync(AUDIT_LOG, "utf8").trimEnd().split("\n");
        assert.true(lines.length >= 10, `${lines.length} records to tamper with`);
        const dir = tempDir("dv-tamper-");
        const check = (label: string, tampered: string[], line: number) => {
            const file = path.join(dir, `${label}.jsonl`);
            fs.writeFileSync(file, tampered.join("\n") + "\n");
            const result = verifyFile(file);
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
