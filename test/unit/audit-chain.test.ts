import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { ChainVerifier, formatRecord, GENESIS, verifyFile, type AuditFields } from "../../helpers/lib/audit-chain.js";

/* The chain of a log's text, checked as verifyFile checks a file. */
function verifyText(text: string) {
    const verifier = new ChainVerifier();
    const lines = text.split("\n");
    if (lines.at(-1) === "")
        lines.pop();
    for (const line of lines)
        if (!verifier.add(line))
            break;
    return verifier.result();
}

function chain(n: number): string[] {
    let prev = GENESIS;
    const lines: string[] = [];
    for (let i = 1; i <= n; i++) {
        const fields: AuditFields = {
            seq: i, time: new Date(1_700_000_000_000 + i).toISOString(), uid: 1000, loginuid: 1000, user: "ana",
            method: "Manager.ImportImage", object: "/org/debvisor/DebVisor1/manager", phase: "begin", result: "",
            args: ["/srv/a.qcow2", `vm-${i}`, { note: "ünïcødé \"quoted\"\nnewline" }],
        };
        const { line, hash } = formatRecord(prev, fields);
        lines.push(line);
        prev = hash;
    }
    return lines;
}

QUnit.module("audit chain", () => {
    QUnit.test("an intact chain verifies and reports its head", assert => {
        const lines = chain(5);
        const result = verifyText(lines.join("\n") + "\n");
        assert.true(result.ok);
        assert.equal(result.records, 5);
        assert.equal(result.head, JSON.parse(lines[4]).hash);
    });

    QUnit.test("one changed byte anywhere is found at its line", assert => {
        const lines = chain(6);
        for (let target = 0; target < lines.length; target++) {
            const tampered = [...lines];
            tampered[target] = tampered[target].replace("vm-", "vM-");
            const result = verifyText(tampered.join("\n") + "\n");
            assert.false(result.ok, `change in line ${target + 1}`);
            assert.equal(result.brokenLine, target + 1);
        }
    });

    QUnit.test("a removed line, two swapped lines and an inserted copy are found", assert => {
        const lines = chain(6);
        const removed = lines.filter((_, i) => i !== 2);
        assert.equal(verifyText(removed.join("\n")).brokenLine, 3);
        const swapped = [...lines];
        [swapped[3], swapped[4]] = [swapped[4], swapped[3]];
        assert.equal(verifyText(swapped.join("\n")).brokenLine, 4);
        const duplicated = [...lines.slice(0, 3), lines[2], ...lines.slice(3)];
        assert.equal(verifyText(duplicated.join("\n")).brokenLine, 4);
        const firstRemoved = lines.slice(1);
        assert.equal(verifyText(firstRemoved.join("\n")).brokenLine, 1);
    });

    QUnit.test("a record whose hash was recomputed after an edit still breaks the next link", assert => {
        const lines = chain(4);
        const edited = JSON.parse(lines[1]);
        edited.user = "mallory";
        delete edited.hash;
        const { line } = formatRecord(edited.prev, edited);
        const result = verifyText([lines[0], line, lines[2], lines[3]].join("\n"));
        assert.false(result.ok);
        assert.equal(result.brokenLine, 3);
    });

    QUnit.test("verifyFile streams a file across chunk boundaries and reports a torn last line", assert => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "audit-"));
        const file = path.join(dir, "audit.jsonl");
        const lines = chain(40_000); // > 8 MiB: several chunks, multibyte characters at the seams
        fs.writeFileSync(file, lines.join("\n") + "\n");
        const ok = verifyFile(file);
        assert.true(ok.ok);
        assert.equal(ok.records, 40_000);
        fs.writeFileSync(file, lines.join("\n") + "\n" + lines[0].slice(0, 50));
        const torn = verifyFile(file);
        assert.false(torn.ok);
        fs.rmSync(dir, { recursive: true });
    });
});
