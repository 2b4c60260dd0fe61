// The POSIX ustar format, just what evidence bundles need: regular files with
// short names, written as a stream (the size of each file is known before its
// data) and read back from a buffer. Any tar(1) lists and extracts them.

const BLOCK = 512;

export interface TarEntry {
    name: string;
    data: Buffer;
}

function octal(value: number, width: number): string {
    return value.toString(8).padStart(width - 1, "0") + "\0";
}

/* The 512-byte header of a regular file. */
export function tarHeader(name: string, size: number, mtimeSeconds: number, mode = 0o644): Buffer {
    if (Buffer.byteLength(name) > 100)
        throw new Error(`tar: the name ${name} is longer than 100 bytes`);
    const header = Buffer.alloc(BLOCK);
    header.write(name, 0, 100, "utf8");
    header.write(octal(mode, 8), 100, "ascii");
    header.write(octal(0, 8), 108, "ascii"); // uid
    header.write(octal(0, 8), 116, "ascii"); // gid
    header.write(octal(size, 12), 124, "ascii");
    header.write(octal(mtimeSeconds, 12), 136, "ascii");
    header.write("        ", 148, "ascii"); // the checksum counts as spaces while it is computed
    header.write("0", 156, "ascii"); // a regular file
    header.write("ustar\0" + "00", 257, "ascii");
    header.write("root", 265, "ascii");
    header.write("root", 297, "ascii");
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "ascii");
    return header;
}

/* Zeros after a file's data up to the next block. */
export function tarPadding(size: number): Buffer {
    return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/* Two zero blocks end the archive. */
export const TAR_END = Buffer.alloc(2 * BLOCK);

function field(header: Buffer, at: number, length: number): string {
    const text = header.toString("utf8", at, at + length);
    const nul = text.indexOf("\0");
    return nul >= 0 ? text.slice(0, nul) : text;
}

/* The regular files of an archive, in order. Throws on a damaged header. */
export function readTar(archive: Buffer): TarEntry[] {
    const entries: TarEntry[] = [];
    let at = 0;
    while (at + BLOCK <= archive.length) {
        const header = archive.subarray(at, at + BLOCK);
        if (header.every(b => b === 0))
            break;
        const stored = parseInt(field(header, 148, 8).trim(), 8);
        let sum = 0;
        for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
        if (stored !== sum)
            throw new Error(`the archive header at byte ${at} is damaged (checksum)`);
        const name = field(header, 0, 100);
        const size = parseInt(field(header, 124, 12).trim(), 8);
        const type = field(header, 156, 1);
        if (!Number.isInteger(size) || size < 0 || at + BLOCK + size > archive.length)
            throw new Error(`the archive is cut short in ${name}`);
        if (type === "0" || type === "")
            entries.push({ name, data: archive.subarray(at + BLOCK, at + BLOCK + size) });
        at += BLOCK + size + ((BLOCK - (size % BLOCK)) % BLOCK);
    }
    return entries;
}
