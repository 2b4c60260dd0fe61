// Debian's metrics engines started by a test on loopback ports of its own,
// behind the secret a debvisord of the test's own made: Alertmanager,
// node-exporter (textfile, CPU, memory, disk and network collectors only) and Prometheus
// with the shipped configuration and rules, evaluating every second (and, for
// a test that asks, a copy of the rules with their hold times cut short). Stopped
// by the PIDs they were started with.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { spawnDaemon, stopSpawnedDaemon, waitForArea } from "./daemon.js";
import { freePort } from "./ports.js";
import { waitFor } from "./wait.js";

const SHIPPED_CONFIG = "/usr/share/debvisor/monitoring/prometheus.yml";
const SHIPPED_RULES = "/usr/share/debvisor/monitoring/rules";
const TEXTFILE_DIR = "/var/lib/prometheus/node-exporter";
/* The logging flags of the shipped drop-in's ExecStart, which debvisord's reading of Alertmanager's log relies on. */
const SHIPPED_ALERTMANAGER_LOGGING = (() => {
    const dropIn = "/usr/lib/systemd/system/prometheus-alertmanager.service.d/debvisor.conf";
    const execStart = fs.existsSync(dropIn) ? /^ExecStart=(\S.*)$/m.exec(fs.readFileSync(dropIn, "utf8"))?.[1] ?? "" : "";
    return execStart.split(/\s+/).filter(a => a.startsWith("--log."));
})();
const ENGINES = ["/usr/bin/prometheus", "/usr/bin/prometheus-alertmanager", "/usr/bin/prometheus-node-exporter"];

export interface EnginePorts { prometheus: number; alertmanager: number; node: number }

/* Why the engines cannot run here, or null. */
export function enginesMissing(): string | null {
    const missing = ENGINES.filter(e => !fs.existsSync(e));
    return missing.length ? `${missing.join(", ")} not installed (scripts/deps.sh installs them)` : null;
}

/* GET with or without the engines' user and secret; the status code (0: no answer). */
export function engineStatus(url: string, secret?: string): Promise<number> {
    const headers = secret ? { authorization: `Basic ${Buffer.from(`debvisor:${secret}`).toString("base64")}` } : undefined;
    return new Promise(resolve => {
        http.get(url, { headers, timeout: 5000 }, res => { res.resume(); resolve(res.statusCode ?? 0) }).on("error", () => resolve(0));
    });
}

export class MetricsEngines {
    readonly metricsDir: string;
    /** where Alertmanager's log goes, as the shipped drop-in sends it to /var/log/debvisor/alertmanager.log */
    readonly alertmanagerLog: string;
    ports: EnginePorts = { prometheus: 0, alertmanager: 0, node: 0 };
    private readonly children = new Map<string, ChildProcess>();
    private daemon: ChildProcess | null = null;
    private asShipped = false;

    constructor(private readonly dir: string) {
        this.metricsDir = path.join(dir, "metrics");
        this.alertmanagerLog = path.join(dir, "alertmanager.log");
    }

    /* A debvisord that talks to these engines (it makes their secret and configuration where missing). */
    async startDaemon(): Promise<void> {
        this.daemon = await spawnDaemon({
            DEBVISOR_METRICS_DIR: this.metricsDir,
            DEBVISOR_ALERTMANAGER_URL: `http://127.0.0.1:${this.ports.alertmanager}`,
            DEBVISOR_PROMETHEUS_URL: `http://127.0.0.1:${this.ports.prometheus}`,
            DEBVISOR_ALERTMANAGER_LOG: this.alertmanagerLog,
            // a test's times, as its Prometheus evaluates every second: debvisord writes its metrics every 2 s
            // (not 15 s); Alertmanager sends a new group's first notification after 1 s (not 10 s), a group's
            // next after 5 s (not a minute) and gives up on a failing one after 10 s (its least) instead of a minute
            ...this.asShipped ? {} : { DEBVISOR_METRICS_INTERVAL_MS: "2000", DEBVISOR_ALERTMANAGER_GROUP_WAIT: "1s", DEBVISOR_ALERTMANAGER_GROUP_INTERVAL: "5s" },
        });
        await waitForArea("alerts", "ready", 30_000);
    }

