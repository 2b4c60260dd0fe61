// What the metrics cost and how fast their graphs come, with Debian's engines
// started as shipped (15 s scrapes, node-exporter's default collectors):
//
// - collection overhead on an idle node running tiny guests: CPU seconds and
//   memory (RSS) of the whole stack (Prometheus, Alertmanager, node-exporter;
//   and the CPU of the otherwise idle debvisord that collects libvirt's
//   statistics into its textfile every 15 s)
//   against node-exporter alone, as a node scraped by a remote Prometheus
//   would run it, scraped every 15 s by this script, in the same window;
// - a day of one machine's graphs: a machine's page opened in Chromium, its
//   History tab at Day (clicked, or opened at that address), until the four
//   graphs are drawn, with where the time went, against fetching the
//   same six query_range answers from Prometheus with one curl (and against
//   the 1 s goal). The day is backfilled into Prometheus (15 s points) for a
//   defined machine before Prometheus starts.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { seriesQuery, stepFor } from "../helpers/debvisord/metrics/history.js";
import { COCKPIT_URL, login, openSession, pageFrame, type Session } from "../test/lib/browser.js";
import { tempDir, uniqueName } from "../test/lib/images.js";
import { enginesMissing, MetricsEngines } from "../test/lib/metrics-engines.js";
import { freePort } from "../test/lib/ports.js";
import { removeGuest, startTinyGuest } from "../test/lib/running-guest.js";
import { VIEWER } from "../test/lib/users.js";
import { waitFor } from "../test/lib/wait.js";
import type { Frame, Locator, Page } from "playwright-core";
import { median, now, report, rssMiB, timeMs } from "./lib.js";

const GUESTS = Number(process.env.BENCH_METRICS_GUESTS ?? 20);
/** BENCH_METRICS_WAYS=list (a comma-separated choice): only those ways to the day, and not Cockpit's Metrics page either */
const WAYS = process.env.BENCH_METRICS_WAYS?.split(",");
const WINDOW_S = 60;
const SCRAPE_MS = 15_000;
const DAY = 86_400;
const GRAPH_RUNS = 5;
const DAY_SERIES = ["machine-cpu", "machine-memory", "machine-disk-read", "machine-disk-write", "machine-network-receive", "machine-network-transmit"];

