// The whole path in a VM (npm run test:vm): the trixie installer image boots in
// QEMU (TCG, no KVM) with a blank 8 GiB disk, a small disk labelled DVANSWERS
// holding debvisor-answers.conf, and blank spare disks for the storage profile;
// the installer runs unattended and powers off; the installed disk boots on its
// own; then Playwright logs in to Cockpit (the guest's :9090 through a QEMU
// host forward on 127.0.0.1) as the admin from the answers and checks the
// DebVisor Overview: the chosen profile, and first boot finished where the node
// reports it; with Ceph in the profile, the cluster first boot created from
// the answers on the Cluster page and the Storage page's Ceph tab. Serial
// logs, screenshots and timings in build/vm-test/.
//
// Settings: DEBVISOR_VM_REBUILD=1 always builds the image; otherwise an image
// built from the same packages and image configuration is reused (a
// fingerprint of the .debs' contents and iso/ in build/vm-test/iso.stamp).
// DEBVISOR_VM_DEBS_BUILT=1 (npm test, which has just built them) skips
// `npm run deb`. DEBVISOR_VM_REUSE=1 uses whatever image build/iso holds (while working on the
// test itself; it says so). DEBVISOR_VM_INSTALL_TIMEOUT / _BOOT_TIMEOUT / _FIRSTBOOT_TIMEOUT:
// minutes (60 / 45 / 25; the last bounds first boot from power-on to its end on the Overview).
// DEBVISOR_VM_PROFILE: zfs (one spare disk), ceph (one) or mixed (two: one
// for tank, one OSD); DEBVISOR_VM_DIST: trixie or bookworm.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import https from "node:https";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const OUT = path.join(ROOT, "build/vm-test");
const DIST = oneOf("DEBVISOR_VM_DIST", ["trixie", "bookworm"]);
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const ISO = path.join(ROOT, `build/iso/debvisor-${VERSION}-${DIST}-amd64.hybrid.iso`);
const ADMIN = "dvadmin";
const PROFILE = oneOf("DEBVISOR_VM_PROFILE", ["zfs", "ceph", "mixed"]);
// what the Overview's host facts say for it, and the spare disks it gets
const PROFILE_TEXT = { zfs: "ZFS: spare disks form the pool tank", ceph: "Ceph: every spare disk is an OSD", mixed: "Mixed: Ceph and ZFS" }[PROFILE];
const SPARES = PROFILE === "mixed" ? ["spare.qcow2", "spare2.qcow2"] : ["spare.qcow2"];
// Ceph's monitor, manager and OSD (its cache at 1 GiB) want more than the 2 GiB a zfs node is fine with
const MEMORY_MIB = PROFILE === "zfs" ? 2048 : 4096;
// TCG's default CPU model lacks instructions trixie's Ceph daemons use (ceph-mon dies with SIGILL); "max" has
// them, but a guest kernel under TCG with "max" once died patching its own code (an int3 oops): only for Ceph
const CPU = PROFILE === "zfs" ? [] : ["-cpu", "max"];
// a cluster runs Ceph's monitor and manager on every node, so only where the CPU model lets Ceph run
const CREATES_CLUSTER = PROFILE !== "zfs";
const minutes = (name: string, def: number) => Number(process.env[name] || def) * 60_000;
const INSTALL_TIMEOUT = minutes("DEBVISOR_VM_INSTALL_TIMEOUT", 60);
const BOOT_TIMEOUT = minutes("DEBVISOR_VM_BOOT_TIMEOUT", 45);
const FIRSTBOOT_TIMEOUT = minutes("DEBVISOR_VM_FIRSTBOOT_TIMEOUT", 25);

function oneOf<T extends string>(name: string, values: readonly T[]): T {
    const v = process.env[name] || values[0];
    if (!(values as readonly string[]).includes(v))
        throw new Error(`${name} must be one of ${values.join(", ")}, not ${JSON.stringify(v)}`);
    return v as T;
}

const timings: Record<string, number | string> = { dist: DIST, profile: PROFILE };
// the serial log of the VM running now: its end is printed when the test fails (CI keeps no files)
let currentSerial: string | null = null;
const started = Date.now();
const children: ChildProcess[] = [];

function say(line: string): void {
    process.stdout.write(`vm-test ${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

function must(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; inherit?: boolean } = {}): string {
    const r = spawnSync(cmd, args, {
        cwd: ROOT, encoding: "utf8", env: opts.env ?? process.env, input: opts.input, timeout: 3 * 3600_000,
        stdio: opts.inherit ? ["ignore", "inherit", "inherit"] : ["pipe", "pipe", "pipe"],
    });
    if (r.status !== 0)
        throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr ?? ""}`);
    return r.stdout ?? "";
}

const seconds = (ms: number) => Math.round(ms / 1000);