    async stopDaemon(): Promise<void> {
        if (this.daemon)
            await stopSpawnedDaemon(this.daemon);
        this.daemon = null;
    }

    /* The daemon first, then the engines on its secret; resolves when all three answer. For the tests Prometheus
     * scrapes and evaluates every second, debvisord and Alertmanager run with a test's times (startDaemon) and
     * node-exporter collects little; asShipped (a benchmark's load) keeps the shipped 15 s, a node's times and
     * node-exporter's default collectors. backfill: OpenMetrics text put into Prometheus's
     * storage before it starts (promtool's backfilling), as if it had scraped it then. holdFor: every rule's
     * "for:" replaced by this duration in a copy of the shipped rules, so a test sees an alert that holds minutes
     * on a node fire within seconds (the shipped hold times are checked by promtool in the unit tests). */
    async start({ asShipped = false, backfill = "", holdFor = "" } = {}): Promise<void> {
        this.asShipped = asShipped;
        this.ports = { prometheus: await freePort(), alertmanager: await freePort(), node: await freePort() };
        fs.mkdirSync(TEXTFILE_DIR, { recursive: true });
        await this.startDaemon();
        const web = path.join(this.metricsDir, "web.yml");
        const { prometheus, alertmanager, node } = this.ports;
        this.engine("/usr/bin/prometheus-alertmanager", [`--config.file=${path.join(this.metricsDir, "alertmanager.yml")}`,
            `--web.listen-address=127.0.0.1:${alertmanager}`, `--web.config.file=${web}`, "--cluster.listen-address=",
            `--storage.path=${path.join(this.dir, "alertmanager")}`, ...SHIPPED_ALERTMANAGER_LOGGING], this.alertmanagerLog);
        this.engine("/usr/bin/prometheus-node-exporter", [`--web.listen-address=127.0.0.1:${node}`, `--web.config.file=${web}`,
            ...asShipped ? [] : ["--collector.disable-defaults", "--collector.textfile", "--collector.cpu", "--collector.meminfo", "--collector.diskstats", "--collector.netdev"],
            `--collector.textfile.directory=${TEXTFILE_DIR}`]);
        // the shipped configuration, on the test's ports and secret, evaluating every second
        const config = fs.readFileSync(SHIPPED_CONFIG, "utf8")
            .replace(/15s/g, asShipped ? "15s" : "1s").replace("127.0.0.1:9190", `127.0.0.1:${prometheus}`)
            .replace("127.0.0.1:9093", `127.0.0.1:${alertmanager}`).replace("127.0.0.1:9100", `127.0.0.1:${node}`)
            .replaceAll("/etc/debvisor/metrics/secret", path.join(this.metricsDir, "secret"))
            .replace(`${SHIPPED_RULES}/`, holdFor ? `${this.copyRules(holdFor)}/` : `${SHIPPED_RULES}/`);
        fs.writeFileSync(path.join(this.dir, "prometheus.yml"), config);
        if (backfill) {
            fs.writeFileSync(path.join(this.dir, "backfill.om"), backfill);
            execFileSync("promtool", ["tsdb", "create-blocks-from", "openmetrics", path.join(this.dir, "backfill.om"), path.join(this.dir, "prometheus")], { stdio: "pipe" });
        }
        this.startPrometheus();
        const secret = this.secret();
        await waitFor("the engines to answer", async () =>
            await engineStatus(`http://127.0.0.1:${alertmanager}/-/ready`, secret) === 200 &&
            await engineStatus(`http://127.0.0.1:${prometheus}/-/ready`, secret) === 200 &&
            await engineStatus(`http://127.0.0.1:${node}/metrics`, secret) === 200, 60_000, 250);
    }

