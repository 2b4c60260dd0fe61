// A small NBD client (the protocol's fixed newstyle handshake, structured
// replies, meta contexts) for qemu-nbd on a Unix socket: reads, writes and
// block status (base:allocation and a qemu:dirty-bitmap), one request at a
// time. qemu is the engine that knows which blocks of a disk hold data and
// which changed since a dirty bitmap was made; this asks it, nothing more.
import net from "node:net";
import { ByteQueue } from "../../lib/byte-queue.js";
import { failed } from "../../lib/errors.js";
import { connectWhenListening } from "../../lib/unix-socket.js";

const IHAVEOPT = Buffer.from("IHAVEOPT");
const OPTION_REPLY_MAGIC = 0x3e889045565a9n;
const REQUEST_MAGIC = 0x25609513;
const SIMPLE_REPLY_MAGIC = 0x67446698;
const STRUCTURED_REPLY_MAGIC = 0x668e33ef;
const FLAG_FIXED_NEWSTYLE = 1, FLAG_NO_ZEROES = 2;
const OPT_GO = 7, OPT_STRUCTURED_REPLY = 8, OPT_SET_META_CONTEXT = 10;
const REP_ACK = 1, REP_INFO = 3, REP_META_CONTEXT = 4;
const CMD_READ = 0, CMD_WRITE = 1, CMD_DISC = 2, CMD_FLUSH = 3, CMD_BLOCK_STATUS = 7;
const REPLY_FLAG_DONE = 1;
const REPLY_OFFSET_DATA = 1, REPLY_OFFSET_HOLE = 2, REPLY_BLOCK_STATUS = 5;
/** base:allocation: the range reads as zeros; a dirty bitmap: the range changed */
export const STATE_ZERO = 2, STATE_DIRTY = 1;
/** the most one read or block status request asks for */
const MAX_REQUEST = 32 << 20;

/** A run of a meta context's state over the disk. */
export interface Extent { offset: number; length: number; flags: number }

export class NbdClient {
    private readonly input = new ByteQueue();
    private cookie = 1n;
    private readonly contexts = new Map<string, number>();
    size = 0;

    private constructor(private readonly socket: net.Socket) {
        socket.on("data", (b: Buffer) => this.input.push(b));
        socket.on("error", e => this.input.end(failed(`NBD: ${e.message}`)));
        socket.on("close", () => this.input.end(failed("NBD: the server closed the connection")));
    }

    /* Connects to the export `name` on `socketPath`, asking for the meta contexts `contexts`
     * (each must be granted), once the server listens there: until then, while it is not
     * `gone`, for up to `timeoutMs`. */
    static async connect(socketPath: string, name: string, contexts: string[], gone: () => boolean, timeoutMs: number): Promise<NbdClient> {
        const socket = await connectWhenListening(socketPath, gone, timeoutMs);
        const client = new NbdClient(socket);
        try {
            await client.handshake(name, contexts);
        } catch (e) {
            socket.destroy();
            throw e;
        }
        return client;
    }

    private async option(option: number, data: Buffer): Promise<void> {
        const header = Buffer.alloc(16);
        IHAVEOPT.copy(header, 0);
        header.writeUInt32BE(option, 8);
        header.writeUInt32BE(data.length, 12);
        this.socket.write(Buffer.concat([header, data]));
    }

    /* The replies to one option up to its ACK: each non-ACK reply's type and data. */
    private async optionReplies(option: number): Promise<Array<{ type: number; data: Buffer }>> {
        const replies = [];
        for (;;) {
            const h = await this.input.take(20);
            if (h.readBigUInt64BE(0) !== OPTION_REPLY_MAGIC || h.readUInt32BE(8) !== option)
                throw failed("NBD: the server's option reply is malformed");
            const type = h.readUInt32BE(12);
            const data = await this.input.take(h.readUInt32BE(16));
            if (type === REP_ACK)
                return replies;
            if (type & 0x80000000)
                throw failed(`NBD: the server refused option ${option}: ${data.subarray(0).toString("utf8") || `error ${type & 0x7fffffff}`}`);
            replies.push({ type, data });
        }
    }

    private async handshake(name: string, contexts: string[]): Promise<void> {
        const h = await this.input.take(18);
        if (h.subarray(0, 8).toString() !== "NBDMAGIC" || !h.subarray(8, 16).equals(IHAVEOPT) || !(h.readUInt16BE(16) & FLAG_FIXED_NEWSTYLE))
            throw failed("NBD: the server does not speak the fixed newstyle protocol");
        const flags = Buffer.alloc(4);
        flags.writeUInt32BE(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES);
        this.socket.write(flags);
        await this.option(OPT_STRUCTURED_REPLY, Buffer.alloc(0));
        await this.optionReplies(OPT_STRUCTURED_REPLY);
        const nameBytes = Buffer.from(name);
        if (contexts.length) {
            const parts = [u32(nameBytes.length), nameBytes, u32(contexts.length)];
            for (const c of contexts)
                parts.push(u32(Buffer.byteLength(c)), Buffer.from(c));
            await this.option(OPT_SET_META_CONTEXT, Buffer.concat(parts));
            for (const r of await this.optionReplies(OPT_SET_META_CONTEXT))
                if (r.type === REP_META_CONTEXT)
                    this.contexts.set(r.data.subarray(4).toString(), r.data.readUInt32BE(0));
            const missing = contexts.filter(c => !this.contexts.has(c));
            if (missing.length)
                throw failed(`NBD: the server has no ${missing.join(", ")}`);
        }
        await this.option(OPT_GO, Buffer.concat([u32(nameBytes.length), nameBytes, Buffer.alloc(2)]));
        for (const r of await this.optionReplies(OPT_GO))
            if (r.type === REP_INFO && r.data.readUInt16BE(0) === 0)
                this.size = Number(r.data.readBigUInt64BE(2));
    }