/* The image's inputs: what the packages contain (their md5sums and control) and iso/. */
function fingerprint(): string {
    const h = crypto.createHash("sha256");
    h.update(DIST);
    for (const deb of fs.readdirSync(path.join(ROOT, "build/debs")).filter(f => f.endsWith(".deb")).sort()) {
        h.update(deb);
        h.update(must("dpkg-deb", ["-I", path.join(ROOT, "build/debs", deb), "control", "md5sums"]));
    }
    const walk = (dir: string): void => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const p = path.join(dir, e.name);
            if (e.isDirectory())
                walk(p);
            else {
                h.update(path.relative(ROOT, p));
                h.update(fs.readFileSync(p));
            }
        }
    };
    walk(path.join(ROOT, "iso"));
    return h.digest("hex");
}

function buildImage(): void {
    if (process.env.DEBVISOR_VM_REUSE === "1" && fs.existsSync(ISO)) {
        say(`DEBVISOR_VM_REUSE=1: using ${path.relative(ROOT, ISO)} as it is, whatever it was built from`);
        timings.isoBuild = "reused as it is (DEBVISOR_VM_REUSE=1)";
        timings.isoMiB = Math.round(fs.statSync(ISO).size / 1024 / 1024);
        return;
    }
    if (process.env.DEBVISOR_VM_DEBS_BUILT === "1") {
        say("the .debs in build/debs were built by npm test just before");
    } else {
        say("npm run deb");
        must("npm", ["run", "deb"], { inherit: true });
    }
    const stamp = path.join(OUT, "iso.stamp");
    const want = fingerprint();
    if (process.env.DEBVISOR_VM_REBUILD !== "1" && fs.existsSync(ISO) && fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === want) {
        say(`reusing ${path.relative(ROOT, ISO)}: built from the same packages and iso/ configuration`);
        timings.isoBuild = "reused";
    } else {
        say("building the image (npm run iso, trixie, no firmware, zstd)");
        const t = Date.now();
        fs.rmSync(stamp, { force: true });
        must("sh", ["iso/build"], {
            inherit: true,
            env: { ...process.env, DEBVISOR_DIST: DIST, DEBVISOR_FIRMWARE: "0", DEBVISOR_COMPRESSION: "zstd", DEBVISOR_FAST: "0", DEBVISOR_SELFTEST: "0" },
        });
        timings.isoBuildSeconds = seconds(Date.now() - t);
        fs.writeFileSync(stamp, want);
    }
    timings.isoMiB = Math.round(fs.statSync(ISO).size / 1024 / 1024);
}

function makeDisks(password: string): void {
    for (const f of ["target.qcow2", "spare.qcow2", "spare2.qcow2", "answers.img"])
        fs.rmSync(path.join(OUT, f), { force: true });
    must("qemu-img", ["create", "-q", "-f", "qcow2", path.join(OUT, "target.qcow2"), "8G"]);
    for (const spare of SPARES)
        must("qemu-img", ["create", "-q", "-f", "qcow2", path.join(OUT, spare), "4G"]);
    const hash = must("openssl", ["passwd", "-6", "-stdin"], { input: `${password}\n` }).trim();
    const rootHash = must("openssl", ["passwd", "-6", "-stdin"], { input: `${crypto.randomBytes(12).toString("base64url")}\n` }).trim();
    const answers = [
        "# debvisor-answers.conf for the VM test",
        "locale=en_US.UTF-8", "timezone=Europe/Berlin", "hostname=dvtest.example.org", "disk=/dev/vda",
        `root-password-hash=${rootHash}`, `admin-user=${ADMIN}`, `admin-password-hash=${hash}`,
        // with Ceph in the profile, first boot makes the node the first member of a new cluster before applying it
        `profile=${PROFILE}`, "network=dhcp", "finish=poweroff", `cluster=${CREATES_CLUSTER ? "create" : "none"}`, "",
    ].join("\n");
    const conf = path.join(OUT, "debvisor-answers.conf");
    fs.writeFileSync(conf, answers, { mode: 0o600 });
    // a FAT disk made without mounting: mkfs.vfat on a file, mcopy into it
    const img = path.join(OUT, "answers.img");
    must("mkfs.vfat", ["-n", "DVANSWERS", "-C", img, "8192"]);
    must("mcopy", ["-i", img, conf, "::debvisor-answers.conf"], { env: { ...process.env, MTOOLS_SKIP_CHECK: "1" } });
}