    /* Prometheus as the shipped drop-in starts it: its retention from the drop-in's Environment=, overridden by the
     * environment file debvisord writes (EnvironmentFile=), put into ExecStart's ${DEBVISOR_RETENTION} as systemd does. */
    private startPrometheus(): void {
        const dropIn = fs.readFileSync("/usr/lib/systemd/system/prometheus.service.d/debvisor.conf", "utf8");
        const envFile = /^EnvironmentFile=-?(\S+)$/m.exec(dropIn)![1].replace("/etc/debvisor/metrics", this.metricsDir);
        const env: Record<string, string> = Object.fromEntries([...dropIn.matchAll(/^Environment=(\w+)=(\S*)$/gm)].map(m => [m[1], m[2]]));
        if (fs.existsSync(envFile))
            for (const m of fs.readFileSync(envFile, "utf8").matchAll(/^(\w+)=(\S*)$/gm))
                env[m[1]] = m[2];
        const execStart = [...dropIn.matchAll(/^ExecStart=(\S.*)$/gm)].at(-1)![1];
        const retention = /--storage\.tsdb\.retention\.time=(\S+)/.exec(execStart)![1].replace(/\$\{(\w+)\}/g, (_, name: string) => env[name] ?? "");
        const { prometheus } = this.ports;
        this.engine("/usr/bin/prometheus", [`--config.file=${path.join(this.dir, "prometheus.yml")}`, `--web.listen-address=127.0.0.1:${prometheus}`,
            `--web.config.file=${path.join(this.metricsDir, "web.yml")}`, `--storage.tsdb.path=${path.join(this.dir, "prometheus")}`,
            `--storage.tsdb.retention.time=${retention}`]);
    }

    /* Prometheus stopped and started again, as systemd restarts prometheus.service; resolves when it answers. */
    async restartPrometheus(): Promise<void> {
        const child = this.children.get("prometheus")!;
        child.kill("SIGTERM");
        await waitFor("Prometheus to exit", () => child.exitCode !== null || child.signalCode !== null, 20_000);
        this.startPrometheus();
        await waitFor("Prometheus to answer", async () => await engineStatus(`http://127.0.0.1:${this.ports.prometheus}/-/ready`, this.secret()) === 200, 60_000, 250);
    }

    /* The PIDs of the engines and of the test's debvisord (benchmarks read their CPU time and memory). */
    pids(): Record<"prometheus" | "alertmanager" | "node-exporter" | "debvisord", number> {
        const pid = (child: ChildProcess | null | undefined) => child?.pid ?? 0;
        return { prometheus: pid(this.children.get("prometheus")), alertmanager: pid(this.children.get("prometheus-alertmanager")),
                 "node-exporter": pid(this.children.get("prometheus-node-exporter")), debvisord: pid(this.daemon) };
    }

    secret(): string {
        return fs.readFileSync(path.join(this.metricsDir, "secret"), "utf8").trim();
    }

    /* The test's daemon and the engines stopped; the next call activates the installed debvisord. */
    async stop(): Promise<void> {
        await this.stopDaemon();
        for (const child of this.children.values())
            child.kill("SIGTERM");
        await waitFor("the engines to exit", () => [...this.children.values()].every(c => c.exitCode !== null || c.signalCode !== null), 20_000);
    }

    /* The shipped rule files with every hold time replaced; the copy's directory. */
    private copyRules(holdFor: string): string {
        if (!/^\d+[smh]$/.test(holdFor))
            throw new Error(`holdFor must be a Prometheus duration such as 5s, not ${holdFor}`);
        const dir = path.join(this.dir, "rules");
        fs.mkdirSync(dir, { recursive: true });
        for (const file of fs.readdirSync(SHIPPED_RULES).filter(f => f.endsWith(".yml")))
            fs.writeFileSync(path.join(dir, file), fs.readFileSync(path.join(SHIPPED_RULES, file), "utf8").replace(/^(\s+for: )\S+$/gm, `$1${holdFor}`));
        return dir;
    }

    /* An engine with its stderr kept for its failure, or appended to logFile (as systemd's StandardError=append:). */
    private engine(file: string, args: string[], logFile = ""): void {
        const log = logFile ? fs.openSync(logFile, "a") : null;
        const child = spawn(file, args, { stdio: ["ignore", "ignore", log ?? "pipe"] });
        if (log !== null)
            fs.closeSync(log);
        let errors = "";
        child.stderr?.on("data", (c: Buffer) => { errors = (errors + c.toString()).slice(-4000) });
        child.on("exit", code => { if (code) process.stderr.write(`${path.basename(file)} exited ${code}: ${errors || `see ${logFile}`}\n`) });
        this.children.set(path.basename(file), child);
    }
}
