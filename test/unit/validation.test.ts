import QUnit from "qunit";
import { absolutePath, machineName, resourceName } from "../../helpers/debvisord/validation.js";

QUnit.module("validation grammar", () => {
    QUnit.test("resource names: the nasty cases are refused", assert => {
        for (const good of ["web01", "a", "db.example_1-2", "9lives"])
            assert.true(resourceName.safeParse(good).success, good);
        for (const bad of ["", "-rf", ".hidden", "a/b", "..", "a..b", "x\ny", "semi;colon", "quo\"te", "sp ace",
            "tab\t", "ünï", "a".repeat(65), "$(reboot)"])
            assert.false(resourceName.safeParse(bad).success, JSON.stringify(bad));
    });

    QUnit.test("machine names: the same grammar, at most a DNS label's 63 characters for create, clone and rename alike", assert => {
        assert.true(machineName.safeParse("a".repeat(63)).success, "63 characters");
        const long = machineName.safeParse("a".repeat(64));
        assert.deepEqual(long.success ? null : long.error.issues.map(i => i.message), ["must be at most 63 characters"]);
        assert.true(resourceName.safeParse("a".repeat(64)).success, "snapshots and images keep 64");
        for (const bad of ["", "-rf", ".hidden", "a/b", "a..b", "x\ny", "$(reboot)"])
            assert.false(machineName.safeParse(bad).success, JSON.stringify(bad));
    });

    QUnit.test("absolute paths: no traversal, no control characters, not too long", assert => {
        for (const good of ["/srv/images/disk.qcow2", "/a b/c'd\"e"])
            assert.true(absolutePath.safeParse(good).success, good);
        for (const bad of ["relative/path", "", "/srv/../etc/shadow", "/srv//x", "/srv/./x", "/srv/x\n", "/x\u0000y",
            "/" + "a".repeat(5000), "-o"])
            assert.false(absolutePath.safeParse(bad).success, JSON.stringify(bad.slice(0, 40)));
    });
});