const virsh = (...args: string[]) => execFileSync("virsh", ["-c", "qemu:///system", ...args], { encoding: "utf8", stdio: "pipe" });
const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/* CPU seconds (user + system) a process used so far. */
function cpuSeconds(pid: number): number {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/* A day of 15 s readings of one machine as debvisord writes them, in OpenMetrics, up to `end` (s). */
function machineDay(uuid: string, name: string, end: number): string {
    const labels = (extra = "") => `{uuid="${uuid}",name="${name}"${extra}}`;
    const times = Array.from({ length: DAY / 15 }, (_, i) => end - DAY + i * 15);
    const family = (metric: string, extra: string, value: (t: number, i: number) => number) =>
        [`# TYPE ${metric} gauge`, ...times.map((t, i) => `${metric}${labels(extra)} ${value(t, i)} ${t}`)];
    const wave = (i: number) => 0.5 + 0.4 * Math.sin(i / 240);
    // a counter: CPU seconds added up, 15 s at a time at the wave's share of the vCPU
    const cpu = times.map((_t, i) => 15 * (0.5 * i + 0.4 * 240 * (1 - Math.cos(i / 240))));
    return [
        ...family("debvisor_machine_cpu_seconds_total", "", (_t, i) => Math.round(cpu[i] * 100) / 100),
        ...family("debvisor_machine_vcpus", "", () => 1),
        ...family("debvisor_machine_memory_bytes", "", () => 268435456),
        ...family("debvisor_machine_memory_used_bytes", "", (_t, i) => Math.round(268435456 * wave(i))),
        ...family("debvisor_machine_disk_read_bytes_total", ',device="vda"', (_t, i) => i * 40960),
        ...family("debvisor_machine_disk_written_bytes_total", ',device="vda"', (_t, i) => i * 81920),
        ...family("debvisor_machine_network_received_bytes_total", ',device="vnet0"', (_t, i) => i * 1500),
        ...family("debvisor_machine_network_sent_bytes_total", ',device="vnet0"', (_t, i) => i * 3000),
        "# EOF", "",
    ].join("\n");
}

/* Waits for an element with short polls, not Playwright's own retries of an action: those back off to 500 ms when
 * the element is not there yet, which measured 400 to 740 ms of Playwright between the tab drawn and its click. */
const present = (what: string, locator: Locator) => waitFor(what, async () => await locator.count() > 0, 30_000, 10);

/* How many elements match in the frame's document now (0 while it is still being replaced). Asked in the page's own
 * context, not through a locator, whose first use in a new document installs Playwright's script there first; an
 * answer still waits for the page's main thread, so the page's own marks are printed beside what this sees. */
const countIn = (frame: Frame, selector: string, text?: string) => frame.evaluate(([selector, text]) =>
    [...document.querySelectorAll(selector)].filter(e => text === undefined || e.textContent?.trim() === text).length, [selector, text] as const)
    .catch(() => 0);
const appeared = (what: string, frame: Frame, selector: string, text?: string) =>
    waitFor(what, async () => await countIn(frame, selector, text) > 0, 30_000, 10);

/* When, after the navigation began, the page's bus traffic reached each milestone (Cockpit's WebSocket frames):
 * where the time to the day's graphs goes. */
interface Timeline {
    frameStarted: number; scriptLoaded: number; firstCall: number; machinesRead: number; dayAsked: number; dayAnswered: number;
    /** the page's own marks: its watch answered, the day's graphs drawn */
    watchMark: number; dayDrawnMark: number;
    /** when each click reached the page (the list's way: the name, History, Day): what of the time is the clicking */
    clicked: number[];
}

let startEpoch = 0;

/* The page frame's own clock: when its document began loading and its scripts had arrived, ms after startEpoch. */
async function frameTimes(frame: Frame): Promise<Pick<Timeline, "frameStarted" | "scriptLoaded" | "watchMark" | "dayDrawnMark" | "clicked">> {
    const [origin, scripts, watch, drawn, clicked] = await frame.evaluate(() => [performance.timeOrigin,
        Math.max(0, ...performance.getEntriesByType("resource").filter(r => r.name.endsWith(".js")).map(r => (r as PerformanceResourceTiming).responseEnd)),
        performance.getEntriesByName("debvisor-watch-ready")[0]?.startTime ?? Number.NaN,
        (performance.getEntriesByName("debvisor-graphs-drawn") as PerformanceMark[]).find(m => m.detail === "day")?.startTime ?? Number.NaN,
        performance.getEntriesByName("bench-click").map(m => m.startTime)] as const);
    return { frameStarted: origin - startEpoch, scriptLoaded: origin + scripts - startEpoch, watchMark: origin + watch - startEpoch,
        dayDrawnMark: origin + drawn - startEpoch, clicked: clicked.map(t => origin + t - startEpoch) };
}

function followBusTraffic(page: Page): { reset: (start: number) => void; timeline: () => Timeline } {
    let start = 0;
    startEpoch = 0;
    // a frame's channel, its beginning (what it is) and its end (a reply's id)
    const events: Array<{ t: number; sent: boolean; channel: string; text: string }> = [];
    const keep = (payload: string | Buffer) => {
        const text = String(payload);
        return text.length > 600 ? `${text.slice(0, 400)}…${text.slice(-200)}` : text;
    };
    // the page's channels to debvisord (the watched one, and the one its graphs read on; Cockpit's shell has channels
    // of its own on the same WebSocket), kept across a reset for a page that was open before it
    const channels = new Set<string>();
    const opened = new Map<string, number>();
    page.on("websocket", ws => {
        // a new shell (a navigation): channel names start over
        channels.clear();
        opened.clear();
        const channelOf = (text: string) => text.slice(0, Math.max(0, text.indexOf("\n")));
        ws.on("framesent", f => {
            const text = keep(f.payload);
            const open = /"channel":"([^"]+)"/.exec(text)?.[1];
            if (text.includes('"command":"open"') && text.includes('"name":"org.debvisor.DebVisor1"') && open) {
                channels.add(open);
                opened.set(open, now() - start);
            }
            events.push({ t: now() - start, sent: true, channel: channelOf(text), text });
        });
        ws.on("framereceived", f => {
            const text = keep(f.payload);
            events.push({ t: now() - start, sent: false, channel: channelOf(text), text });
        });
    });
    const idOf = (text: string) => /"id":\s*"([^"]+)"\s*}\s*$/.exec(text)?.[1] ?? /"id":\s*"([^"]+)"/.exec(text)?.[1];
    return {
        reset: at => {
            for (const [c, t] of opened)
                opened.set(c, t - (at - start));
            start = at;
            startEpoch = Date.now();
            events.length = 0;
        },
        timeline: () => {
            const mine = events.filter(e => channels.has(e.channel));
            const calls = mine.filter(e => e.sent && e.text.includes('"call"'));
            const watch = mine.find(e => e.sent && e.text.includes('"watch"'));
            // ids count per channel: an answer is the same id on the same channel
            const answerOf = (call?: { channel: string; text: string }) => {
                const id = call ? idOf(call.text) : undefined;
                return mine.find(e => !e.sent && call !== undefined && e.channel === call.channel && id !== undefined && idOf(e.text) === id)?.t ?? Number.NaN;
            };
            const day = calls.filter(e => e.text.includes('"History"') && e.text.includes(String(DAY)));
            return {
                frameStarted: Number.NaN, scriptLoaded: Number.NaN,
                firstCall: Math.min(...[...channels].map(c => opened.get(c) ?? Number.NaN)), machinesRead: answerOf(watch),
                dayAsked: day[0]?.t ?? Number.NaN, dayAnswered: Math.max(...day.map(answerOf)), watchMark: Number.NaN, dayDrawnMark: Number.NaN,
                clicked: [],
            };
        },
    };
}

/* How a user comes to the day: the machine's address, then its History tab and Day clicked; or the address of the
 * History tab at Day itself (a link, a reload: the page keeps the tab and range in its address) — both load
 * Cockpit's shell and the page anew; or, in the console already open on the Virtual machines list, the machine's
 * name, its History tab and Day clicked. */
type Way = "clicks" | "address" | "list";

interface Measured { drawnMs: number[]; shownMs: number[]; timelines: Timeline[]; points: number }

async function measureDay(session: Session, traffic: ReturnType<typeof followBusTraffic>, machine: { name: string }, way: Way): Promise<Measured> {
    const m: Measured = { drawnMs: [], shownMs: [], timelines: [], points: 0 };
    for (let i = 0; i < GRAPH_RUNS + 1; i++) {
        await session.page.goto(`${COCKPIT_URL}/system`);
        let start = now();
        let frame: Frame;
        if (way === "list") {
            await session.page.goto(`${COCKPIT_URL}/debvisor/machines`);
            frame = await pageFrame(session.page, "debvisor/machines");
            const link = frame.locator(`tr[data-machine="${machine.name}"] button`, { hasText: machine.name });
            await present("the machine's row", link);
            // a person reads the list before choosing (not counted)
            await new Promise(r => setTimeout(r, 1000));
            // the page's clock marks each click as it arrives (the document stays: the machine's page is the list's own)
            await frame.evaluate(() => document.addEventListener("click", () => performance.mark("bench-click"), { capture: true }));
            start = now();
            traffic.reset(start);
            await link.click();
        } else {
            traffic.reset(start);
            await session.page.goto(`${COCKPIT_URL}/debvisor/machines#/machine/${machine.name}${way === "address" ? "/history?range=day" : ""}`);
            frame = await pageFrame(session.page, "debvisor/machines");
        }
        const tab = frame.getByRole("tab", { name: "History" });
        await appeared("the machine's History tab", frame, "[role='tab']", "History");
        const shown = now() - start;
        if (way !== "address") {
            await tab.click();
            const day = frame.getByRole("button", { name: "Day" });
            await present("the Day button", day);
            await day.click();
        }
        // drawn: every graph of the day (not the hour's still shown meanwhile), the CPU's with the day's points (one every 6 minutes)
        await waitFor("the day's graphs", async () => {
            const [day, cpu] = await frame.evaluate(() => [
                document.querySelectorAll("[data-testid='machine-history'] figure[data-range='day'] svg[data-points]").length,
                Number(document.querySelector("[data-testid='machine-history'] figure[data-range='day'][aria-label='CPU'] svg")?.getAttribute("data-points") ?? 0),
            ]).catch(() => [0, 0]);
            m.points = cpu;
            return day >= 4 && cpu >= 200;
        }, way === "address" ? 15_000 : 60_000, 10);
        if (i > 0) { // the first opens Cockpit's caches
            m.drawnMs.push(now() - start);
            m.shownMs.push(shown);
            m.timelines.push({ ...traffic.timeline(), ...await frameTimes(frame) });
        }
    }
    return m;
}

/* Cockpit's own Metrics page, loaded the same way (its address, the shell anew): until it shows its first figure
 * (the memory in use, read through Cockpit's own metrics channel). What Cockpit's shell and a page of Cockpit's own
 * take on this host, beside the day's graphs. */
async function measureCockpitMetrics(session: Session): Promise<{ frameStarted: number; shownMs: number }> {
    const shown: number[] = [];
    const started: number[] = [];
    for (let i = 0; i < GRAPH_RUNS + 1; i++) {
        await session.page.goto(`${COCKPIT_URL}/system`);
        const start = now();
        const epoch = Date.now();
        await session.page.goto(`${COCKPIT_URL}/metrics`);
        const frame = await pageFrame(session.page, "metrics");
        await appeared("Cockpit's memory figure", frame, "#current-memory-usage [role='progressbar'][aria-valuenow]:not([aria-valuenow='0'])");
        if (i > 0) {
            shown.push(now() - start);
            started.push(await frame.evaluate(() => performance.timeOrigin) - epoch);
        }
    }
    return { frameStarted: median(started), shownMs: median(shown) };
}

async function dayGraph(engines: MetricsEngines, machine: { name: string; uuid: string }, dir: string): Promise<void> {
    const session = await openSession();
    const traffic = followBusTraffic(session.page);
    const measured: Partial<Record<Way, Measured>> = {};
    let cockpitPage: { frameStarted: number; shownMs: number } | undefined;
    try {
        await login(session.page, VIEWER);
        const chosen = (way: Way) => !WAYS || WAYS.includes(way);
        if (chosen("clicks"))
            measured.clicks = await measureDay(session, traffic, machine, "clicks");
        // a page that does not keep the tab in its address shows its overview there: nothing to measure
        if (chosen("address")) {
            measured.address = await measureDay(session, traffic, machine, "address").catch(e => {
                console.log(`a machine's day at its address: not drawn (${(e as Error).message.split("\n")[0]})`);
                return undefined;
            });
        }
        if (chosen("list"))
            measured.list = await measureDay(session, traffic, machine, "list");
        if (!WAYS)
            cockpitPage = await measureCockpitMetrics(session);
    } finally {
        await session.close();
    }
    const netrc = path.join(dir, "netrc");
    fs.writeFileSync(netrc, `machine 127.0.0.1 login debvisor password ${engines.secret()}\n`, { mode: 0o600 });
    const urls = () => {
        const end = Math.floor(Date.now() / 1000);
        return DAY_SERIES.map(series => `http://127.0.0.1:${engines.ports.prometheus}/api/v1/query_range?${new URLSearchParams({
            query: seriesQuery(series, machine.uuid), start: String(end - DAY), end: String(end), step: String(stepFor(DAY)) })}`);
    };
    const curls: number[] = [];
    for (let i = 0; i < GRAPH_RUNS; i++)
        curls.push(await timeMs(() => execFileSync("curl", ["-sf", "--netrc-file", netrc, ...urls()], { stdio: ["ignore", "ignore", "pipe"] })));
    const curl = median(curls);
    if (cockpitPage) {
        console.log(`Cockpit's own Metrics page at its address, ms after the navigation began: its frame started ${cockpitPage.frameStarted.toFixed(0)}, ` +
            `its memory figure shown ${cockpitPage.shownMs.toFixed(0)}`);
        report("Cockpit's own Metrics page: its address → its first figure", `${cockpitPage.shownMs.toFixed(0)} ms`, "the issue's goal (1000 ms)", cockpitPage.shownMs / 1000);
    }
    for (const [way, m] of Object.entries(measured) as Array<[Way, Measured | undefined]>) {
        if (!m)
            continue;
        const page = median(m.drawnMs);
        const at = (key: Exclude<keyof Timeline, "clicked">) => median(m.timelines.map(t => t[key])).toFixed(0);
        const how = { clicks: "page → History → Day → drawn", address: "the day's address → drawn", list: "in the list: name → History → Day → drawn" }[way];
        const loading = way === "list" ? "" : `the page's frame started ${at("frameStarted")}, its scripts loaded ${at("scriptLoaded")}, ` +
            `its channel to debvisord opened ${at("firstCall")}, the machines read (its watch answered) ${at("machinesRead")} ` +
            `(in the page ${at("watchMark")}), `;
        const clicks = way === "list" ? `(the clicks reached the page at ${[0, 1, 2].map(i => median(m.timelines.map(t => t.clicked[i] ?? Number.NaN)).toFixed(0)).join(", ")}) ` : "";
        console.log(`a machine's day by ${way}, ms after the ${way === "list" ? "machine's name was clicked" : "navigation began"}: ${loading}${clicks}` +
            `the History tab shown ${median(m.shownMs).toFixed(0)}, the day's History asked ${at("dayAsked")} and answered ${at("dayAnswered")}, ` +
            `drawn ${page.toFixed(0)} (in the page ${at("dayDrawnMark")})`);
        report(`a machine's day (${m.points} points): ${how}`, `${page.toFixed(0)} ms`, `curl of its 6 series (${curl.toFixed(0)} ms)`, page / curl);
        report(`a machine's day (${m.points} points): ${how}`, `${page.toFixed(0)} ms`, "the issue's goal (1000 ms)", page / 1000, "≤ 1");
        if (cockpitPage && way !== "list")
            report(`a machine's day (${m.points} points): ${how}`, `${page.toFixed(0)} ms`, `Cockpit's Metrics page's first figure (${cockpitPage.shownMs.toFixed(0)} ms)`, page / cockpitPage.shownMs);
    }
}

async function overhead(engines: MetricsEngines, guests: string[]): Promise<void> {
    let running = 0;
    for (const name of guests) {
        try {
            await startTinyGuest(name);
            running++;
        } catch (e) {
            console.log(`metrics overhead: guest ${running + 1} of ${guests.length} did not start (${(e as Error).message.split("\n")[0]}); measuring with ${running}`);
            break;
        }
    }
    // their boot settles, and debvisord's textfile names them all
    await waitFor(`${running} machines in debvisord's textfile`, () =>
        (fs.readFileSync("/var/lib/prometheus/node-exporter/debvisor.prom", "utf8").match(/^debvisor_machine_vcpus\{/gm) ?? []).length >= running, 120_000, 1000);
    await new Promise(r => setTimeout(r, 30_000));

    // node-exporter alone: as shipped (default collectors), scraped every 15 s
    const port = await freePort();
    const alone = spawn("/usr/bin/prometheus-node-exporter", [`--web.listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
    try {
        await waitFor("node-exporter alone to answer", () => fetch(`http://127.0.0.1:${port}/metrics`).then(r => r.ok, () => false), 30_000, 200);
        const scrape = () => fetch(`http://127.0.0.1:${port}/metrics`).then(r => r.text()).catch(() => "");
        const scraper = setInterval(() => void scrape(), SCRAPE_MS);
        await scrape();
        const stack = engines.pids();
        const before = Object.fromEntries(Object.entries(stack).map(([k, pid]) => [k, cpuSeconds(pid)]));
        const aloneBefore = cpuSeconds(alone.pid!);
        await new Promise(r => setTimeout(r, WINDOW_S * 1000));
        clearInterval(scraper);
        const used = Object.fromEntries(Object.entries(stack).map(([k, pid]) => [k, cpuSeconds(pid) - before[k]]));
        const rss = Object.fromEntries(Object.entries(stack).map(([k, pid]) => [k, rssMiB(pid)]));
        const aloneCpu = cpuSeconds(alone.pid!) - aloneBefore;
        const aloneRss = rssMiB(alone.pid!);
        const stackCpu = Object.values(used).reduce((a, b) => a + b, 0);
        // debvisord runs with or without metrics: its CPU while idle is its collection, its memory is not
        const stackRss = rss.prometheus + rss.alertmanager + rss["node-exporter"];
        console.log(`metrics overhead, ${running} running tiny guests, ${WINDOW_S} s: ${Object.keys(stack).map(k => `${k} ${used[k].toFixed(2)} s CPU ${rss[k].toFixed(0)} MiB`).join(", ")}; node-exporter alone ${aloneCpu.toFixed(2)} s CPU ${aloneRss.toFixed(0)} MiB`);
        report(`metrics stack CPU per minute (${running} guests)`, `${(stackCpu * 60 / WINDOW_S).toFixed(2)} s`, `node-exporter alone (${(aloneCpu * 60 / WINDOW_S).toFixed(2)} s)`, stackCpu / Math.max(aloneCpu, 0.01));
        report(`metrics stack CPU, share of one core (${running} guests)`, `${(stackCpu / WINDOW_S * 100).toFixed(2)} %`, `node-exporter alone (${(aloneCpu / WINDOW_S * 100).toFixed(2)} %)`, stackCpu / Math.max(aloneCpu, 0.01));
        report(`Prometheus + Alertmanager + node-exporter RSS (${running} guests)`, `${stackRss.toFixed(0)} MiB`, `node-exporter alone (${aloneRss.toFixed(0)} MiB)`, stackRss / aloneRss);
    } finally {
        alone.kill("SIGTERM");
    }
}


export async function metricsOverheadBench(): Promise<void> {
    const missing = enginesMissing();
    if (missing) {
        console.log(`metrics overhead: skipped (${missing})`);
        return;
    }
    const dir = tempDir("dv-bench-metrics-overhead-");
    const engines = new MetricsEngines(dir);
    const day = { name: uniqueName("dvday"), uuid: "" };
    const guests = Array.from({ length: GUESTS }, (_, i) => uniqueName(`dvidle${i}`));
    try {
        fs.writeFileSync(path.join(dir, "day.xml"), `<domain type='qemu'><name>${day.name}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
            <os><type arch='x86_64' machine='pc'>hvm</type></os></domain>`);
        virsh("define", path.join(dir, "day.xml"));
        day.uuid = virsh("domuuid", day.name).trim();
        await engines.start({ asShipped: true, backfill: machineDay(day.uuid, day.name, Math.floor(Date.now() / 1000) - 600) });
        await dayGraph(engines, day, dir);
        if (GUESTS > 0) // BENCH_METRICS_GUESTS=0: the graph alone
            await overhead(engines, guests);
    } finally {
        for (const name of guests)
            removeGuest(name);
        removeGuest(day.name);
        await engines.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
