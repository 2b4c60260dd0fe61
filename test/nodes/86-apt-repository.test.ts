// `apt install debvisor` from the signed repository, as on a plain Debian host:
// `npm run repo` (repo/build) makes the repository from the freshly built .debs
// with a key of its own, this test serves it over HTTP on 127.0.0.1, and a Debian
// node (systemd-nspawn, the prepared root of test/lib/nspawn-node.ts, shared with
// 85) adds it the README's way: the key from the repository, a sources entry with
// Signed-By. apt refuses the repository under a key that did not sign it, then
// installs debvisor with its recommended packages, as a user's plain `apt install`
// does, and Cockpit's own machines and storage pages beside it (their labels once
// clashed with DebVisor's). The node then boots with systemd, debvisord answers,
// and Playwright (Chromium in the node's network namespace) logs in to the node's
// Cockpit, finds DebVisor's entries in one block of Cockpit's menu with labels no
// other page uses, and opens every DebVisor page from it (their scripts served
// gzipped). An administrator's modes survive dpkg-reconfigure; a purge removes the
// data and keeps the system accounts. apt's downloads are kept
// between runs (APT_ARCHIVES) so a run fetches only what changed.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { buildRepository, repositoryUnavailable, serveRepository } from "../lib/apt-repository.js";
import { CHROMIUM, login, openSession, pageFrame } from "../lib/browser.js";
import { APT_ARCHIVES, Node, nodeUnavailable } from "../lib/nspawn-node.js";
import type { TestUser } from "../lib/users.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DEBS = path.join(ROOT, "build/debs");
/* Both releases (their apt verifies signatures differently: gpgv on bookworm, sqv on trixie);
 * DEBVISOR_TEST_REPO_RELEASES="bookworm" picks fewer. */
const RELEASES = (process.env.DEBVISOR_TEST_REPO_RELEASES ?? "bookworm trixie").split(/\s+/).filter(Boolean);
const KEYRING = "/usr/share/keyrings/debvisor-archive-keyring.gpg";
const SOURCES = "/etc/apt/sources.list.d/debvisor.sources";
/* A key that did not sign the repository: Debian's own. */
const OTHER_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";
const ADMIN: TestUser = { name: "nodeadmin", password: "nodeadmin-Passw0rd", groups: ["debvisor-admin"] };
/* The DebVisor pages in Cockpit's menu (pkg/manifest.json) and each one's heading. */
const MANIFEST = JSON.parse(fs.readFileSync(path.join(ROOT, "pkg/manifest.json"), "utf8")) as { menu: Record<string, { label: string }> };
/* Cockpit's own pages whose labels DebVisor's once repeated. */
const COCKPIT_OWN = ["cockpit-machines", "cockpit-storaged"];
const HEADINGS: Record<string, string> = {
    overview: "DebVisor overview", machines: "Virtual machines", storage: "Storage", compliance: "Compliance", security: "Security", dns: "DNS",
    cluster: "Cluster", backups: "Backups",
};

/* The download cache is for Debian's packages: DebVisor's own, built anew each run under
 * the same names, would be taken from it instead of the repository when their sizes match. */
function forgetDebVisorDownloads(archives: string): void {
    for (const f of fs.readdirSync(archives))
        if (/^(debvisor|cockpit-debvisor)[-_].*\.deb$/.test(f))
            fs.rmSync(path.join(archives, f));
}

const unavailable = nodeUnavailable(DEBS) ?? repositoryUnavailable() ?? (fs.existsSync(CHROMIUM) ? null : "chromium is not installed");

