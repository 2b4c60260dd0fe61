// Reads a disk image's own header to decide its format, and refuses every
// image that would make qemu-img open another file: VMDK descriptors with
// extents elsewhere, VMDK parents, qcow2 backing files and external data
// files, differencing VDI/VHD. qemu-img's own report is not trusted for this:
// it is the program being steered, and `qemu-img info` opens what an image
// names before it says so. The caller then runs qemu-img with `-f` set to the
// format found here, so a raw file is never probed into something else.

const SOURCE_FORMATS = ["qcow2", "raw", "vmdk", "vdi", "vpc", "vhdx"] as const;
export type SourceFormat = typeof SOURCE_FORMATS[number];

/* Reads `length` bytes at `offset` of the opened image (fewer at its end). */
interface ImageReader {
    size: number;
    read(offset: number, length: number): Buffer;
}

/* Why an image is refused, in words for the person importing it. */
export class RefusedImage extends Error {}

const refuse = (reason: string): never => {
    throw new RefusedImage(reason);
};

const QCOW_MAGIC = 0x514649fb;
const QCOW2_INCOMPAT_DATA_FILE = 1n << 2n;
const QCOW2_EXT_DATA_FILE = 0x44415441;
const QCOW2_HEADER_EXTENSIONS_MAX = 64;

/* qcow2: no backing file, no external data file, no encryption (it needs a secret). */
function checkQcow2(r: ImageReader, head: Buffer): void {
    const version = head.readUInt32BE(4);
    if (version === 1)
        refuse("is a qcow (version 1) image; convert it to qcow2 first");
    if (version !== 2 && version !== 3)
        refuse(`is a qcow2 image of unknown version ${version}`);
    const backingOffset = head.readBigUInt64BE(8);
    const backingSize = head.readUInt32BE(16);
    if (backingOffset !== 0n || backingSize !== 0) {
        const name = backingOffset > 0n && backingOffset < BigInt(r.size)
            ? r.read(Number(backingOffset), Math.min(backingSize, 1023)).toString("latin1") : "";
        refuse(`has a backing file${name ? ` (${JSON.stringify(name)})` : ""}; import a flattened image (qemu-img convert without -B)`);
    }
    if (head.readUInt32BE(32) !== 0)
        refuse("is an encrypted qcow2 image; decrypt it first");
    if (version === 3 && (head.readBigUInt64BE(72) & QCOW2_INCOMPAT_DATA_FILE) !== 0n)
        refuse("keeps its data in another file (a qcow2 external data file); import a self-contained image");
    // header extensions: the data file's name could be there without the feature bit
    let at = version === 2 ? 72 : head.readUInt32BE(100);
    for (let n = 0; n < QCOW2_HEADER_EXTENSIONS_MAX && at + 8 <= r.size; n++) {
        const ext = r.read(at, 8);
        if (ext.length < 8)
            break;
        const type = ext.readUInt32BE(0);
        const length = ext.readUInt32BE(4);
        if (type === 0)
            return;
        if (type === QCOW2_EXT_DATA_FILE)
            refuse("names an external data file; import a self-contained image");
        at += 8 + Math.ceil(length / 8) * 8;
    }
}

/*
 * The lines of a VMDK descriptor that matter: createType, extents, parent.
 * Only one plain sparse extent is allowed; the file that holds it is the
 * image itself (monolithicSparse, streamOptimized).
 */
function checkVmdkDescriptor(text: string, embedded: boolean): void {
    const lines = text.split(/\r?\n/).map(l => l.trim()).filter(l => l && !l.startsWith("#"));
    const createType = /^createType\s*=\s*"([^"]*)"/.exec(lines.find(l => l.startsWith("createType")) ?? "")?.[1] ?? "";
    if (!embedded)
        refuse(`is a VMDK descriptor (createType "${createType || "unknown"}") whose data lies in other files; import a single-file (monolithicSparse or streamOptimized) .vmdk`);
    if (createType && createType !== "monolithicSparse" && createType !== "streamOptimized")
        refuse(`is a VMDK of type "${createType}" whose data lies in other files; import a monolithicSparse or streamOptimized .vmdk`);
    const extents = lines.filter(l => /^(RW|RDONLY|NOACCESS)\s/.test(l));
    if (extents.length > 1 || extents.some(l => !/^\S+\s+\d+\s+SPARSE\s/.test(l)))
        refuse(`is a VMDK whose extents lie in other files (${extents.join("; ")}); import a monolithicSparse or streamOptimized .vmdk`);
}

