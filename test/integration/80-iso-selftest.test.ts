// The installer image's build script in selftest mode (checks + the real
// `lb config`, no image): what live-build wrote in build/iso-selftest/config for the
// default (trixie) and for bookworm — distribution, archive areas, mirror
// without its trailing slash, serial console on the kernel line, a boot menu
// that does not wait forever, the DebVisor packages in the package list —
// and bad settings refused with a clear message before anything is written;
// live-build's cache purged when the distribution changes.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CONFIG = path.join(ROOT, "build/iso-selftest/config");

function build(env: Record<string, string>) {
    const started = Date.now();
    const r = spawnSync("sh", ["iso/build"], {
        cwd: ROOT, encoding: "utf8", timeout: 120_000,
        env: { ...process.env, DEBVISOR_SELFTEST: "1", ...env },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

/* A variable as lb config wrote it in config/<file>, e.g. LB_DISTRIBUTION="trixie". */
function setting(file: string, name: string): string | undefined {
    const text = fs.readFileSync(path.join(CONFIG, file), "utf8");
    const m = new RegExp(`^${name}="(.*)"$`, "m").exec(text);
    return m?.[1];
}

function packageList(): string[] {
    return fs.readFileSync(path.join(CONFIG, "package-lists/debvisor.list.chroot"), "utf8")
        .split("\n").map(l => l.trim()).filter(l => l && !l.startsWith("#"));
}

/* Every file under build/iso-selftest/config with its size and mtime, to see that nothing was written. */
function snapshot(): string {
    if (!fs.existsSync(CONFIG))
        return "absent";
    const entries = fs.readdirSync(CONFIG, { recursive: true }) as string[];
    return entries.sort().map(e => {
        const st = fs.lstatSync(path.join(CONFIG, e));
        return `${e} ${st.size} ${st.mtimeMs}`;
    }).join("\n");
}

QUnit.module("iso: selftest (lb config)", () => {
    QUnit.test("default: trixie, amd64, the host's mirror, serial console, 5 s boot menu, DebVisor packages", assert => {
        const r = build({ DEBVISOR_DIST: "", DEBVISOR_ARCH: "", DEBVISOR_MIRROR: "", DEBVISOR_VERSION: "" });
        assert.strictEqual(r.status, 0, r.stderr);
        console.log(`# iso selftest: ${r.ms} ms`);
        const version = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
        assert.ok(r.stdout.includes(`debvisor-${version}-trixie-amd64.hybrid.iso`), r.stdout);

        assert.strictEqual(setting("bootstrap", "LB_DISTRIBUTION"), "trixie");
        assert.strictEqual(setting("bootstrap", "LB_ARCHITECTURE"), "amd64");
        assert.strictEqual(setting("bootstrap", "LB_ARCHIVE_AREAS"), "main contrib non-free-firmware");
        const mirror = setting("bootstrap", "LB_MIRROR_BOOTSTRAP") ?? "";
        assert.ok(/^https?:\/\/\S+[^/]$/.test(mirror), `host mirror ${mirror}`);
        assert.strictEqual(setting("common", "LB_IMAGE_NAME"), `debvisor-${version}-trixie`);

        const append = (setting("binary", "LB_BOOTAPPEND_LIVE") ?? "").split(/\s+/);
        assert.ok(append.includes("console=tty0"), append.join(" "));
        assert.ok(append.includes("console=ttyS0,115200n8"), append.join(" "));
        assert.ok(append.indexOf("console=tty0") < append.indexOf("console=ttyS0,115200n8"), "serial console last: it is /dev/console");

        const isolinux = fs.readFileSync(path.join(CONFIG, "bootloaders/isolinux/isolinux.cfg"), "utf8");
        const timeout = /^timeout\s+(\d+)\s*$/m.exec(isolinux);
        assert.ok(timeout && Number(timeout[1]) > 0, `isolinux timeout: ${timeout?.[1]}`);
        assert.ok(/^serial 0 115200\s*$/m.test(isolinux.split("\n")[0]), "serial directive first in isolinux.cfg");
        const grub = fs.readFileSync(path.join(CONFIG, "bootloaders/grub-pc/config.cfg"), "utf8");
        const grubTimeout = /^set timeout=(\d+)\s*$/m.exec(grub);
        assert.ok(grubTimeout && Number(grubTimeout[1]) > 0, `grub timeout: ${grubTimeout?.[1]}`);
        assert.ok(/^terminal_output .*serial/m.test(grub), "grub also on the serial line");

        assert.deepEqual(packageList().filter(p => p === "debvisord" || p === "cockpit-debvisor").sort(),
            ["cockpit-debvisor", "debvisord"]);
        assert.ok(fs.statSync(path.join(CONFIG, "packages.chroot")).isDirectory(), "local packages directory");
    });

    QUnit.test("bookworm, a mirror given with a trailing slash, no firmware", assert => {
        const r = build({ DEBVISOR_DIST: "bookworm", DEBVISOR_MIRROR: "http://mirror.example.org/debian//", DEBVISOR_FIRMWARE: "0" });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(setting("bootstrap", "LB_DISTRIBUTION"), "bookworm");
        assert.strictEqual(setting("bootstrap", "LB_ARCHIVE_AREAS"), "main contrib non-free-firmware");
        for (const [file, name] of [["bootstrap", "LB_MIRROR_BOOTSTRAP"], ["bootstrap", "LB_MIRROR_CHROOT"], ["bootstrap", "LB_MIRROR_BINARY"]])
            assert.strictEqual(setting(file, name), "http://mirror.example.org/debian", name);
        assert.strictEqual(setting("binary", "LB_FIRMWARE_CHROOT"), "false");
        assert.ok((setting("binary", "LB_BOOTAPPEND_LIVE") ?? "").includes("console=ttyS0,115200n8"));
        assert.ok(packageList().includes("debvisord") && packageList().includes("cockpit-debvisor"));
    });

    QUnit.test("bad settings are refused with a clear message before anything is written", assert => {
        const bad: Array<[Record<string, string>, RegExp]> = [
            [{ DEBVISOR_DIST: "sid" }, /DEBVISOR_DIST=sid is not supported; use trixie .* or bookworm/],
            [{ DEBVISOR_DIST: "../trixie" }, /DEBVISOR_DIST=\.\.\/trixie is not supported/],
            [{ DEBVISOR_ARCH: "i386" }, /DEBVISOR_ARCH=i386 is not supported; use amd64/],
            [{ DEBVISOR_ARCH: "amd64\narm64" }, /DEBVISOR_ARCH=amd64\narm64 is not supported/],
            [{ DEBVISOR_FIRMWARE: "yes" }, /DEBVISOR_FIRMWARE=yes is not valid; use 0 or 1/],
            [{ DEBVISOR_VERSION: "1.0 ; rm -rf /" }, /DEBVISOR_VERSION=.* is not valid/],
            [{ DEBVISOR_VERSION: "-rc1" }, /DEBVISOR_VERSION=-rc1 is not valid/],
            [{ DEBVISOR_MIRROR: "ftp://mirror.example.org/debian" }, /is not an http:\/\/, https:\/\/ or file:\/\/\/ URL/],
            [{ DEBVISOR_MIRROR: "http://mirror.example.org/deb ian" }, /contains characters not allowed/],
            [{ DEBVISOR_MIRROR: "http://mirror.example.org/\"debian" }, /contains characters not allowed/],
        ];
        const before = snapshot();
        for (const [env, message] of bad) {
            const r = build(env);
            assert.strictEqual(r.status, 1, JSON.stringify(env));
            assert.ok(message.test(r.stderr), `${JSON.stringify(env)}: ${r.stderr}`);
            assert.strictEqual(r.stdout, "", "no output but the error");
        }
        assert.strictEqual(snapshot(), before, "build/iso-selftest/config untouched");
    });

    QUnit.test("live-build's cache is kept for the same distribution and purged for another", assert => {
        const marker = path.join(ROOT, "build/iso-selftest/cache/debvisor-test-marker");
        assert.strictEqual(build({ DEBVISOR_DIST: "trixie" }).status, 0);
        fs.mkdirSync(path.dirname(marker), { recursive: true });
        fs.writeFileSync(marker, "trixie's cache\n");
        const same = build({ DEBVISOR_DIST: "trixie" });
        assert.strictEqual(same.status, 0, same.stderr);
        assert.true(fs.existsSync(marker), "the same distribution keeps its cache");
        const other = build({ DEBVISOR_DIST: "bookworm" });
        assert.strictEqual(other.status, 0, other.stderr);
        assert.true(other.stdout.includes("lb clean --purge"), other.stdout);
        assert.false(fs.existsSync(marker), "bookworm does not start from trixie's cache");
    });

    QUnit.test("arm64 is accepted with a warning that it is experimental", assert => {
        const r = build({ DEBVISOR_ARCH: "arm64" });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.ok(/warning: DEBVISOR_ARCH=arm64 is experimental/.test(r.stderr), r.stderr);
        assert.strictEqual(setting("bootstrap", "LB_ARCHITECTURE"), "arm64");
        assert.ok(r.stdout.includes("-trixie-arm64.hybrid.iso"), r.stdout);
    });
});
