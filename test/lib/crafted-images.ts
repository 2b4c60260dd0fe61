// Disk images crafted to make qemu-img read another file of the host: a
// secret the test makes, named by a VMDK extent, a VMDK parent, a qcow2
// backing file (also as a json: name) or a qcow2 external data file. Each is
// built here, in the test, with qemu-img and a few patched header bytes.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export interface Secret { file: string; marker: string }

/* A root-only file of 1 MiB (the size of the crafted images) whose every 4 KiB starts with a marker no other file has. */
export function makeSecret(dir: string): Secret {
    const marker = `DEBVISOR-SECRET-${crypto.randomBytes(8).toString("hex")}`;
    const file = path.join(dir, "secret.bin");
    const block = Buffer.alloc(4096, 0x5a);
    block.write(marker);
    fs.writeFileSync(file, Buffer.concat(Array.from({ length: 256 }, () => block)), { mode: 0o600 });
    return { file, marker };
}

function qemuImg(...args: string[]): void {
    execFileSync("qemu-img", args, { stdio: "ignore" });
}

export function vmdkDescriptor(createType: string, extents: string[], extra: string[] = []): string {
    return ["# Disk DescriptorFile", "version=1", "CID=fffffffe", "parentCID=ffffffff", `createType="${createType}"`, ...extra, "",
        "# Extent description", ...extents, "", "ddb.virtualHWVersion = \"4\"", ""].join("\n");
}

/* A monolithicSparse VMDK from qemu-img with its embedded descriptor replaced (and its capacity, if given). */
function patchedSparseVmdk(file: string, descriptor: string, capacitySectors?: bigint): string {
    qemuImg("create", "-q", "-f", "vmdk", file, "1M");
    const image = fs.readFileSync(file);
    const at = Number(image.readBigUInt64LE(28)) * 512;
    const room = Number(image.readBigUInt64LE(36)) * 512;
    const text = Buffer.alloc(room);
    text.write(descriptor, "latin1");
    text.copy(image, at);
    if (capacitySectors !== undefined)
        image.writeBigUInt64LE(capacitySectors, 12);
    fs.writeFileSync(file, image);
    return file;
}

export interface Crafted {
    /** what the image tries */
    label: string;
    file: string;
    /** what the refusal must say */
    reason: RegExp;
}

