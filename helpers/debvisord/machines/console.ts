// Consoles in the browser and the terminal without opening a port: for each
// OpenConsole call debvisord listens on a fresh Unix socket that only the
// caller's uid may connect to (Cockpit's bridge, running as the logged-in
// user, opens a stream channel to it; debvisorctl connects directly), and
// joins it to the guest's serial console or to its VNC server (on a UNIX
// socket only root and the qemu user can reach; a machine defined elsewhere
// may still have it on a TCP port).
//
// The serial console of a running machine is read from its start, so a
// console opened later still shows the boot and the last prompt
// (a bounded scrollback), and several viewers see the same output.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import tty from "node:tty";
import * as z from "zod/mini";
import { failed, invalidArgument } from "../../lib/errors.js";
import { method } from "../bus/call-pipeline.js";
import { ensureDir } from "../host/dirs.js";
import { optionsSchema } from "../validation.js";
import { describeDomain } from "./domain-xml.js";
import type { MachineHost } from "./machine-host.js";

const CONSOLE_DIR = "/run/debvisor/consoles";
const SCROLLBACK_BYTES = 256 * 1024;
const CONNECT_WITHIN_MS = 60_000;

/* What the guest printed lately, kept across readers (qemu may get a new
 * pty, e.g. when a snapshot is reverted) until the machine stops. */
class Scrollback {
    private chunks: Buffer[] = [];
    private bytes = 0;

    add(chunk: Buffer): void {
        this.chunks.push(chunk);
        this.bytes += chunk.length;
        while (this.bytes > SCROLLBACK_BYTES && this.chunks.length > 1)
            this.bytes -= this.chunks.shift()!.length;
    }

    contents(): Buffer {
        return Buffer.concat(this.chunks);
    }
}

/* One reader of a guest's serial pty, shared by every viewer. */
class SerialHub {
    private readonly stream: tty.ReadStream;
    private readonly fd: number;
    private readonly viewers = new Set<net.Socket>();
    private pendingInput: Buffer[] = [];
    closed = false;

    constructor(readonly pty: string, private readonly scrollback: Scrollback, private readonly onClose: () => void) {
        this.fd = fs.openSync(pty, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
        this.stream = new tty.ReadStream(this.fd);
        this.stream.setRawMode(true);
        this.stream.on("data", (chunk: Buffer) => this.output(chunk));
        // EIO when the guest stops and qemu closes its side
        this.stream.on("error", () => this.close());
        this.stream.on("end", () => this.close());
    }

    private output(chunk: Buffer): void {
        this.scrollback.add(chunk);
        for (const v of this.viewers)
            v.write(chunk);
    }

    /* Keys go to the guest in the order typed: one write at a time (parallel
     * writes on libuv's thread pool may land out of order), never blocking
     * the daemon when the guest does not read. */
    private input(keys: Buffer): void {
        if (this.closed)
            return;
        this.pendingInput.push(keys);
        if (this.pendingInput.length === 1)
            this.writeNext();
    }

    private writeNext(): void {
        const next = this.pendingInput[0];
        if (!next || this.closed)
            return;
        fs.write(this.fd, next, (error, written) => {
            if (error) {
                this.pendingInput = [];
                return;
            }
            if (written < next.length)
                this.pendingInput[0] = next.subarray(written);
            else
                this.pendingInput.shift();
            this.writeNext();
        });
    }

    attach(socket: net.Socket): void {
        socket.write(this.scrollback.contents());
        this.viewers.add(socket);
        socket.on("data", (keys: Buffer) => this.input(keys));
        socket.on("close", () => this.viewers.delete(socket));
        socket.on("error", () => this.viewers.delete(socket));
    }

    close(): void {
        if (this.closed)
            return;
        this.closed = true;
        for (const v of this.viewers)
            v.end();
        this.stream.destroy();
        this.onClose();
    }
}

export class Consoles {
    private readonly serial = new Map<string, SerialHub>(); // our object path → hub
    private readonly scrollbacks = new Map<string, Scrollback>();

    /* Called on every refresh: follows the serial console of running machines.
     * A definition read without the pty path (mid-change) leaves the reader be. */
    follow(path: string, running: boolean, pty: string): void {
        const hub = this.serial.get(path);
        if (!running) {
            hub?.close();
            this.scrollbacks.delete(path);
            return;
        }
        if (hub && pty && hub.pty !== pty)
            hub.close();
        if (pty && !this.serial.get(path)) {
            const scrollback = this.scrollbacks.get(path) ?? new Scrollback();
            this.scrollbacks.set(path, scrollback);
            try {
                this.serial.set(path, new SerialHub(pty, scrollback, () => this.serial.delete(path)));
            } catch (e) {
                process.stderr.write(`debvisord: cannot read the serial console ${pty}: ${(e as Error).message}\n`);
            }
        }
    }

    forget(path: string): void {
        this.serial.get(path)?.close();
        this.scrollbacks.delete(path);
    }

    /* A socket only `uid` can connect to; its first connection is joined to `join`. */
    private async listen(uid: number, join: (socket: net.Socket) => void): Promise<string> {
        ensureDir(path.dirname(CONSOLE_DIR), 0o711);
        ensureDir(CONSOLE_DIR, 0o711);
        const file = path.join(CONSOLE_DIR, `${randomBytes(16).toString("hex")}.sock`);
        const server = net.createServer({ pauseOnConnect: false }, socket => {
            // one session per OpenConsole: nobody else gets in on the same socket
            server.close();
            fs.rmSync(file, { force: true });
            clearTimeout(expiry);
            join(socket);
        });
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(file, () => resolve());
        });
        fs.chownSync(file, uid, 0);
        fs.chmodSync(file, 0o600);
        const expiry = setTimeout(() => {
            server.close();
            fs.rmSync(file, { force: true });
        }, CONNECT_WITHIN_MS);
        return file;
    }

    methods(host: MachineHost, path: string) {
        return {
            OpenConsole: method({
                args: z.tuple([z.enum(["serial", "vnc"], { error: "must be \"serial\" or \"vnc\"" }), optionsSchema({})]),
                run: async (ctx, [kind]) => {
                    const state = host.state(path);
                    if (state !== "running" && state !== "paused")
                        throw invalidArgument(`${host.name(path)} is ${state}: a console needs a running machine`);
                    const live = describeDomain(await host.libvirt.domainXml(host.domainOf(path)));
                    if (kind === "serial") {
                        this.follow(path, true, live.serialPty);
                        const hub = this.serial.get(path);
                        if (!hub)
                            throw failed(`${host.name(path)} has no serial console on a pty`);
                        return [await this.listen(ctx.caller.uid, socket => hub.attach(socket))];
                    }
                    const vnc = live.graphics.find(g => g.Type === "vnc" && (g.Socket !== "" || g.Port > 0));
                    if (!vnc)
                        throw failed(`${host.name(path)} has no VNC display`);
                    return [await this.listen(ctx.caller.uid, socket => {
                        const upstream = vnc.Socket
                            ? net.connect(vnc.Socket)
                            : net.connect(vnc.Port, vnc.Listen && vnc.Listen !== "0.0.0.0" && vnc.Listen !== "::" ? vnc.Listen : "127.0.0.1");
                        socket.pipe(upstream).pipe(socket);
                        const end = () => { socket.destroy(); upstream.destroy() };
                        upstream.on("error", end);
                        socket.on("error", end);
                        socket.on("close", end);
                        upstream.on("close", end);
                    })];
                },
            }),
        };
    }
}