/* QEMU under TCG; the serial console to a file; stopped by its PID at the end. */
function qemu(name: string, args: string[]): { proc: ChildProcess; serial: string; exited: Promise<number | null> } {
    const serial = path.join(OUT, `${name}-serial.log`);
    fs.rmSync(serial, { force: true });
    const proc = spawn("qemu-system-x86_64", [
        "-machine", "pc,accel=tcg", ...CPU, "-m", String(MEMORY_MIB), "-smp", "2", "-display", "none", "-monitor", "none",
        "-serial", `file:${serial}`, "-no-reboot", ...args,
    ], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(proc);
    currentSerial = serial;
    const errors: string[] = [];
    proc.stderr?.on("data", d => errors.push(String(d)));
    const exited = new Promise<number | null>(resolve => proc.on("exit", code => {
        if (code)
            say(`${name}: qemu exited ${code}: ${errors.join("").slice(-500)}`);
        resolve(code);
    }));
    say(`${name}: qemu pid ${proc.pid}`);
    return { proc, serial, exited };
}

function readLog(file: string): string {
    try {
        return fs.readFileSync(file, "latin1");
    } catch {
        return "";
    }
}

/* Polls until test() is true, the deadline passes (error) or stop() is true (error). */
async function until(what: string, ms: number, test: () => boolean | Promise<boolean>, stop?: () => string | null): Promise<number> {
    const t = Date.now();
    const end = t + ms;
    while (Date.now() < end) {
        if (await test())
            return Date.now() - t;
        const why = stop?.();
        if (why)
            throw new Error(`${what}: ${why}`);
        await new Promise(r => setTimeout(r, 2000));
    }
    throw new Error(`${what}: not within ${seconds(ms)} s`);
}

function tail(file: string, lines = 40): string {
    return readLog(file).split("\n").slice(-lines).join("\n");
}

/* First boot's own lines on the serial console, without their prefix. */
function firstBootLines(serial: string): string[] {
    return readLog(serial).split("\n").filter(l => l.includes("debvisor-firstboot[")).map(l => l.replace(/^.*?debvisor-firstboot\[\d+\]: /, ""));
}

function spareDrives(): string[] {
    return SPARES.flatMap(f => ["-drive", `file=${path.join(OUT, f)},if=virtio,format=qcow2`]);
}

async function install(): Promise<void> {
    const vm = qemu("install", [
        "-cdrom", ISO, "-boot", "d",
        "-drive", `file=${path.join(OUT, "target.qcow2")},if=virtio,format=qcow2`,
        "-drive", `file=${path.join(OUT, "answers.img")},if=virtio,format=raw,readonly=on`,
        ...spareDrives(),
        "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0",
    ]);
    let exit: number | null | undefined;
    void vm.exited.then(c => { exit = c; });
    const gone = () => exit !== undefined ? `qemu exited (${exit}) early; the serial log ends:\n${tail(vm.serial)}` : null;
    timings.bootToInstallerSeconds = seconds(await until("the live system starts the installer", BOOT_TIMEOUT,
        () => readLog(vm.serial).includes("DebVisor installer: unattended"), gone));
    say(`installer started after ${timings.bootToInstallerSeconds} s`);
    const t = Date.now();
    await until("the installation", INSTALL_TIMEOUT, () => /DEBVISOR-INSTALL: (DONE|FAILED)/.test(readLog(vm.serial)) || /nothing was written/.test(readLog(vm.serial)), gone);
    const log = readLog(vm.serial);
    if (!log.includes("DEBVISOR-INSTALL: DONE"))
        throw new Error(`the installation failed; the serial log ends:\n${tail(vm.serial)}`);
    timings.installSeconds = seconds(Date.now() - t);
    say(`installed in ${timings.installSeconds} s; waiting for the power-off`);
    await until("the power-off after installing", 10 * 60_000, () => exit !== undefined);
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
        s.on("error", reject);
    });
}

async function cockpitAnswers(port: number): Promise<boolean> {
    try {
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(), 10_000);
        const res = await fetch(`http://127.0.0.1:${port}/cockpit/login`, { signal: ac.signal, redirect: "manual" }).finally(() => clearTimeout(timer));
        return res.status > 0 && res.status < 500;
    } catch {
        return false;
    }
}