for (const release of RELEASES) {
    let node: Node;
    let temp = "";
    let repo: Awaited<ReturnType<typeof serveRepository>> | null = null;
    const archives = path.join(APT_ARCHIVES, release);
    const apt = (script: string) => node.beforeBoot(["sh", "-c", script], [`--bind=${archives}:/var/cache/apt/archives`]);
    const sources = (keyring: string) => [
        "Types: deb", `URIs: ${repo?.url}`, `Suites: ${release}`, "Components: main", `Signed-By: ${keyring}`, "",
    ].join("\n");

    QUnit.module.if(`apt repository: debvisor installed from it on ${release}${unavailable ? ` (skipped: ${unavailable})` : ""}`, unavailable === null, hooks => {
        hooks.before(async assert => {
            assert.timeout(1_500_000);
            temp = fs.mkdtempSync(path.join(os.tmpdir(), "dv-repo-"));
            repo = await serveRepository(buildRepository(temp));
            fs.mkdirSync(archives, { recursive: true });
            forgetDebVisorDownloads(archives);
            const made = Node.copyOfPrepared(release, DEBS);
            node = made.node;
            console.log(`# ${release}: repository at ${repo.url}; root file system ${made.cacheBuilt ? "built" : "from the cache"}`);
        });

        hooks.after(async () => {
            if (node) {
                await node.stop();
                node.remove();
            }
            await repo?.close();
            if (temp)
                fs.rmSync(temp, { recursive: true, force: true });
        });

        QUnit.test("apt refuses the repository under a key that did not sign it", async assert => {
            fs.writeFileSync(path.join(node.dir, SOURCES.slice(1)), sources(OTHER_KEYRING));
            const r = await apt("apt-get update -q");
            const said = r.stdout + r.stderr;
            assert.notStrictEqual(r.status, 0, "apt-get update fails");
            assert.ok(/NO_PUBKEY|not signed|signatures couldn't be verified|Missing key/.test(said), `apt says the signature is not good:\n${said}`);
            const policy = await apt("apt-cache policy debvisor");
            assert.ok(!policy.stdout.includes("127.0.0.1"), `nothing of the repository is offered:\n${policy.stdout}`);
        });

        QUnit.test("with the repository's key from the repository itself, apt install debvisor installs the node", async assert => {
            // Debian's packages come from its mirror: as slow as the network is
            assert.timeout(900_000);
            // the README's first step: the key, fetched from the repository
            const key = await fetch(new URL("debvisor-archive-keyring.gpg", repo?.url));
            assert.strictEqual(key.status, 200, "the repository serves its key");
            fs.writeFileSync(path.join(node.dir, KEYRING.slice(1)), Buffer.from(await key.arrayBuffer()));
            fs.writeFileSync(path.join(node.dir, SOURCES.slice(1)), sources(KEYRING));

            const started = Date.now();
            const r = await apt("apt-get update -q && apt-get install -y -q debvisor");
            assert.strictEqual(r.status, 0, `apt install debvisor: ${(r.stderr || r.stdout).slice(-3000)}`);
            console.log(`# ${release}: apt-get update and apt-get install debvisor took ${Math.round((Date.now() - started) / 1000)} s`);

            const installed = (await apt("dpkg-query -W -f '${Package} ${db:Status-Status}\\n' debvisor debvisord cockpit-debvisor debvisor-archive-keyring cockpit-system cockpit-ws")).stdout;
            for (const p of ["debvisor", "debvisord", "cockpit-debvisor", "debvisor-archive-keyring", "cockpit-system", "cockpit-ws"])
                assert.ok(installed.split("\n").includes(`${p} installed`), `${p} is installed:\n${installed}`);
            const policy = (await apt("apt-cache policy debvisord")).stdout;
            const origin = `${repo?.url.replace(/\/$/, "")} ${release}/main`;
            assert.ok(/^\s+\*\*\* /m.test(policy) && policy.split("\n").some(l => l.includes(origin)), `debvisord came from ${origin}:\n${policy}`);
            // the keyring package now owns the key file the sources entry names, and it is the repository's key
            assert.strictEqual((await apt(`dpkg-query -S ${KEYRING}`)).stdout.trim(), `debvisor-archive-keyring: ${KEYRING}`);
            assert.ok(fs.readFileSync(path.join(node.dir, KEYRING.slice(1))).equals(Buffer.from(await (await fetch(new URL("debvisor-archive-keyring.gpg", repo?.url))).arrayBuffer())),
                "the packaged key is the key the repository is signed with");
            const update = await apt("apt-get update -q");
            assert.strictEqual(update.status, 0, "apt-get update verifies with the packaged key");
            const host = new URL(repo?.url ?? "http://127.0.0.1").host;
            assert.deepEqual((update.stdout + update.stderr).split("\n").filter(l => /^[WE]:/.test(l) && l.includes(host)), [], "apt has no warning about the repository");
        });

        QUnit.test("Cockpit's own Virtual machines and Storage pages install beside it", async assert => {
            assert.timeout(600_000);
            // what Debian's cockpit metapackage brings (it recommends cockpit-storaged), and cockpit-machines
            const r = await apt(`apt-get install -y -q --no-install-recommends ${COCKPIT_OWN.join(" ")}`);
            assert.strictEqual(r.status, 0, `installed: ${(r.stderr || r.stdout).slice(-3000)}`);
        });

        QUnit.test("the node boots with systemd; debvisord and Cockpit run", async assert => {
            const state = await node.boot();
            console.log(`# ${release}: booted (${state})`);
            assert.strictEqual(node.exec(["systemctl", "is-active", "debvisord.service"]).stdout.trim(), "active");
            assert.strictEqual(node.exec(["systemctl", "is-active", "cockpit.socket"]).stdout.trim(), "active");
            const status = node.service(["debvisorctl", "status", "--json"]);
            assert.strictEqual(status.status, 0, status.stderr);
            assert.ok(/^\d+\.\d+\.\d+/.test((JSON.parse(status.stdout) as { Version: string }).Version), "debvisord answers");
        });

        QUnit.test("a Cockpit login in Chromium reaches every DebVisor page from the menu", async assert => {
            node.mustExec(["useradd", "-m", "-s", "/bin/bash", "-G", ADMIN.groups.join(","), ADMIN.name]);
            node.mustExec(["sh", "-c", `echo '${ADMIN.name}:${ADMIN.password}' | chpasswd`]);
            // Chromium of the host, in the node's network namespace: the node's Cockpit is its localhost
            const wrapper = path.join(temp, "chromium-in-node");
            fs.writeFileSync(wrapper, `#!/bin/sh\nexec nsenter -t ${node.initPid} -n ${CHROMIUM} "$@"\n`, { mode: 0o755 });
            const session = await openSession({ executablePath: wrapper });
            try {
                // the first page the shell opens may be DebVisor's: watched from the start
                const scripts: string[] = [];
                session.page.on("response", r => {
                    // po.js is not a file of ours: Cockpit's bridge makes it from po.<lang>.js (or empty)
                    const m = /\/debvisor\/([\w./-]+\.js)$/.exec(new URL(r.url()).pathname);
                    if (m && m[1] !== "po.js")
                        scripts.push(`${m[1]}: ${r.status()} ${r.headers()["content-encoding"] ?? "not compressed"}`);
                });
                await login(session.page, ADMIN);
                // one product, in one block of the menu, whose labels no other page uses
                const menu = await session.page.locator("#host-apps a").evaluateAll(links =>
                    links.map(a => ({ href: a.getAttribute("href") ?? "", label: (a.textContent ?? "").trim() })));
                const labels = menu.map(m => m.label);
                assert.ok(labels.includes("Virtual machines") && labels.includes("Storage"), `Cockpit's own pages are in the menu: ${labels.join(", ")}`);
                assert.deepEqual(labels.filter((l, i) => labels.indexOf(l) !== i), [], `no label twice: ${labels.join(", ")}`);
                const ours = menu.flatMap((m, i) => m.href.startsWith("/debvisor/") ? [i] : []);
                assert.strictEqual(ours.length, Object.keys(MANIFEST.menu).length, "every DebVisor page has its entry");
                assert.strictEqual(ours[ours.length - 1] - ours[0] + 1, ours.length, `DebVisor's entries are next to each other: ${labels.join(", ")}`);
                const expected = Object.keys(MANIFEST.menu).map(name => `${name}: ${HEADINGS[name] ?? "(a page this test does not know)"}`);
                const shown: string[] = [];
                for (const name of Object.keys(MANIFEST.menu)) {
                    await session.page.locator(`#host-apps a[href="/debvisor/${name}"]`).click();
                    const frame = await pageFrame(session.page, `debvisor/${name}`);
                    const heading = frame.getByRole("heading", { level: 1 }).first();
                    await heading.waitFor({ timeout: 30_000 });
                    shown.push(`${name}: ${(await heading.textContent())?.trim()}`);
                    // the Overview read from debvisord on the node's bus
                    if (name === "overview")
                        await frame.getByRole("heading", { name: "Jobs" }).waitFor({ timeout: 30_000 });
                }
                assert.deepEqual(shown, expected, "every page opened from the menu shows its heading");
                // the scripts ship gzipped (debian/rules): Cockpit sends them so
                const loaded = [...new Set(scripts)].sort();
                for (const name of Object.keys(MANIFEST.menu))
                    assert.ok(loaded.some(l => l.startsWith(`${name}/${name}.js: `) || l.startsWith(`${name}.js: `)), `${name}'s script was loaded: ${loaded.join(", ")}`);
                assert.deepEqual(loaded.filter(l => !l.endsWith(": 200 gzip")), [], `every script of ours (pages and shared chunks) came gzipped: ${loaded.join(", ")}`);
                // (Cockpit's own shell may miss a file, e.g. a font on trixie: only DebVisor's pages are checked here)
                assert.deepEqual(session.consoleErrors.filter(e => e.includes("/debvisor/")), [], "no console errors on DebVisor's pages");
            } finally {
                await session.close();
            }
        });

        QUnit.test("the maintainer scripts keep an administrator's modes; purge removes the data and keeps the role groups", assert => {
            // an administrator closes the evidence bundles to root alone: configuring the package again keeps that
            // (the directories the unit names, such as LogsDirectory=, get the unit's modes from systemd at each start)
            const EVIDENCE = "/var/lib/debvisor/evidence";
            assert.strictEqual(node.mustExec(["stat", "-c", "%a %U %G", EVIDENCE]).trim(), "750 root debvisor-admin", "as installed");
            node.mustExec(["chmod", "0700", EVIDENCE]);
            node.mustExec(["chgrp", "root", EVIDENCE]);
            node.mustExec(["env", "DEBIAN_FRONTEND=noninteractive", "dpkg-reconfigure", "debvisord"], 120_000);
            assert.strictEqual(node.mustExec(["stat", "-c", "%a %U %G", EVIDENCE]).trim(), "700 root root", "the mode and group stay");

            node.mustExec(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "purge", "-y", "-q", "debvisor", "cockpit-debvisor", "debvisord"], 300_000);
            assert.strictEqual(node.exec(["test", "-e", "/var/log/debvisor"]).status, 1, "the audit log went with the purge");
            assert.strictEqual(node.exec(["test", "-e", "/var/lib/debvisor"]).status, 1, "the state went with the purge");
            assert.notStrictEqual(node.exec(["systemctl", "is-active", "debvisord.service"]).stdout.trim(), "active", "debvisord stopped");
            // system accounts stay, as Debian keeps them: files elsewhere may be theirs
            const accounts = ["debvisor-admin", "debvisor-operator", "debvisor-viewer"].map(g => `${g}: ${node.exec(["getent", "group", g]).status === 0 ? "kept" : "removed"}`);
            assert.deepEqual(accounts, ["debvisor-admin: kept", "debvisor-operator: kept", "debvisor-viewer: kept"]);
            assert.strictEqual(node.exec(["getent", "passwd", "debvisor-img"]).status, 0, "the user debvisor-img is kept");
        });
    });
}
