// The packages pass the lintian of each Debian release DebVisor supports, with
// no error and no warning: `npm run deb` runs the build host's lintian, this
// test the lintian of the other release too (trixie's knows more tags, e.g.
// aliased-location for units under /lib). lintian runs in a copy of a node's
// prepared root (test/lib/nspawn-node.ts) on the .debs of build/debs and the
// keyring package of a repository made by `npm run repo`.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { buildRepository, repositoryUnavailable } from "../lib/apt-repository.js";
import { APT_ARCHIVES, Node, nodeUnavailable } from "../lib/nspawn-node.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DEBS = path.join(ROOT, "build/debs");
/* DEBVISOR_TEST_LINTIAN_RELEASES="bookworm trixie" checks both; bookworm's lintian runs in npm run deb on a bookworm host. */
const RELEASES = (process.env.DEBVISOR_TEST_LINTIAN_RELEASES ?? "trixie").split(/\s+/).filter(Boolean);
const unavailable = nodeUnavailable(DEBS) ?? repositoryUnavailable();

QUnit.module.if(`lintian of each release${unavailable ? ` (skipped: ${unavailable})` : ""}`, unavailable === null, hooks => {
    let temp = "";
    let repo = "";
    hooks.before(() => {
        temp = fs.mkdtempSync(path.join(os.tmpdir(), "dv-lintian-"));
        repo = buildRepository(temp);
    });
    hooks.after(() => {
        if (temp)
            fs.rmSync(temp, { recursive: true, force: true });
    });

    for (const release of RELEASES) {
        QUnit.test(`${release}'s lintian finds no error and no warning in the packages`, async assert => {
            assert.timeout(900_000);
            const archives = path.join(APT_ARCHIVES, release);
            fs.mkdirSync(archives, { recursive: true });
            const { node } = Node.copyOfPrepared(release, DEBS);
            try {
                const keyring = path.join(repo, "pool/main/d/debvisor-archive-keyring");
                const r = await node.beforeBoot(["sh", "-c",
                    "apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends lintian >/dev/null && " +
                    "lintian --version && lintian --fail-on error,warning /run/debs/*.deb /run/keyring/*.deb"],
                [`--bind=${archives}:/var/cache/apt/archives`, `--bind-ro=${DEBS}:/run/debs`, `--bind-ro=${keyring}:/run/keyring`]);
                const said = (r.stdout + r.stderr).split("\n").filter(l => l && !/root privileges|propagate/.test(l));
                console.log(`# ${said[0] ?? "lintian did not say its version"} on ${release}`);
                assert.strictEqual(r.status, 0, `lintian passed:\n${said.join("\n")}`);
                assert.deepEqual(said.filter(l => /^[EW]: /.test(l)), [], "no error or warning");
            } finally {
                node.remove();
            }
        });
    }
});