    private request(type: number, offset: number, length: number, data?: Buffer): bigint {
        const h = Buffer.alloc(28);
        h.writeUInt32BE(REQUEST_MAGIC, 0);
        h.writeUInt16BE(0, 4);
        h.writeUInt16BE(type, 6);
        const cookie = this.cookie++;
        h.writeBigUInt64BE(cookie, 8);
        h.writeBigUInt64BE(BigInt(offset), 16);
        h.writeUInt32BE(length, 24);
        this.socket.write(data ? Buffer.concat([h, data]) : h);
        return cookie;
    }

    /* Every reply chunk of one request up to the last; `onChunk` gets each structured chunk. */
    private async replies(cookie: bigint, onChunk: (type: number, payload: Buffer) => void): Promise<void> {
        for (;;) {
            const magic = (await this.input.take(4)).readUInt32BE(0);
            if (magic === SIMPLE_REPLY_MAGIC) {
                const h = await this.input.take(12);
                if (h.readBigUInt64BE(4) !== cookie)
                    throw failed("NBD: a reply to another request");
                if (h.readUInt32BE(0) !== 0)
                    throw failed(`NBD: the request failed with error ${h.readUInt32BE(0)}`);
                return;
            }
            if (magic !== STRUCTURED_REPLY_MAGIC)
                throw failed("NBD: the server's reply is malformed");
            const h = await this.input.take(16);
            const [flags, type] = [h.readUInt16BE(0), h.readUInt16BE(2)];
            if (h.readBigUInt64BE(4) !== cookie)
                throw failed("NBD: a reply to another request");
            const payload = await this.input.take(h.readUInt32BE(12));
            if (type & 0x8000)
                throw failed(`NBD: the request failed with error ${payload.readUInt32BE(0)}${payload.length > 6 ? `: ${payload.subarray(6, 6 + payload.readUInt16BE(4)).toString()}` : ""}`);
            onChunk(type, payload);
            if (flags & REPLY_FLAG_DONE)
                return;
        }
    }

    /* `length` bytes at `offset` (holes come back as zeros). */
    async read(offset: number, length: number): Promise<Buffer> {
        const data: Array<{ at: number; bytes: Buffer }> = [];
        for (let done = 0; done < length;) {
            const n = Math.min(MAX_REQUEST, length - done);
            await this.replies(this.request(CMD_READ, offset + done, n), (type, p) => {
                if (type === REPLY_OFFSET_DATA)
                    data.push({ at: Number(p.readBigUInt64BE(0)) - offset, bytes: p.subarray(8) });
                else if (type !== REPLY_OFFSET_HOLE)
                    throw failed(`NBD: unexpected reply ${type} to a read`);
            });
            done += n;
        }
        // the usual answer, one piece of data for all of it, is handed on without a copy
        if (data.length === 1 && data[0].at === 0 && data[0].bytes.length === length)
            return data[0].bytes;
        const out = Buffer.alloc(length);
        for (const d of data)
            d.bytes.copy(out, d.at);
        return out;
    }

    async write(offset: number, data: Buffer): Promise<void> {
        for (let done = 0; done < data.length;) {
            const n = Math.min(MAX_REQUEST, data.length - done);
            await this.replies(this.request(CMD_WRITE, offset + done, n, data.subarray(done, done + n)), () => undefined);
            done += n;
        }
    }

    async flush(): Promise<void> {
        await this.replies(this.request(CMD_FLUSH, 0, 0), () => undefined);
    }

    /* The runs of `context`'s state over the whole disk, in order. */
    async extents(context: string): Promise<Extent[]> {
        const id = this.contexts.get(context);
        if (id === undefined)
            throw failed(`NBD: ${context} was not negotiated`);
        const out: Extent[] = [];
        let offset = 0;
        while (offset < this.size) {
            const asked = Math.min(MAX_REQUEST * 32, this.size - offset);
            let got = 0;
            await this.replies(this.request(CMD_BLOCK_STATUS, offset, asked), (type, p) => {
                if (type !== REPLY_BLOCK_STATUS || p.readUInt32BE(0) !== id)
                    return;
                for (let i = 4; i + 8 <= p.length; i += 8) {
                    const length = Math.min(p.readUInt32BE(i), this.size - offset - got);
                    if (length <= 0)
                        break;
                    out.push({ offset: offset + got, length, flags: p.readUInt32BE(i + 4) });
                    got += length;
                }
            });
            if (got === 0)
                throw failed(`NBD: no block status for ${context} at ${offset}`);
            offset += got;
        }
        return out;
    }

    async close(): Promise<void> {
        if (!this.input.failed)
            this.request(CMD_DISC, 0, 0);
        this.socket.end();
        await new Promise<void>(resolve => {
            if (this.socket.closed)
                resolve();
            else
                this.socket.once("close", () => resolve());
        });
    }
}

function u32(n: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
}