const VMDK_PARENT_HINT = "parentFileNameHint";
/* where qemu looks for a sparse VMDK's parent, whatever the header says: 20 sectors from sector 1 */
const VMDK_PARENT_TEXT = { offset: 512, length: 20 * 512 };

/* The text of a descriptor as qemu reads it: a C string, up to the first NUL. */
function descriptorText(r: ImageReader, offset: number, length: number): string {
    return r.read(offset, length).toString("latin1").replace(/\0[\s\S]*$/, "");
}

/* A hosted sparse VMDK ("KDMV"): its embedded descriptor must describe only itself. */
function checkVmdkSparse(r: ImageReader, head: Buffer): void {
    const capacity = head.readBigUInt64LE(12);
    const descriptorOffset = head.readBigUInt64LE(28);
    const descriptorSectors = head.readBigUInt64LE(36);
    // qemu treats a sparse header of capacity 0 as a wrapper around a descriptor and follows its extents
    if (capacity === 0n)
        refuse("is a VMDK whose sparse header only wraps a descriptor (capacity 0); import a monolithicSparse or streamOptimized .vmdk");
    // qemu searches the parent's name anywhere in that text (a comment too), not line by line
    const parentText = descriptorText(r, VMDK_PARENT_TEXT.offset, VMDK_PARENT_TEXT.length);
    if (parentText.includes(VMDK_PARENT_HINT))
        refuse(`is a VMDK that names a parent image (${/parentFileNameHint[^\n]*/.exec(parentText)?.[0]}); import a flattened image`);
    if (descriptorOffset === 0n)
        return;
    const length = Number(descriptorSectors > 2048n ? 2048n : descriptorSectors) * 512;
    const text = descriptorText(r, Number(descriptorOffset) * 512, length);
    if (text.includes(VMDK_PARENT_HINT))
        refuse(`is a VMDK that names a parent image (${/parentFileNameHint[^\n]*/.exec(text)?.[0]}); import a flattened image`);
    checkVmdkDescriptor(text, true);
}

/*
 * qemu probes a text file as a VMDK descriptor when its first line that is
 * not a comment or blank is "version=N". Anything close to that is refused,
 * rather than imported as raw text that the person meant as a VMDK.
 */
function looksLikeVmdkDescriptor(head: Buffer): boolean {
    const text = head.subarray(0, 4096).toString("latin1");
    for (const line of text.split("\n")) {
        const l = line.trim();
        if (l === "" || l.startsWith("#"))
            continue;
        return /^version\s*=/.test(l);
    }
    return false;
}

/* Formats qemu would recognise that DebVisor does not import. */
const OTHER_FORMATS: Array<[string, (head: Buffer) => boolean]> = [
    ["QED", h => h.subarray(0, 4).equals(Buffer.from("QED\0", "latin1"))],
    ["LUKS", h => h.subarray(0, 6).equals(Buffer.from("LUKS\xba\xbe", "latin1"))],
    ["Parallels", h => ["WithoutFreeSpace", "WithouFreSpacExt"].includes(h.subarray(0, 16).toString("latin1"))],
    ["Bochs", h => h.subarray(0, 22).toString("latin1") === "Bochs Virtual HD Image"],
    ["cloop", h => h.subarray(0, 22).toString("latin1") === "#!/bin/sh\n#V2.0 Format"],
    ["VMDK3 (COWD)", h => h.subarray(0, 4).toString("latin1") === "COWD"],
];

/* GUIDs as they lie on disk (the first three fields little-endian) */
function guid(text: string): Buffer {
    const hex = text.replace(/-/g, "");
    const b = Buffer.from(hex, "hex");
    return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
}
const VHDX_METADATA_REGION = guid("8B7CA206-4790-4B9A-B8FE-575F050F886E");
const VHDX_FILE_PARAMETERS = guid("CAA16737-FA36-4D43-B3B6-33F0AA44E76B");
const VHDX_VIRTUAL_DISK_SIZE = guid("2FA54224-CD1B-4876-B211-5DBED83BF4B8");
const VHDX_HAS_PARENT = 2;

