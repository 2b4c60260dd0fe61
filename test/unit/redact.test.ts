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
});
