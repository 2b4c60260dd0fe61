// TSIG key files: one per key generation, in tsig-keygen's format, readable
// by root and the group bind only (named runs as bind); `NAME.key` is a
// symbolic link to the current generation for clients such as a host's own
// registration script. Secrets never leave these files except into
// nsupdate's stdin.
import fs from "node:fs";
import path from "node:path";
import { ensureDirectory, replaceSymlink, writeFileAtomically, type FileOwner } from "../../lib/atomic-file.js";
import { groupId, userId } from "../../lib/system-ids.js";
import { parseKeyText } from "./dns-tools.js";
import { tsigName } from "./dns-state.js";
import type { TsigSecret } from "./nsupdate-script.js";

const KEY_MODE = 0o640;

/* root:bind for what named reads (keys); bind:bind for what it writes (zone files, journals). */
export function bindOwner(writer = false): FileOwner | undefined {
    const gid = groupId("bind");
    if (gid === undefined)
        return undefined;
    return { uid: writer ? userId("bind") ?? 0 : 0, gid };
}

export class KeyFiles {
    constructor(readonly dir: string) {}

    file(key: string, generation: number): string {
        return path.join(this.dir, `${tsigName(key, generation)}.key`);
    }

    write(key: string, generation: number, text: string): void {
        const owner = bindOwner();
        ensureDirectory(this.dir, 0o750, owner);
        writeFileAtomically(this.file(key, generation), text, KEY_MODE, owner);
    }

    exists(key: string, generation: number): boolean {
        return fs.existsSync(this.file(key, generation));
    }

    read(key: string, generation: number): TsigSecret {
        const secret = parseKeyText(fs.readFileSync(this.file(key, generation), "utf8"));
        if (secret.name !== tsigName(key, generation))
            throw new Error(`${this.file(key, generation)} holds the key ${secret.name}, not ${tsigName(key, generation)}`);
        return secret;
    }

    /* Points NAME.key at a generation, replacing the link in one rename. */
    linkCurrent(key: string, generation: number): void {
        replaceSymlink(this.dir, `${key}.key`, path.basename(this.file(key, generation)));
    }

    remove(key: string, generation: number): void {
        fs.rmSync(this.file(key, generation), { force: true });
    }

    removeAll(key: string): void {
        fs.rmSync(path.join(this.dir, `${key}.key`), { force: true });
        for (const f of fs.existsSync(this.dir) ? fs.readdirSync(this.dir) : [])
            if (f.startsWith(`${key}.g`) && /^\d+\.key$/.test(f.slice(key.length + 2)))
                fs.rmSync(path.join(this.dir, f), { force: true });
    }
}
