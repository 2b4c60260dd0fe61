// A syslog daemon for the forwarding tests: Debian's rsyslogd with a private
// configuration that listens on /dev/log (as a host's syslog does) and writes
// the authpriv facility, where debvisord forwards audit records, to a file
// the tests read. Started only when nothing serves /dev/log; then stopped by
// its PID, and rsyslogd removes its socket.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { waitFor } from "../lib/wait.js";

export const DEV_LOG = "/dev/log";
const DIR = "/run/debvisor-test-syslog";
/** Where authpriv messages land while the harness's rsyslogd runs. */
export const SYSLOG_FILE = path.join(DIR, "authpriv.log");

let mine = false;

export async function startSyslog(started: Array<{ what: string; pid: number }>): Promise<void> {
    if (fs.existsSync(DEV_LOG))
        return;
    mine = true;
    fs.mkdirSync(DIR, { recursive: true, mode: 0o700 });
    fs.rmSync(SYSLOG_FILE, { force: true });
    const conf = path.join(DIR, "rsyslog.conf");
    fs.writeFileSync(conf, [
        "global(workDirectory=\"" + DIR + "\")",
        "module(load=\"imuxsock\")",
        "authpriv.*  action(type=\"omfile\" file=\"" + SYSLOG_FILE + "\")",
        "",
    ].join("\n"));
    const child = spawn("/usr/sbin/rsyslogd", ["-n", "-iNONE", "-f", conf], { stdio: "ignore", detached: true });
    child.unref();
    started.push({ what: "rsyslogd", pid: child.pid! });
    await waitFor("rsyslogd's /dev/log", () => fs.existsSync(DEV_LOG), 15_000);
}

/* Whether the harness's own rsyslogd writes SYSLOG_FILE (else forwarding cannot be read back here). */
export function ownSyslog(): boolean {
    return mine && fs.existsSync(DEV_LOG);
}