/* VHDX: the virtual size from its metadata; a differencing disk (one with a parent) is refused. */
function checkVhdx(r: ImageReader): number {
    const regions = r.read(192 * 1024, 64 * 1024);
    if (regions.length < 16 || regions.subarray(0, 4).toString("latin1") !== "regi")
        refuse("is a VHDX image without a readable region table");
    let metadataAt = -1;
    for (let i = 0, n = Math.min(regions.readUInt32LE(8), 2047); i < n && 16 + (i + 1) * 32 <= regions.length; i++) {
        const entry = regions.subarray(16 + i * 32, 48 + i * 32);
        if (entry.subarray(0, 16).equals(VHDX_METADATA_REGION))
            metadataAt = Number(entry.readBigUInt64LE(16));
    }
    const table = metadataAt > 0 ? r.read(metadataAt, 64 * 1024) : Buffer.alloc(0);
    if (table.length < 32 || table.subarray(0, 8).toString("latin1") !== "metadata")
        refuse("is a VHDX image without a readable metadata table");
    let size = -1;
    for (let i = 0, n = Math.min(table.readUInt16LE(10), 2047); i < n && 32 + (i + 1) * 32 <= table.length; i++) {
        const entry = table.subarray(32 + i * 32, 64 + i * 32);
        const value = r.read(metadataAt + entry.readUInt32LE(16), 8);
        if (value.length < 8)
            continue;
        if (entry.subarray(0, 16).equals(VHDX_FILE_PARAMETERS) && (value.readUInt32LE(4) & VHDX_HAS_PARENT))
            refuse("is a differencing VHDX that needs its parent image; import a flattened image");
        if (entry.subarray(0, 16).equals(VHDX_VIRTUAL_DISK_SIZE))
            size = Number(value.readBigUInt64LE(0));
    }
    if (size < 0)
        refuse("is a VHDX image without a virtual size");
    return size;
}

interface InspectedImage { format: SourceFormat; virtualSize: number }

function detect(r: ImageReader, head: Buffer): InspectedImage {
    if (head.length >= 104 && head.readUInt32BE(0) === QCOW_MAGIC) {
        checkQcow2(r, head);
        return { format: "qcow2", virtualSize: Number(head.readBigUInt64BE(24)) };
    }
    if (head.length >= 512 && head.subarray(0, 4).toString("latin1") === "KDMV") {
        checkVmdkSparse(r, head);
        return { format: "vmdk", virtualSize: Number(head.readBigUInt64LE(12)) * 512 };
    }
    if (head.length >= 512 && head.subarray(0, 8).toString("latin1") === "conectix") {
        if (head.readUInt32BE(60) === 4)
            refuse("is a differencing VHD that needs its parent image; import a flattened image");
        return { format: "vpc", virtualSize: Number(head.readBigUInt64BE(48)) };
    }
    if (head.length >= 0x178 && head.readUInt32LE(0x40) === 0xbeda107f) {
        const type = head.readUInt32LE(0x4c);
        if (type !== 1 && type !== 2)
            refuse("is a differencing or undo VDI that needs its parent image; import a flattened image");
        return { format: "vdi", virtualSize: Number(head.readBigUInt64LE(0x170)) };
    }
    if (head.subarray(0, 8).toString("latin1") === "vhdxfile")
        return { format: "vhdx", virtualSize: checkVhdx(r) };
    for (const [name, matches] of OTHER_FORMATS) {
        if (matches(head))
            refuse(`is a ${name} image; supported are ${SOURCE_FORMATS.join(", ")}`);
    }
    if (looksLikeVmdkDescriptor(head))
        checkVmdkDescriptor(head.toString("latin1"), false);
    return { format: "raw", virtualSize: r.size };
}

/*
 * The format of the image, read from its header; throws RefusedImage saying
 * why when it would reference another file. `declared` is the format a
 * machine's definition gives its disk: a raw disk's bytes belong to its guest
 * and are never interpreted, whatever header the guest wrote there.
 */
export function inspectImage(r: ImageReader, declared?: string): InspectedImage {
    if (declared === "raw")
        return { format: "raw", virtualSize: r.size };
    const found = detect(r, r.read(0, 64 * 1024));
    if (declared !== undefined && found.format !== declared)
        refuse(`is declared ${declared} but its header says ${found.format}`);
    return found;
}

/* Reads from an open file descriptor: the file qemu-img is given is the one inspected. */
export function fdReader(fd: number, size: number, readSync: (fd: number, buffer: Buffer, offset: number, length: number, position: number) => number): ImageReader {
    return {
        size,
        read(offset, length) {
            const want = Math.max(0, Math.min(length, size - offset));
            const buffer = Buffer.alloc(want);
            let got = 0;
            while (got < want) {
                const n = readSync(fd, buffer, got, want - got, offset + got);
                if (n === 0)
                    break;
                got += n;
            }
            return buffer.subarray(0, got);
        },
    };
}
