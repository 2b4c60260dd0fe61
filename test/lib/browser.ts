// Playwright on Debian's Chromium: log in to the real Cockpit, open a
// DebVisor page, collect console errors of the page and its frames, and
// save screenshots under test/artifacts/.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Frame, type Page } from "playwright-core";
import type { TestUser } from "./users.js";

export const COCKPIT_URL = "http://127.0.0.1:9090";
const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../artifacts");
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export interface Session {
    context: BrowserContext;
    page: Page;
    consoleErrors: string[];
    close(): Promise<void>;
}

export async function openSession(options: { colorScheme?: "light" | "dark"; width?: number } = {}): Promise<Session> {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "dv-chromium-"));
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: "/usr/bin/chromium",
        args: CHROMIUM_ARGS,
        viewport: { width: options.width ?? 1400, height: 1000 },
        colorScheme: options.colorScheme ?? "light",
    });
    const page = context.pages()[0] ?? await context.newPage();
    const consoleErrors: string[] = [];
    page.on("console", msg => {
        if (msg.type() === "error")
            consoleErrors.push(`${msg.location().url}: ${msg.text()}`);
    });
    page.on("pageerror", error => consoleErrors.push(`uncaught: ${error.message}`));
    return {
        context, page, consoleErrors,
        close: async () => {
            await context.close();
            fs.rmSync(profile, { recursive: true, force: true });
        },
    };
}

export async function login(page: Page, user: TestUser): Promise<void> {
    await page.goto(COCKPIT_URL);
    await page.fill("#login-user-input", user.name);
    await page.fill("#login-password-input", user.password);
    await page.click("#login-button");
    // the shell replaces the login form and shows its first page in a frame
    await page.waitForSelector("iframe.container-frame", { state: "attached", timeout: 30_000 });
}

/* The iframe Cockpit shows a package page in, e.g. "debvisor/overview". */
export async function pageFrame(page: Page, name: string): Promise<Frame> {
    const handle = await page.waitForSelector(`iframe[name="cockpit1:localhost/${name}"][data-loaded]`, { timeout: 30_000 });
    const frame = await handle.contentFrame();
    if (!frame)
        throw new Error(`no frame for ${name}`);
    return frame;
}

export async function screenshot(page: Page, name: string): Promise<string> {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
}
