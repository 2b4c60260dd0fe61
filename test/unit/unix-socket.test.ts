// Connecting to a server that is still starting: its socket file is there
// but nothing listens yet (a socket bound by a process that never listens,
// as qemu-nbd's is for a moment), then a server listens on the path. A
// single connection would be refused; connectWhenListening gets through
// once the server listens, and gives up when the server is gone or the time
// is up.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { connectWhenListening } from "../../helpers/lib/unix-socket.js";
import { waitFor } from "../lib/wait.js";

/* A socket file with nothing listening: bound by python, which never calls listen(). */
async function boundNotListening(socketPath: string): Promise<ChildProcess> {
    const child = spawn("python3", ["-c", "import socket, sys, time\ns = socket.socket(socket.AF_UNIX)\ns.bind(sys.argv[1])\ntime.sleep(60)", socketPath],
        { stdio: "ignore" });
    await waitFor("the bound socket", () => fs.existsSync(socketPath), 10_000, 10);
    return child;
}

QUnit.module("unix sockets: connecting while the server starts", hooks => {
    let dir = "";
    let holder: ChildProcess | null = null;
    hooks.beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-unix-socket-")) });
    hooks.afterEach(() => {
        holder?.kill("SIGKILL");
        holder = null;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    QUnit.test("refused while bound but not listening; connected once a server listens there", async assert => {
        const socketPath = path.join(dir, "socket");
        holder = await boundNotListening(socketPath);
        const once = net.createConnection(socketPath);
        const refused = await new Promise<string>(resolve => once.once("error", e => resolve((e as NodeJS.ErrnoException).code ?? "")));
        assert.equal(refused, "ECONNREFUSED", "one connection now is refused");
        const connecting = connectWhenListening(socketPath, () => false, 10_000);
        // the server comes up a moment later on the same path
        await new Promise(resolve => setTimeout(resolve, 200));
        holder.kill("SIGKILL");
        fs.rmSync(socketPath, { force: true });
        const accepted: net.Socket[] = [];
        const server = net.createServer(s => accepted.push(s)).listen(socketPath);
        try {
            const socket = await connecting;
            await waitFor("the server's side", () => accepted.length === 1, 5_000, 10);
            assert.true(socket.writable, "connected");
            socket.destroy();
            accepted.forEach(s => s.destroy());
        } finally {
            server.close();
        }
    });

    QUnit.test("gives up at once when the server is gone, and when the time is up", async assert => {
        const socketPath = path.join(dir, "socket");
        holder = await boundNotListening(socketPath);
        const gone = await connectWhenListening(socketPath, () => true, 10_000).then(() => "connected", (e: NodeJS.ErrnoException) => e.code);
        assert.equal(gone, "ECONNREFUSED", "the server gone: the refusal");
        const late = await connectWhenListening(socketPath, () => false, 300).then(() => "connected", (e: NodeJS.ErrnoException) => e.code);
        assert.equal(late, "ECONNREFUSED", "the time up: the refusal");
        const missing = await connectWhenListening(path.join(dir, "none"), () => false, 100).then(() => "connected", (e: NodeJS.ErrnoException) => e.code);
        assert.equal(missing, "ENOENT", "no socket at all, the time up: not there");
    });
});
