// The entries of a tar stream (ustar, with PAX and GNU long names), as
// restic dump writes a directory: each entry's name, type and data, read
// one after the other from a ByteQueue. An entry larger than `maxBytes` is
// an error, so a hostile or damaged stream cannot ask for unbounded memory.
import type { ByteQueue } from "./byte-queue.js";

const BLOCK = 512;

export interface TarEntry {
    name: string;
    /** "0": a regular file, "5": a directory, … (tar's type flag) */
    type: string;
    data: Buffer;
}

function text(b: Buffer): string {
    const nul = b.indexOf(0);
    return b.subarray(0, nul === -1 ? b.length : nul).toString("utf8");
}

function number(field: Buffer): number {
    if (field[0] & 0x80) {
        // base-256: a big-endian number in the rest of the field
        let n = 0;
        for (const byte of field.subarray(1))
            n = n * 256 + byte;
        return n;
    }
    const digits = text(field).trim();
    if (digits && !/^[0-7]+$/.test(digits))
        throw new Error(`tar: a malformed number "${digits}"`);
    return parseInt(digits || "0", 8);
}

/* PAX records "LENGTH key=value\n": the path, when it gives one. */
function paxPath(data: Buffer): string | null {
    for (const record of data.toString("utf8").split("\n")) {
        const m = /^\d+ path=(.*)$/s.exec(record);
        if (m)
            return m[1];
    }
    return null;
}

export async function* tarEntries(input: ByteQueue, maxBytes: number): AsyncGenerator<TarEntry> {
    let longName: string | null = null;
    for (;;) {
        if (await input.atEnd())
            return;
        const header = await input.take(BLOCK);
        if (header.every(b => b === 0))
            return; // the end-of-archive blocks
        const size = number(header.subarray(124, 136));
        if (size > maxBytes)
            throw new Error(`tar: an entry of ${size} bytes, more than the ${maxBytes} expected`);
        const type = String.fromCharCode(header[156] || 0x30);
        const data = await input.take(size);
        await input.take((BLOCK - size % BLOCK) % BLOCK);
        if (type === "x" || type === "L") {
            longName = type === "x" ? paxPath(data) ?? longName : text(data);
            continue;
        }
        if (type === "g")
            continue;
        const prefix = text(header.subarray(345, 500));
        const name = longName ?? (prefix ? `${prefix}/${text(header.subarray(0, 100))}` : text(header.subarray(0, 100)));
        longName = null;
        yield { name, type, data };
    }
}
