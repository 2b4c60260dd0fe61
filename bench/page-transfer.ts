// The Machines page on a slow link: bytes transferred and navigation → first
// row shown, on a link Chromium throttles to 10 Mbit/s (its network emulation,
// 20 ms latency), with the browser cache off so every run loads everything;
// ours vs cockpit-machines, same browser, same host, one machine defined.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CDPSession, Frame } from "playwright-core";
import { login, COCKPIT_URL, openSession, pageFrame } from "../test/lib/browser.js";
import { ADMIN } from "../test/lib/users.js";
import { median, report, timeMs } from "./lib.js";
import { prepareCockpitMachines } from "./machines.js";

const MACHINE = "dvtransfer-0";
const LINK = { offline: false, latency: 20, downloadThroughput: 10e6 / 8, uploadThroughput: 10e6 / 8 };
const RUNS = 3;

const virsh = (...args: string[]) => execFileSync("virsh", ["-c", "qemu:///system", ...args], { encoding: "utf8", stdio: "pipe" });

/* Bytes on the wire (headers and compressed bodies) of every HTTP response from here on. */
async function countBytes(cdp: CDPSession): Promise<() => number> {
    let bytes = 0;
    cdp.on("Network.loadingFinished", event => { bytes += event.encodedDataLength });
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    await cdp.send("Network.emulateNetworkConditions", LINK);
    return () => bytes;
}

async function measure(page: string, firstRow: (frame: Frame) => Promise<void>, before?: (frame: Frame) => Promise<void>): Promise<{ ms: number; bytes: number }> {
    const session = await openSession();
    const times: number[] = [], sizes: number[] = [];
    try {
        await login(session.page, ADMIN);
        if (before) {
            await session.page.goto(`${COCKPIT_URL}/${page}`);
            await before(await pageFrame(session.page, page));
        }
        const cdp = await session.context.newCDPSession(session.page);
        const transferred = await countBytes(cdp);
        for (let i = 0; i < RUNS; i++) {
            // from Cockpit's Overview through the menu, as a person goes: the shell is loaded before, not counted
            await session.page.goto(`${COCKPIT_URL}/system`);
            await pageFrame(session.page, "system");
            const start = transferred();
            times.push(await timeMs(async () => {
                await session.page.click(`#host-apps a[href="/${page}"]`);
                await firstRow(await pageFrame(session.page, page));
            }));
            sizes.push(transferred() - start);
        }
    } finally {
        await session.close();
    }
    return { ms: median(times), bytes: median(sizes) };
}

export async function pageTransferBench(): Promise<void> {
    prepareCockpitMachines();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-transfer-"));
    const xml = path.join(dir, "domain.xml");
    fs.writeFileSync(xml, `<domain type='qemu'><name>${MACHINE}</name><memory unit='MiB'>16</memory><vcpu>1</vcpu>` +
        "<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>");
    virsh("define", xml);
    try {
        const ours = await measure("debvisor/machines", frame => frame.locator(`tr[data-machine='${MACHINE}']`).waitFor({ timeout: 120_000 }));
        const theirs = await measure("machines",
            frame => frame.getByText(MACHINE).first().waitFor({ timeout: 120_000 }),
            // on a host without KVM cockpit-machines first asks to go on without it (the browser remembers the answer)
            frame => frame.getByRole("button", { name: "Ignore" }).click({ timeout: 60_000 }).catch(() => undefined));
        const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
        report("Machines page: bytes transferred (10 Mbit/s)", kib(ours.bytes), `cockpit-machines (${kib(theirs.bytes)})`, ours.bytes / theirs.bytes, "≤ 300 KiB");
        report("Machines page: navigation → first row (10 Mbit/s)", `${ours.ms.toFixed(0)} ms`, `cockpit-machines (${theirs.ms.toFixed(0)} ms)`, ours.ms / theirs.ms);
    } finally {
        try { virsh("undefine", MACHINE) } catch { /* already gone */ }
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
