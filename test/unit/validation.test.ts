import QUnit from "qunit";
import { absolutePath, resourceName } from "../../helpers/debvisord/validation.js";

QUnit.module("validation grammar", () => {
    QUnit.test("resource names: the nasty cases are refused", assert => {
        for (const good of ["web01", "a", "db.example_1-2", "9lives"])
            assert.true(resourceName.safeParse(good).success, good);
        for (const bad of ["", "-rf", ".hidden", "a/b", "..", "a..b", "x\ny", "semi;colon", "quo\"te", "sp ace",
            "tab\t", "ünï", "a".repeat(65), "$(reboot)"])
            assert.false(resourceName.safeParse(bad).success, JSON.stringify(bad));
    });

    QUnit.test("absolute paths: no traversal, no control characters, not too long", assert => {
        for (const good of ["/srv/images/disk.qcow2", "/a b/c'd\"e"])
            assert.true(absolutePath.safeParse(good).success, good);
        for (const bad of ["relative/path", "", "/srv/../etc/shadow", "/srv//x", "/srv/./x", "/srv/x\n", "/x\u0000y",
            "/" + "a".repeat(5000), "-o"])
            assert.false(absolutePath.safeParse(bad).success, JSON.stringify(bad.slice(0, 40)));
    });
});
