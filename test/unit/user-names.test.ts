import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { forgetUserNames, userName } from "../../helpers/lib/user-names.js";

QUnit.module("user names from the name service", hooks => {
    hooks.beforeEach(() => forgetUserNames());

    QUnit.test("the host's own getent: root by name, a uid nobody has as #uid", async assert => {
        assert.equal(await userName(0), "root");
        assert.equal(await userName(3_999_999), "#3999999");
    });

    QUnit.test("a user only the name service knows (a fake getent standing in for LDAP/SSSD) is named, not #uid", async assert => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-getent-"));
        try {
            const fake = path.join(dir, "getent");
            fs.writeFileSync(fake, `#!/bin/sh\n[ "$1 $2" = "passwd 4242" ] && echo "ldapana:*:4242:4242:Ana:/home/ldapana:/bin/bash" && exit 0\n` +
                `[ "$1 $2" = "passwd 4343" ] && echo "4343:*:1:1::/:/bin/sh" && exit 0\nexit 2\n`, { mode: 0o755 });
            assert.equal(await userName(4242, fake), "ldapana");
            assert.equal(await userName(4343, fake), "#4343", "an entry of another uid (a user named by a number) is not taken");
            assert.equal(await userName(4444, fake), "#4444");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
