import QUnit from "qunit";
import { redact } from "../../helpers/debvisord/audit/redact.js";

QUnit.module("audit redaction", () => {
    QUnit.test("secrets are redacted by name at any depth; huge strings are cut", assert => {
        const args = ["zone.example", { password: "hunter2", nested: { "tsig-secret": "c2VjcmV0", ssh: { "private-key": "-----BEGIN" } },
            keep: "visible", list: [{ token: "abc" }] }, "x".repeat(10_000), 5n];
        const out = redact(args) as unknown[];
        const text = JSON.stringify(out);
        for (const secret of ["hunter2", "c2VjcmV0", "BEGIN", "\"abc\""])
            assert.false(text.includes(secret), `${secret} is not in the record`);
        assert.true(text.includes("visible"));
        assert.equal((out[2] as string).length < 4200, true);
        assert.equal(out[3], "5");
    });

    QUnit.test("a huge list is cut to its first hundred items, saying how many there were", assert => {
        const cidrs = Array.from({ length: 1_000_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
        const out = redact([cidrs, {}]) as unknown[][];
        assert.equal(out[0].length, 101);
        assert.deepEqual(out[0].slice(0, 2), ["10.0.0.0", "10.0.0.1"]);
        assert.equal(out[0][100], "… [1000000 items]");
        assert.true(JSON.stringify(out).length < 3000, "the record stays small");
        assert.deepEqual(redact([["a", "b"]]), [["a", "b"]], "a short list is kept whole");
    });
});
