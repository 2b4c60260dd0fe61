// The Ceph area's periodic reads over one long-lived Ceph session.
//
// Every `ceph` run starts Python and librados and connects anew (~0.5 s of
// CPU): the area's report every 5 s and its usage reads every 30 s kept a
// tenth of a core busy on an idle node, and each node of a cluster pays it.
// CephSession keeps one helper (ceph-session.py, installed as
// /usr/lib/debvisor/ceph-session.py) connected with the same configuration and
// keyring the CLI uses, and sends it Ceph's command dictionaries as JSON lines.
// It is started on the first read, restarted (after a pause that grows with
// each failure) when it dies, stops answering or the configuration changes,
// and stopped with the area. Whenever it cannot answer — not installed, no
// connection, ended, silent, or a command Ceph refused — that read is made
// with the CLI exactly as before, so the session only ever saves work.
// Methods and provisioning keep using the CLI (tools.ts).
import fs from "node:fs";
import readline from "node:readline";
import { lastLines, missingTool, startTool, type StartedTool } from "../../lib/tool-run.js";
import { COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_S, MON_OP_TIMEOUT_S, type CephTools } from "./tools.js";

/* Python in isolated mode (no PYTHON* variables, no user site) on the installed file, which has no `#!`
 * line: the package needs no python3 of its own, Ceph's CLI brings it (with python3-rados) */
export const CEPH_SESSION_HELPER = ["/usr/bin/python3", "-I", "/usr/lib/debvisor/ceph-session.py"];

/** a read-only command: Ceph's command dictionary, the daemon that serves it, and the same in `ceph` words */
export interface CephRead {
    target: "mon" | "mgr";
    command: Record<string, string>;
    cli: string[];
}

/* The area's periodic reads. Which daemon serves each is Ceph's own table: report, df and
 * mgr dump (MgrMonitor) are in src/mon/MonCommands.h, osd df in src/mgr/MgrCommands.h. */
export const CEPH_READS = {
    report: { target: "mon", command: { prefix: "report" }, cli: ["report"] },
    osdDfTree: { target: "mgr", command: { prefix: "osd df", output_method: "tree" }, cli: ["osd", "df", "tree"] },
    dfDetail: { target: "mon", command: { prefix: "df", detail: "detail" }, cli: ["df", "detail"] },
    mgrDump: { target: "mon", command: { prefix: "mgr dump" }, cli: ["mgr", "dump"] },
} satisfies Record<string, CephRead>;

/** reads a command's JSON output */
export interface CephReader {
    read(read: CephRead, what: string): Promise<string>;
    stop(): void;
}

/* One `ceph … -f json` run per read (the area's reads before the session, and in the unit tests). */
export function cliReader(tools: CephTools): CephReader {
    return { read: (r, what) => tools.cephJson(r.cli, what), stop: () => undefined };
}

interface Reply {
    id: number;
    ret: number;
    out: string;
    outs: string;
}

interface Running {
    child: StartedTool;
    /** the configuration it connected with */
    key: string;
    ready: Promise<void>;
    pending: Map<number, { resolve(reply: Reply): void; reject(e: Error): void; timer: NodeJS.Timeout }>;
    ended: boolean;
}

/** the session cannot answer: the CLI does */
class SessionBroken extends Error {}

export interface SessionTiming {
    /** a request's answer, once connected (the helper answers a command librados gave up on before this) */
    requestMs: number;
    /** the helper's start and connection */
    readyMs: number;
    /** the first pause before starting it again after a failure; it doubles up to maxPauseMs */
    pauseMs: number;
    maxPauseMs: number;
}

const TIMING: SessionTiming = { requestMs: COMMAND_TIMEOUT_MS, readyMs: (CONNECT_TIMEOUT_S + 4) * 1000, pauseMs: 5_000, maxPauseMs: 60_000 };
const ETIMEDOUT = 110;

export class CephSession implements CephReader {
    private running: Running | null = null;
    private nextId = 1;
    private failures = 0;
    private notBefore = 0;
    /** why the session last failed ("" once it answers again), said once in the daemon's log */
    problem = "";

    /** the helper's file, in what is said about it */
    private readonly name: string;

    /* `helper`: the command line that runs it */
    constructor(readonly tools: CephTools, readonly helper: string[] = CEPH_SESSION_HELPER, readonly timing: SessionTiming = TIMING) {
        this.name = helper[helper.length - 1];
    }

    async read(r: CephRead, what: string): Promise<string> {
        try {
            const { reply, running } = await this.request(r);
            if (reply.ret === 0) {
                this.failures = 0;
                this.problem = "";
                return reply.out;
            }
            // the monitors did not answer in time: maybe the cluster, maybe this connection; a new one is tried
            // after the pause. A manager that does not (none active yet, one failing over) is the cluster's state,
            // which a new connection would not change: kept, as for a command Ceph refused.
            if (reply.ret === -ETIMEDOUT && r.target === "mon")
                this.end(running, `${r.cli.join(" ")} timed out in the session (${reply.outs})`);
            else
                this.say(`Ceph refused ${r.cli.join(" ")} in the session (${reply.ret}: ${reply.outs})`);
        } catch (e) {
            if (!(e instanceof SessionBroken))
                throw e;
        }
        return this.tools.cephJson(r.cli, what);
    }

