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
export const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../artifacts");
export const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const HEIGHT = 1000;

export interface Session {
    context: BrowserContext;
    page: Page;
    /** console errors and uncaught exceptions of the page and all its frames */
    consoleErrors: string[];
    close(): Promise<void>;
}

/* Chromium's last writes to its profile may still land as it exits (ENOTEMPTY ended the cluster bench, and
 * hid why a launch had failed): retried, and a profile that still cannot go is said, not thrown over the
 * test's own outcome. */
function removeProfile(profile: string): void {
    try {
        fs.rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch (e) {
        console.log(`# the Chromium profile ${profile} was left: ${(e as Error).message}`);
    }
}

export interface SessionOptions { colorScheme?: "light" | "dark"; width?: number; executablePath?: string }

/** A fresh Chromium profile (no cookies, no stored theme) with one page. executablePath: a
 * wrapper that runs Debian's Chromium elsewhere (e.g. in a node's network namespace). */
export async function openSession(options: SessionOptions = {}): Promise<Session> {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "dv-chromium-"));
    let context: BrowserContext;
    try {
        context = await chromium.launchPersistentContext(profile, {
            executablePath: options.executablePath ?? CHROMIUM,
            args: CHROMIUM_ARGS,
            viewport: { width: options.width ?? 1400, height: HEIGHT },
            colorScheme: options.colorScheme ?? "light",
            timeout: 60_000,
        });
    } catch (e) {
        removeProfile(profile);
        throw e;
    }
    const page = context.pages()[0] ?? await context.newPage();
    page.setDefaultTimeout(30_000);
    const consoleErrors: string[] = [];
    // page-level events include the messages of every frame (Cockpit's pages are iframes)
    page.on("console", msg => {
        if (msg.type() === "error")
            consoleErrors.push(`${msg.location().url}: ${msg.text()}`);
    });
    page.on("pageerror", error => consoleErrors.push(`uncaught: ${error.message}`));
    return {
        context, page, consoleErrors,
        close: async () => {
            await context.close().catch(() => undefined);
            removeProfile(profile);
        },
    };
}

/** Logs in with Cockpit's login form and waits for the shell to show its first page. */
export async function login(page: Page, user: TestUser, url = COCKPIT_URL): Promise<void> {
    await page.goto(url);
    await page.fill("#login-user-input", user.name);
    await page.fill("#login-password-input", user.password);
    await page.click("#login-button");
    await page.waitForSelector("iframe.container-frame", { state: "attached", timeout: 30_000 });
}

export interface LoggedInOptions extends SessionOptions {
    /** QUnit's assert: the steps are followed by the check that the page logged no console errors */
    noConsoleErrors?: Pick<Assert, "deepEqual">;
    /** Runs on the fresh session before the login: listeners that must see the shell open its WebSocket, cookies. */
    beforeLogin?: (session: Session) => unknown;
}

/**
 * The frame of a browser test: a fresh session, `user` logged in, the steps run, and the session closed
 * whatever happens. Console errors are counted from the login on: the login page's own probe of
 * /cockpit/login answers 401 by design.
 */
export async function loggedIn(user: TestUser, options: LoggedInOptions, steps: (session: Session) => Promise<void>): Promise<void> {
    const { noConsoleErrors, beforeLogin, ...sessionOptions } = options;
    const session = await openSession(sessionOptions);
    try {
        await beforeLogin?.(session);
        await login(session.page, user);
        session.consoleErrors.length = 0;
        await steps(session);
        noConsoleErrors?.deepEqual(session.consoleErrors, [], "no console errors");
    } finally {
        await session.close();
    }
}

/** The iframe Cockpit shows a package page in, e.g. "debvisor/overview", once it loaded. */
export async function pageFrame(page: Page, name: string): Promise<Frame> {
    const handle = await page.waitForSelector(`iframe[name="cockpit1:localhost/${name}"][data-loaded]`, { state: "attached", timeout: 30_000 });
    const frame = await handle.contentFrame();
    if (!frame)
        throw new Error(`no frame for ${name}`);
    return frame;
}

/** Opens a page the way a person does: its entry in the shell's navigation, found by
 * the page it leads to (labels may change; another package may use the same one). */
export async function openFromMenu(page: Page, label: string, name: string): Promise<Frame> {
    const entry = page.locator(`#host-apps a[href="/${name}"]`);
    if (await entry.count() === 0)
        throw new Error(`no menu entry for ${label} (${name}) in Cockpit's navigation`);
    await entry.first().click();
    await page.waitForURL(new RegExp(`/${name}(#.*)?$`), { timeout: 30_000 });
    return pageFrame(page, name);
}

/**
 * Saves test/artifacts/NAME.png. With a frame, the window is made as tall as
 * the frame's content for the shot (PatternFly pages scroll inside the
 * frame, so a full-page shot of the shell would cut them off), then restored.
 */
export async function screenshot(page: Page, name: string, frame?: Frame): Promise<string> {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `${name}.png`);
    const viewport = page.viewportSize();
    if (frame && viewport) {
        const overflow = await frame.evaluate(() =>
            Math.max(0, ...[...document.querySelectorAll("*")].map(e => e.scrollHeight - e.clientHeight)));
        await page.setViewportSize({ width: viewport.width, height: Math.min(viewport.height + overflow, 6000) });
        await frame.evaluate(() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    }
    try {
        await page.screenshot({ path: file });
    } finally {
        if (frame && viewport)
            await page.setViewportSize(viewport);
    }
    return file;
}
