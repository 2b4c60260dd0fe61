// A real BIND named for the DNS tests, as a host's own named would be set up
// for DebVisor: it includes debvisord's fragment (/etc/debvisor/dns/named.conf)
// and takes `rndc reconfig` on 127.0.0.1:953 with the host's rndc key. It
// listens on 127.0.0.1:5353 only. Started only when nothing answers there;
// stopped by its PID. Its log is /run/debvisor-test-named/named.log.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { waitFor } from "../lib/wait.js";

export const NAMED_PORT = 5353;
const DIR = "/run/debvisor-test-named";
const FRAGMENT = "/etc/debvisor/dns/named.conf";
const RNDC_KEY = "/etc/bind/rndc.key";

function answers(port: number): Promise<boolean> {
    return new Promise(resolve => {
        const socket = net.connect(port, "127.0.0.1");
        socket.once("connect", () => { socket.destroy(); resolve(true) });
        socket.once("error", () => resolve(false));
    });
}

export async function startNamed(started: Array<{ what: string; pid: number }>): Promise<void> {
    if (await answers(NAMED_PORT))
        return;
    fs.mkdirSync(DIR, { recursive: true, mode: 0o700 });
    if (!fs.existsSync(RNDC_KEY))
        execFileSync("rndc-confgen", ["-a"], { stdio: "ignore" });
    fs.copyFileSync(RNDC_KEY, path.join(DIR, "rndc.key"));
    if (!fs.existsSync(FRAGMENT)) {
        fs.mkdirSync(path.dirname(FRAGMENT), { recursive: true });
        fs.writeFileSync(FRAGMENT, "// debvisord writes this file\n");
    }
    const conf = path.join(DIR, "named.conf");
    fs.writeFileSync(conf, [
        "options {",
        `    directory "${DIR}";`,
        `    pid-file "${DIR}/named.pid";`,
        `    listen-on port ${NAMED_PORT} { 127.0.0.1; };`,
        "    listen-on-v6 { none; };",
        "    recursion no;",
        "};",
        `include "${DIR}/rndc.key";`,
        "controls { inet 127.0.0.1 port 953 allow { 127.0.0.1; } keys { \"rndc-key\"; }; };",
        `include "${FRAGMENT}";`,
        "",
    ].join("\n"));
    fs.rmSync(path.join(DIR, "named.pid"), { force: true });
    // as on a host: named runs as bind, which owns its working directory (and the rndc key's copy) and
    // debvisord's zone directory, and reads the TSIG keys as group bind
    execFileSync("chown", ["-R", "bind:bind", DIR]);
    const child = spawn("/usr/sbin/named", ["-f", "-u", "bind", "-c", conf, "-L", path.join(DIR, "named.log")], { stdio: ["ignore", "ignore", "inherit"], detached: true });
    child.unref();
    started.push({ what: "named", pid: child.pid! });
    await waitFor("named on 127.0.0.1:5353", () => answers(NAMED_PORT), 20_000);
}