/* GET over HTTPS that accepts Cockpit's own certificate (only ever 127.0.0.1 here). */
function fetchInsecure(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    return new Promise(resolve => {
        const req = https.get(url, { headers, rejectUnauthorized: false, timeout: 300_000 }, res => {
            let body = "";
            res.on("data", d => { body += String(d); });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("timeout", () => req.destroy(new Error("timed out")));
        req.on("error", e => resolve({ status: 0, body: e.message }));
    });
}

/* What a guest kernel prints as it dies. */
const KERNEL_DIED = /Kernel panic - not syncing/;

async function firstBoot(password: string): Promise<void> {
    const port = await freePort();
    let bootStarted = Date.now();
    const boot = () => qemu("firstboot", [
        "-boot", "c",
        "-drive", `file=${path.join(OUT, "target.qcow2")},if=virtio,format=qcow2`,
        ...spareDrives(),
        "-netdev", `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:9090`, "-device", "virtio-net-pci,netdev=n0",
    ]);
    let vm = boot();
    let exit: number | null | undefined;
    void vm.exited.then(c => { exit = c; });
    const gone = () => exit !== undefined ? `qemu exited (${exit}); the serial log ends:\n${tail(vm.serial)}`
        : KERNEL_DIED.test(readLog(vm.serial)) ? `the guest's kernel died; the serial log ends:\n${tail(vm.serial)}` : null;
    try {
        timings.installedBootToLoginSeconds = seconds(await until("the installed system's login prompt", BOOT_TIMEOUT,
            () => / login: /.test(readLog(vm.serial)), gone));
    } catch (e) {
        // the guest kernel under TCG (two vCPUs) now and then dies patching its own code ("Oops: int3"):
        // not the node's fault, so the installed disk is booted once more, and the first console kept
        if (!KERNEL_DIED.test(readLog(vm.serial)))
            throw e;
        fs.copyFileSync(vm.serial, path.join(OUT, "firstboot-died-serial.log"));
        say("the guest's kernel died before its login prompt (build/vm-test/firstboot-died-serial.log); booting the installed disk again, once");
        vm.proc.kill("SIGKILL");
        await vm.exited;
        exit = undefined;
        bootStarted = Date.now();
        vm = boot();
        void vm.exited.then(c => { exit = c; });
        timings.guestKernelDiedOnce = "yes";
        timings.installedBootToLoginSeconds = seconds(await until("the installed system's login prompt", BOOT_TIMEOUT,
            () => / login: /.test(readLog(vm.serial)), gone));
    }
    say(`installed system at its login prompt after ${timings.installedBootToLoginSeconds} s`);
    const installLog = readLog(path.join(OUT, "install-serial.log"));
    const hasFirstboot = installLog.includes("systemctl enable debvisor-firstboot.service") &&
        !/debvisor-firstboot\.service (is not in the installed system|could not be enabled)|enabling debvisor-firstboot\.service failed/.test(installLog);
    timings.firstbootUnit = hasFirstboot ? "enabled" : "absent";
    timings.cockpitAfterLoginPromptSeconds = seconds(await until("Cockpit on the guest's :9090", BOOT_TIMEOUT, () => cockpitAnswers(port), gone));
    say(`Cockpit answers (${timings.cockpitAfterLoginPromptSeconds} s after the login prompt)`);
    // one deadline for first boot, from power-on to its end on the Overview: a first boot that hangs
    // fails the test with what the node said, within CI's time
    const firstBootDeadline = bootStarted + FIRSTBOOT_TIMEOUT;
    if (hasFirstboot) {
        // first boot's own lines on the console: its end, before logging in (under emulation a node busy
        // making its storage answers a login slower than cockpit-ws's 30 s authentication timeout). The end
        // is matched loosely: a kernel message may split a console line. Not seen in time: the Overview,
        // after the login, says how first boot stands.
        const ended = () => /first boot finished at|debvisor-firstboot\[\d+\]: \[\w+\] failed: |debvisor-firstboot: the step .* failed|Failed to start debvisor-firstboot/.test(readLog(vm.serial));
        try {
            await until("first boot's end on the console", firstBootDeadline - Date.now(), ended, gone);
            timings.firstBootEndOnConsoleSeconds = seconds(Date.now() - bootStarted);
            say(`first boot ended on the console ${timings.firstBootEndOnConsoleSeconds} s after power on: ${firstBootLines(vm.serial).slice(-1)[0] ?? ""}`);
        } catch (e) {
            if (gone())
                throw e;
            timings.firstBootEndOnConsole = "not seen";
            say(`${(e as Error).message}; its last lines on the console:\n${firstBootLines(vm.serial).slice(-15).join("\n")}\n` +
                "logging in to read first boot's state on the Overview");
        }
    }

    // the login itself, without a browser: Cockpit answers 200 to good credentials, 401 otherwise
    const auth = Buffer.from(`${ADMIN}:${password}`).toString("base64");
    // under emulation the first session (PAM, the bridge) can take longer than cockpit-ws's 30 s
    // authentication timeout: a few tries, until the login answers 200
    const t0 = Date.now();
    const answers: string[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
        const t = Date.now();
        const login = await fetchInsecure(`https://127.0.0.1:${port}/cockpit/login`, { authorization: `Basic ${auth}` });
        answers.push(`HTTP ${login.status} after ${seconds(Date.now() - t)} s${login.status === 200 ? "" : ` (${login.body.slice(0, 120).replace(/\s+/g, " ")})`}`);
        say(`Cockpit login as ${ADMIN}, try ${attempt}: ${answers.at(-1)}`);
        if (login.status === 200)
            break;
        if (attempt === 5)
            throw new Error(`Cockpit did not log ${ADMIN} in: ${answers.join("; ")}`);
    }
    timings.cockpitLogin = answers.join("; ");
    timings.cockpitLoginSeconds = seconds(Date.now() - t0);

    const profileDir = fs.mkdtempSync(path.join(OUT, "chromium-"));
    const context = await chromium.launchPersistentContext(profileDir, {
        executablePath: "/usr/bin/chromium",
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        viewport: { width: 1400, height: 1000 }, ignoreHTTPSErrors: true, timeout: 60_000,
    });
    const page = context.pages()[0] ?? await context.newPage();
    try {
        page.setDefaultTimeout(120_000);
        // from the guest's view the browser is not local: Cockpit sends it to HTTPS (its own certificate)
        for (let attempt = 1; ; attempt++) {
            await page.goto(`http://127.0.0.1:${port}/`);
            await page.fill("#login-user-input", ADMIN);
            await page.fill("#login-password-input", password);
            await page.click("#login-button");
            try {
                await page.waitForSelector("iframe.container-frame", { state: "attached", timeout: 120_000 });
                break;
            } catch (e) {
                await page.screenshot({ path: path.join(OUT, `login-try-${attempt}.png`) }).catch(() => undefined);
                if (attempt === 3)
                    throw e;
                say(`browser login, try ${attempt}: no shell after 120 s; again`);
            }
        }
        await page.screenshot({ path: path.join(OUT, "cockpit-after-login.png") });
        await page.goto(`${new URL(page.url()).origin}/debvisor/overview`);
        const handle = await page.waitForSelector("iframe[name='cockpit1:localhost/debvisor/overview'][data-loaded]", { state: "attached", timeout: 180_000 });
        const frame = await handle.contentFrame();
        if (!frame)
            throw new Error("no frame for the DebVisor overview");
        const facts = frame.locator("[aria-label='Host facts']");
        await facts.waitFor({ timeout: 180_000 });
        const t = Date.now();
        // first boot, where the node has it, finishes before the overview shows its end; bounded
        await until("the Overview shows the profile", BOOT_TIMEOUT, async () => (await facts.innerText()).includes(PROFILE_TEXT));
        timings.profileShownAfterLoginSeconds = seconds(Date.now() - t);
        await page.screenshot({ path: path.join(OUT, "overview.png"), fullPage: true });
        const text = await facts.innerText();
        say(`Overview host facts: ${text.replace(/\s+/g, " ")}`);
        if (!text.includes("dvtest"))
            throw new Error(`the Overview does not show the host name dvtest: ${text}`);
        if (hasFirstboot) {
            // Manager.FirstBoot on the Overview: finished, or failed with the step's error
            const card = frame.locator("#debvisor-firstboot-finished");
            const overviewText = async () => (await frame.locator("body").innerText()).slice(0, 2000);
            await until("first boot finished on the Overview", Math.max(firstBootDeadline - Date.now(), 60_000), async () => {
                if (await card.count() > 0)
                    return true;
                const failed = await frame.getByText(/First boot failed/).count() > 0;
                if (failed) {
                    await page.screenshot({ path: path.join(OUT, "overview-firstboot-failed.png"), fullPage: true });
                    throw new Error(`first boot failed: ${await overviewText()}`);
                }
                return false;
            }).catch(async (e: Error) => {
                await page.screenshot({ path: path.join(OUT, "overview-firstboot-unfinished.png"), fullPage: true }).catch(() => undefined);
                throw new Error(`${e.message}; the Overview says: ${await overviewText().catch(() => "(unreadable)")}`);
            });
            timings.firstBootFinishedAfterInstalledBootSeconds = seconds(Date.now() - bootStarted);
            timings.firstBootOnOverview = await card.innerText();
            await page.screenshot({ path: path.join(OUT, "overview-firstboot.png"), fullPage: true });
            if (PROFILE !== "ceph")
                await openZfsOnNode(frame);
            if (PROFILE === "zfs")
                await zvolDiskOnNode(frame);
            if (CREATES_CLUSTER)
                await clusterPage(page);
            if (PROFILE !== "zfs")
                await cephOnStoragePage(page);
        } else {
            timings.firstBootOnOverview = "no debvisor-firstboot.service in this build: not checked";
        }
    } catch (e) {
        await page.screenshot({ path: path.join(OUT, "failure.png"), fullPage: true }).catch(() => undefined);
        throw e;
    } finally {
        await context.close().catch(() => undefined);
        fs.rmSync(profileDir, { recursive: true, force: true });
    }
}

/* A DebVisor page in the logged-in shell: its frame once the page has loaded. */
async function openPage(page: import("playwright-core").Page, name: string): Promise<import("playwright-core").Frame> {
    await page.goto(`${new URL(page.url()).origin}/debvisor/${name}`);
    const handle = await page.waitForSelector(`iframe[name='cockpit1:localhost/debvisor/${name}'][data-loaded]`, { state: "attached", timeout: 180_000 });
    const frame = await handle.contentFrame();
    if (!frame)
        throw new Error(`no frame for the DebVisor ${name} page`);
    return frame;
}

/* The cluster first boot created from the answers: the Cluster page lists this node, up, on its address. */
async function clusterPage(page: import("playwright-core").Page): Promise<void> {
    const frame = await openPage(page, "cluster");
    const row = frame.locator("tr[data-node='dvtest'][data-health='up']");
    await row.waitFor({ timeout: 180_000 }).catch(async (e: Error) => {
        await page.screenshot({ path: path.join(OUT, "cluster-missing.png"), fullPage: true }).catch(() => undefined);
        throw new Error(`the Cluster page does not list this node up: ${e.message}; it says: ${(await frame.locator("body").innerText()).slice(0, 1000)}`);
    });
    timings.clusterPage = (await row.innerText()).replace(/\s+/g, " ").slice(0, 200);
    await page.screenshot({ path: path.join(OUT, "cluster.png"), fullPage: true });
}

/* A command on the node, as the admin logged in to Cockpit (the page's own channel, cockpit.spawn); its stdout. */
async function onNode(frame: import("playwright-core").Frame, argv: string[]): Promise<string> {
    return frame.evaluate(async args => {
        const c = (window as unknown as { cockpit: { spawn(a: string[], o: object): Promise<string> } }).cockpit;
        try {
            return await c.spawn(args, { err: "message" });
        } catch (e) {
            throw new Error(`${args.join(" ")}: ${(e as { message?: string }).message ?? String(e)}`);
        }
    }, argv);
}

/* A DebVisor method called as the page calls it (cockpit.dbus on the system bus). */
async function onBus(frame: import("playwright-core").Frame, path: string, iface: string, method: string, type: string, args: unknown[]): Promise<unknown[]> {
    return frame.evaluate(async ([p, i, m, t, a]) => {
        const c = (window as unknown as { cockpit: { dbus(n: string, o: object): { call(p: string, i: string, m: string, a: unknown[], o: object): Promise<unknown[]>; close(): void } } }).cockpit;
        const client = c.dbus("org.debvisor.DebVisor1", { bus: "system" });
        try {
            return await client.call(p, i, m, a, { type: t });
        } catch (e) {
            throw new Error(`${m}: ${(e as { message?: string }).message ?? String(e)}`);
        } finally {
            client.close();
        }
    }, [path, iface, method, type, args] as [string, string, string, string, unknown[]]);
}

/* The zfs profile on OpenZFS for real: the kernel module loaded, the pool tank with lz4, a zvol made
 * through DebVisor, and DebVisor's ZFS objects (read with debvisorctl from the bus) equal to what the
 * real tools print with -p and -j: the daemon's parsers on real output, not on recorded samples. */
async function openZfsOnNode(frame: import("playwright-core").Frame): Promise<void> {
    const problems: string[] = [];
    const check = (ok: boolean, what: string) => { if (!ok) problems.push(what); };
    const modules = await onNode(frame, ["cat", "/proc/modules"]);
    check(/^zfs /m.test(modules), "the zfs kernel module is not loaded");
    const moduleVersion = (await onNode(frame, ["cat", "/sys/module/zfs/version"]).catch(() => "")).trim();
    const version = (await onNode(frame, ["zfs", "version"])).trim().replace(/\s+/g, " ");
    const get = async (tool: "zpool" | "zfs", props: string, name: string) =>
        (await onNode(frame, [tool, "get", "-Hp", "-o", "property,value", props, name])).trim().split("\n")
            .reduce<Record<string, string>>((o, l) => { const [k, v] = l.split("\t"); o[k] = v; return o; }, {});
    const tank = await get("zfs", "compression,mountpoint", "tank");
    check(tank.compression === "lz4", `tank's compression is ${tank.compression}, not lz4`);
    const vm = await get("zfs", "compression,mountpoint", "tank/vm").catch(e => ({ error: (e as Error).message }) as Record<string, string>);
    check(vm.compression === "lz4", `tank/vm (the VM disks' dataset) has compression ${vm.compression ?? vm.error}, not lz4`);

    // a zvol through DebVisor's own method, as the Storage page makes one
    const zvol = "tank/vm-test-zvol";
    const [zvolPath] = await onBus(frame, "/org/debvisor/DebVisor1/zfs", "org.debvisor.DebVisor1.ZfsManager", "CreateVolume", "sta{sv}",
        [zvol, 64 * 1024 * 1024, {}]);
    const volume = await get("zfs", "type,volsize,compression", zvol);
    check(volume.type === "volume" && volume.volsize === String(64 * 1024 * 1024), `${zvol}: ${JSON.stringify(volume)}`);
    check(volume.compression === "lz4", `${zvol} has compression ${volume.compression}, not lz4`);
    let device = "";
    await until(`the block device of ${zvol}`, 60_000, async () => {
        device = (await onNode(frame, ["readlink", "-f", `/dev/zvol/${zvol}`]).catch(() => "")).trim();
        return /^\/dev\/zd\d+$/.test(device);
    }).catch(() => problems.push(`no block device /dev/zvol/${zvol}`));

    // DebVisor's objects (debvisorctl reads them from the bus) against the real tools' exact numbers
    type Obj = Record<string, unknown>;
    const pools = JSON.parse(await onNode(frame, ["debvisorctl", "zfs", "pools", "--json"])) as Obj[];
    const poolObj = pools.find(p => p.Name === "tank");
    const real = await get("zpool", "size,allocated,free,health", "tank");
    check(poolObj !== undefined, "debvisorctl zfs pools does not list tank");
    if (poolObj) {
        check(String(poolObj.Size) === real.size, `tank's Size on the bus ${String(poolObj.Size)}, zpool get -Hp size ${real.size}`);
        check(poolObj.SizesExact === true, "tank's sizes on the bus are not exact (-p was not used)");
        check(poolObj.Health === real.health, `tank's Health on the bus ${String(poolObj.Health)}, zpool ${real.health}`);
        // allocated moves with every transaction group: equal within 1 % of the pool
        const near = (a: unknown, b: string) => Math.abs(Number(a) - Number(b)) <= Number(real.size) / 100;
        check(near(poolObj.Allocated, real.allocated) && near(poolObj.Free, real.free),
            `tank's Allocated/Free on the bus ${String(poolObj.Allocated)}/${String(poolObj.Free)}, zpool ${real.allocated}/${real.free}`);
    }
    const datasets = JSON.parse(await onNode(frame, ["debvisorctl", "zfs", "datasets", "--json"])) as Obj[];
    const listed = JSON.parse(await onNode(frame, ["zfs", "list", "-j", "--json-int", "-t", "filesystem,volume", "-o", "name,type,compression,quota,volsize"])) as
        { datasets: Record<string, { type: string; properties: Record<string, { value: string | number }> }> };
    const realNames = Object.keys(listed.datasets).sort();
    const busNames = datasets.map(d => String(d.Name)).sort();
    check(JSON.stringify(realNames) === JSON.stringify(busNames), `datasets on the bus ${busNames.join(" ")}, zfs list -j ${realNames.join(" ")}`);
    for (const d of datasets) {
        const r = listed.datasets[String(d.Name)];
        if (!r)
            continue;
        check(String(d.Type).toLowerCase() === r.type.toLowerCase(), `${String(d.Name)}: Type ${String(d.Type)} on the bus, ${r.type} from zfs list -j`);
        check(String(d.Compression) === String(r.properties.compression?.value), `${String(d.Name)}: Compression ${String(d.Compression)} on the bus, ${String(r.properties.compression?.value)} from zfs list -j`);
    }
    const implementation = await onBus(frame, "/org/debvisor/DebVisor1/zfs", "org.freedesktop.DBus.Properties", "Get", "ss",
        ["org.debvisor.DebVisor1.ZfsManager", "Implementation"]) as [{ v: string }];
    check(implementation[0]?.v === "openzfs", `ZfsManager.Implementation is ${JSON.stringify(implementation[0])}, not openzfs`);
    timings.openzfs = `module ${moduleVersion || "?"}; ${version}; tank ${tank.compression}, tank/vm ${vm.compression ?? "?"}; ` +
        `zvol ${zvol} (${String(zvolPath)}) on ${device || "?"}; bus vs tools: ${pools.length} pool(s), ${datasets.length} dataset(s)`;
    say(`OpenZFS on the node: ${timings.openzfs}`);
    if (problems.length > 0)
        throw new Error(`OpenZFS on the node: ${problems.join("; ")}`);
}

/* A machine with a zvol disk, through the bus as the page and debvisorctl make one: its definition
 * names the zvol's block device, qemu opens it (the machine runs: no OS needed), and deleting the
 * machine with its disks destroys the zvol. */
async function zvolDiskOnNode(frame: import("playwright-core").Frame): Promise<void> {
    const name = "zvol-test";
    const MIB = 1024 * 1024;
    const [machine] = await onBus(frame, "/org/debvisor/DebVisor1/manager", "org.debvisor.DebVisor1.Manager", "CreateMachine", "sa{sv}", [name, {
        source: { t: "s", v: "empty" }, "disk-size": { t: "t", v: 16 * MIB }, "memory-mib": { t: "t", v: 64 }, network: { t: "s", v: "none" },
    }]) as [string];
    const iface = "org.debvisor.DebVisor1.Machine";
    const property = async (prop: string) =>
        ((await onBus(frame, machine, "org.freedesktop.DBus.Properties", "Get", "ss", [iface, prop])) as [{ v: unknown }])[0].v;
    const [target] = await onBus(frame, machine, iface, "AttachDisk", "ta{sv}", [64 * MIB, { kind: { t: "s", v: "zvol" } }]) as [string];
    const zvol = `tank/vm/${name}-${target}`;
    type Disk = Record<string, { v: unknown }>;
    const disk = (await property("Disks") as Disk[]).find(d => d.Target?.v === target);
    if (disk?.Type?.v !== "block" || disk.Source?.v !== `/dev/zvol/${zvol}` || disk.Format?.v !== "raw")
        throw new Error(`the zvol disk ${target} in ${name}'s definition: ${JSON.stringify(disk)}`);
    const volume = (await onNode(frame, ["zfs", "get", "-Hp", "-o", "value", "type", zvol])).trim();
    const device = (await onNode(frame, ["readlink", "-f", `/dev/zvol/${zvol}`])).trim();
    if (volume !== "volume" || !/^\/dev\/zd\d+$/.test(device))
        throw new Error(`${zvol}: type ${volume}, device ${device}`);
    // qemu refuses to start when it cannot open a disk: running means it opened the zvol
    await onBus(frame, machine, iface, "Start", "a{sv}", [{}]);
    await until(`${name} with its zvol disk running`, 120_000, async () => await property("State") === "running");
    await onBus(frame, machine, iface, "ForceOff", "a{sv}", [{}]);
    await until(`${name} off`, 60_000, async () => await property("State") === "shutoff");
    await onBus(frame, machine, iface, "Delete", "a{sv}", [{ "delete-disks": { t: "b", v: true } }]);
    const left = (await onNode(frame, ["zfs", "list", "-H", "-o", "name", "-r", "tank/vm"])).split("\n").filter(l => l.startsWith(`tank/vm/${name}`));
    if (left.length > 0)
        throw new Error(`deleting ${name} with its disks left ${left.join(" ")}`);
    timings.zvolDisk = `${name}: ${target} on ${zvol} (${device}), ran, deleted with its disks, zvol gone`;
    say(`zvol disk on the node: ${timings.zvolDisk}`);
}

/* The node's own cluster on the Storage page's Ceph tab: reachable, its health and OSDs shown. */
async function cephOnStoragePage(page: import("playwright-core").Page): Promise<void> {
    const frame = await openPage(page, "storage");
    await frame.getByRole("tab", { name: "Ceph" }).click();
    await frame.locator("[data-ceph-state='reachable']").waitFor({ timeout: 180_000 });
    const cluster = frame.locator("[aria-label='Cluster']");
    await cluster.waitFor({ timeout: 60_000 });
    const osds = frame.locator("table[aria-label='OSDs'] tbody tr");
    await until("the OSD on the Ceph tab", 5 * 60_000, async () => await osds.count() > 0);
    timings.cephOnStoragePage = `${(await cluster.innerText()).replace(/\s+/g, " ").slice(0, 300)}; ${await osds.count()} OSD row(s)`;
    await page.screenshot({ path: path.join(OUT, "storage-ceph.png"), fullPage: true });
}

function stopAll(): void {
    for (const c of children) {
        if (c.exitCode === null && c.signalCode === null && c.pid) {
            say(`stopping qemu pid ${c.pid}`);
            try {
                process.kill(c.pid, "SIGTERM");
            } catch { /* gone */ }
        }
    }
}

async function main(): Promise<number> {
    fs.mkdirSync(OUT, { recursive: true });
    const skipInstall = process.env.DEBVISOR_VM_SKIP_INSTALL === "1";
    const passwordFile = path.join(OUT, "admin-password");
    let password = `Dv-${crypto.randomBytes(9).toString("base64url")}`;
    try {
        if (skipInstall) {
            password = fs.readFileSync(passwordFile, "utf8").trim();
            say("DEBVISOR_VM_SKIP_INSTALL=1: booting the disk the previous run installed");
            timings.install = "skipped (DEBVISOR_VM_SKIP_INSTALL=1)";
        } else {
            buildImage();
            fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
            makeDisks(password);
            await install();
        }
        await firstBoot(password);
        timings.totalSeconds = seconds(Date.now() - started);
        say(`PASS ${JSON.stringify(timings)}`);
        return 0;
    } catch (e) {
        timings.totalSeconds = seconds(Date.now() - started);
        say(`FAIL ${(e as Error).message}`);
        say(`timings so far ${JSON.stringify(timings)}`);
        if (currentSerial)
            say(`the serial console of ${path.basename(currentSerial)} ends:\n${tail(currentSerial, 80)}`);
        return 1;
    } finally {
        fs.writeFileSync(path.join(OUT, "timings.json"), `${JSON.stringify(timings, null, 2)}\n`);
        stopAll();
        // bounded wait for the QEMU processes to go, then the hard way, by PID
        const end = Date.now() + 20_000;
        while (children.some(c => c.exitCode === null && c.signalCode === null) && Date.now() < end)
            await new Promise(r => setTimeout(r, 500));
        for (const c of children) {
            if (c.exitCode === null && c.signalCode === null && c.pid)
                process.kill(c.pid, "SIGKILL");
        }
    }
}

for (const sig of ["SIGINT", "SIGTERM"] as const)
    process.on(sig, () => { stopAll(); process.exit(130); });

main().then(code => process.exit(code));