/* Every crafted image, each in `dir`, each aimed at `secret`. */
export function craftImages(dir: string, secret: Secret): Crafted[] {
    const out: Crafted[] = [];
    const put = (label: string, name: string, reason: RegExp, build: (file: string) => void) => {
        const file = path.join(dir, name);
        build(file);
        fs.chmodSync(file, 0o644);
        out.push({ label, file, reason });
    };
    const sectors = fs.statSync(secret.file).size / 512;
    put("VMDK descriptor with a FLAT extent on the secret", "flat.vmdk", /VMDK descriptor \(createType "monolithicFlat"\) whose data lies in other files/,
        f => fs.writeFileSync(f, vmdkDescriptor("monolithicFlat", [`RW ${sectors} FLAT "${secret.file}" 0`])));
    put("the same descriptor under an .img name, with a FLAT extent made of a whole device's worth", "looks-raw.img", /VMDK descriptor \(createType "vmfs"\) whose data lies in other files/,
        f => fs.writeFileSync(f, vmdkDescriptor("vmfs", [`RW ${sectors} VMFS "${secret.file}"`])));
    put("twoGbMaxExtentSparse VMDK (extents in other files)", "split.vmdk", /VMDK descriptor \(createType "twoGbMaxExtentSparse"\)/,
        f => qemuImg("create", "-q", "-f", "vmdk", "-o", "subformat=twoGbMaxExtentSparse", f, "1M"));
    put("monolithicFlat VMDK made by qemu-img", "mflat.vmdk", /VMDK descriptor \(createType "monolithicFlat"\)/,
        f => qemuImg("create", "-q", "-f", "vmdk", "-o", "subformat=monolithicFlat", f, "1M"));
    // the parent is a VMDK too: the FLAT descriptor above
    put("sparse VMDK whose embedded descriptor names a parent", "parent.vmdk", /VMDK that names a parent image/,
        f => patchedSparseVmdk(f, vmdkDescriptor("monolithicSparse", ["RW 2048 SPARSE \"parent.vmdk\""], [`parentFileNameHint="${path.join(dir, "flat.vmdk")}"`])
            // qemu reads through a parent only when its CID is the one recorded here
            .replace("parentCID=ffffffff", "parentCID=fffffffe")));
    // qemu finds the hint anywhere in the embedded descriptor's text, also inside a comment
    put("sparse VMDK with a parent named inside a comment of its descriptor", "parent-comment.vmdk", /VMDK that names a parent image/,
        f => patchedSparseVmdk(f, vmdkDescriptor("monolithicSparse", ["RW 2048 SPARSE \"parent-comment.vmdk\""], [`# parentFileNameHint="${path.join(dir, "flat.vmdk")}"`])
            .replace("parentCID=ffffffff", "parentCID=fffffffe")));
    put("sparse VMDK header of capacity 0 wrapping a FLAT descriptor", "wrapper.vmdk", /capacity 0/,
        f => patchedSparseVmdk(f, vmdkDescriptor("monolithicFlat", [`RW ${sectors} FLAT "${secret.file}" 0`]), 0n));
    put("sparse VMDK whose embedded descriptor lists a FLAT extent", "sparse-flat.vmdk", /VMDK whose extents lie in other files/,
        f => patchedSparseVmdk(f, vmdkDescriptor("monolithicSparse", [`RW ${sectors} FLAT "${secret.file}" 0`])));
    put("qcow2 with the secret as backing file", "backing.qcow2", /has a backing file/,
        f => qemuImg("create", "-q", "-f", "qcow2", "-u", "-F", "raw", "-b", secret.file, f, "256K"));
    put("qcow2 with a json: backing file name", "json.qcow2", /has a backing file \("json:/,
        f => qemuImg("create", "-q", "-f", "qcow2", "-u", "-F", "raw", "-b", `json:{"driver":"raw","file":{"driver":"file","filename":"${secret.file}"}}`, f, "256K"));
    put("qcow2 with an external data file", "datafile.qcow2", /keeps its data in another file \(a qcow2 external data file\)/, f => {
        const data = path.join(dir, "datafile.data");
        qemuImg("create", "-q", "-f", "qcow2", "-o", `data_file=${data},data_file_raw=on`, f, "256K");
        // the data file now holds the secret's bytes, as if it had been named directly
        fs.copyFileSync(secret.file, data);
    });
    const link = path.join(dir, "innocent.qcow2");
    fs.symlinkSync(path.join(dir, "flat.vmdk"), link);
    out.push({ label: "a symlink to the FLAT descriptor", file: link, reason: /VMDK descriptor \(createType "monolithicFlat"\)/ });
    return out;
}

/* Ordinary images that must still import: qcow2, raw, monolithicSparse and streamOptimized VMDK. */
export function ordinaryImages(dir: string, raw: string): string[] {
    const out: string[] = [];
    for (const [name, args] of [["plain.qcow2", ["-O", "qcow2"]], ["sparse.vmdk", ["-O", "vmdk"]],
        ["stream.vmdk", ["-O", "vmdk", "-o", "subformat=streamOptimized"]]] as const) {
        const file = path.join(dir, name);
        qemuImg("convert", "-f", "raw", ...args, raw, file);
        fs.chmodSync(file, 0o644);
        out.push(file);
    }
    return [raw, ...out];
}

/* Whether the secret's marker appears anywhere in the file. */
export function containsSecret(file: string, secret: Secret): boolean {
    const fd = fs.openSync(file, "r");
    try {
        const marker = Buffer.from(secret.marker);
        const buffer = Buffer.alloc(1 << 20);
        let tail = Buffer.alloc(0);
        for (let at = 0; ;) {
            const n = fs.readSync(fd, buffer, 0, buffer.length, at);
            if (n === 0)
                return false;
            const chunk = Buffer.concat([tail, buffer.subarray(0, n)]);
            if (chunk.includes(marker))
                return true;
            tail = chunk.subarray(Math.max(0, chunk.length - marker.length));
            at += n;
        }
    } finally {
        fs.closeSync(fd);
    }
}