    /* Stops the helper (the area stops, or the cluster is gone); the next read starts it again. */
    stop(): void {
        const running = this.running;
        this.running = null;
        if (running)
            this.kill(running);
    }

    private async request(r: CephRead): Promise<{ reply: Reply; running: Running }> {
        const running = this.session();
        await running.ready;
        const id = this.nextId++;
        const reply = await new Promise<Reply>((resolve, reject) => {
            const timer = setTimeout(() => {
                running.pending.delete(id);
                const why = `no answer to ${r.cli.join(" ")} within ${this.timing.requestMs / 1000} s`;
                this.end(running, why);
                reject(new SessionBroken(why));
            }, this.timing.requestMs);
            running.pending.set(id, { resolve, reject, timer });
            running.child.stdin?.write(JSON.stringify({ id, target: r.target, command: { ...r.command, format: "json" }, timeout: MON_OP_TIMEOUT_S }) + "\n");
        });
        return { reply, running };
    }

    /* The running helper for the current configuration, started if there is none and no pause holds. */
    private session(): Running {
        const key = this.configKey();
        if (this.running && this.running.key !== key)
            this.stop();
        if (this.running)
            return this.running;
        if (Date.now() < this.notBefore)
            throw new SessionBroken(this.problem);
        this.running = this.start(key);
        return this.running;
    }

    /* The configuration file and keyring with their change times: a new cluster (or key) in the same place
     * needs a new connection. */
    private configKey(): string {
        const c = this.tools.config();
        const mtime = (file: string) => {
            try {
                return fs.statSync(file).mtimeMs;
            } catch {
                return "missing";
            }
        };
        return JSON.stringify([c.conf, mtime(c.conf), c.keyring, mtime(c.keyring)]);
    }

    private start(key: string): Running {
        const c = this.tools.config();
        const child = startTool(this.helper[0], [...this.helper.slice(1), "--conf", c.conf, "--keyring", c.keyring,
            "--connect-timeout", String(CONNECT_TIMEOUT_S), "--op-timeout", String(MON_OP_TIMEOUT_S)],
        { stdin: "pipe", stdout: "stream", env: { CEPH_ARGS: "" } });
        let connected: () => void = () => undefined;
        let notConnected: (e: Error) => void = () => undefined;
        const running: Running = {
            child, key, pending: new Map(), ended: false,
            ready: new Promise<void>((resolve, reject) => {
                connected = resolve;
                notConnected = reject;
            }),
        };
        running.ready.catch(() => undefined);
        const readyTimer = setTimeout(() => {
            const why = `${this.name} did not connect within ${this.timing.readyMs / 1000} s`;
            notConnected(new SessionBroken(why));
            this.end(running, why);
        }, this.timing.readyMs);
        // a helper that has ended takes no more requests: its pipe's error is the end's, handled below
        child.stdin?.on("error", () => undefined);
        let first = true;
        readline.createInterface({ input: child.stdout!, crlfDelay: Infinity }).on("line", line => {
            let message: Record<string, unknown>;
            try {
                message = JSON.parse(line) as Record<string, unknown>;
            } catch {
                this.end(running, `${this.name} wrote something that is not a reply: ${line.slice(0, 200)}`);
                return;
            }
            if (first) {
                first = false;
                clearTimeout(readyTimer);
                if (message.ready === true)
                    connected();
                else {
                    const why = `${this.name} cannot connect: ${String(message.error)}`;
                    notConnected(new SessionBroken(why));
                    this.end(running, why);
                }
                return;
            }
            const id = typeof message.id === "number" ? message.id : -1;
            const waiting = running.pending.get(id);
            if (!waiting)
                return; // answered after its time (its read went to the CLI), or a complaint about a request
            running.pending.delete(id);
            clearTimeout(waiting.timer);
            waiting.resolve({ id, ret: Number(message.ret), out: String(message.out ?? ""), outs: String(message.outs ?? "") });
        });
        void child.then(result => {
            clearTimeout(readyTimer);
            const why = missingTool(result) ? `${this.helper[0]} is not installed`
                : `${this.name} ended: ${lastLines(String(result.stderr ?? ""), 3) || `exit code ${result.exitCode}`}`;
            notConnected(new SessionBroken(why));
            this.end(running, why);
            for (const waiting of running.pending.values()) {
                clearTimeout(waiting.timer);
                waiting.reject(new SessionBroken(why));
            }
            running.pending.clear();
        });
        return running;
    }

    /* The helper failed: ended, and not started again before the pause is over. */
    private end(running: Running, why: string): void {
        if (this.running !== running)
            return; // already replaced or stopped
        this.running = null;
        this.kill(running);
        this.failures++;
        this.notBefore = Date.now() + Math.min(this.timing.pauseMs * 2 ** (this.failures - 1), this.timing.maxPauseMs);
        this.say(why);
    }

    private kill(running: Running): void {
        if (!running.ended) {
            running.ended = true;
            running.child.kill();
        }
    }

    private say(why: string): void {
        if (why !== this.problem)
            process.stderr.write(`debvisord: the Ceph session: ${why}; reading with ceph instead\n`);
        this.problem = why;
    }
}
