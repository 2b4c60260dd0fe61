// Forwards every audit record to the local syslog socket for a central
// collector. One long-running logger(1) reads the records on its stdin, one
// line each, and sends them to /dev/log: journald's socket where systemd
// runs, rsyslog's (or another syslog daemon's) elsewhere. The line sent is
// the record exactly as in the log, so a collector can check the chain too.
// The log file stays the record of truth: when the socket is missing or
// logger stops, records are counted as not forwarded, logger is started again
// after a pause, and the gap is announced in the syslog stream itself.
import fs from "node:fs";
import { startTool, type StartedTool } from "../../lib/tool-run.js";

const RETRY_MS = 10_000;
const SYSLOG_TAG = "debvisord-audit";

export class SyslogForwarder {
    private child: StartedTool | null = null;
    private enabled = false;
    private retryAt = 0;
    private missed = 0;

    constructor(private readonly socket = "/dev/log", private readonly logger = "logger") {}

    setEnabled(on: boolean): void {
        this.enabled = on;
        if (!on)
            this.stop();
    }

    get forwarding(): boolean { return this.enabled }

    forward(lines: string[]): void {
        if (!this.enabled || lines.length === 0)
            return;
        const child = this.running();
        if (!child?.stdin?.writable) {
            this.missed += lines.length;
            return;
        }
        if (this.missed > 0) {
            child.stdin.write(`{"debvisord":"${this.missed} audit records were not forwarded while ${this.socket} was unavailable; the audit log holds them"}\n`);
            this.missed = 0;
        }
        child.stdin.write(lines.join("\n") + "\n");
    }

    private running(): StartedTool | null {
        if (this.child || Date.now() < this.retryAt)
            return this.child;
        if (!fs.existsSync(this.socket)) {
            this.retryAt = Date.now() + RETRY_MS;
            return null;
        }
        const child = startTool(this.logger, ["--socket-errors=on", "-u", this.socket, "-t", SYSLOG_TAG, "-p", "authpriv.info", "-S", "65536"],
            { stdin: "pipe", stdout: "ignore", stderr: "ignore" });
        this.child = child;
        void child.then(() => {
            if (this.child === child) {
                this.child = null;
                this.retryAt = Date.now() + RETRY_MS;
            }
        });
        child.stdin?.on("error", () => undefined); // logger gone: its exit is handled above
        return child;
    }

    stop(): void {
        const child = this.child;
        this.child = null;
        child?.stdin?.end();
    }
}
