// The swap of a restore over the original machine, written down before its
// first rename: the restored disks (complete and checked beside their
// places), the definition to define, and the one to go back to. A daemon
// killed in the middle of the swap finds the journal when it starts again
// and finishes what it was doing — forward to the complete restore, or back
// to the original when the swap had failed and was being undone — so the
// machine is never left half restored. Every step is idempotent: a daemon
// killed during the recovery recovers again.
import fs from "node:fs";
import nodePath from "node:path";
import { ensureDirectory, removeFromDirectory, writeJsonAtomically } from "../../lib/atomic-file.js";
import type { Libvirt } from "../machines/libvirt.js";

const SWAP_JOURNAL_DIR = "/var/lib/debvisor/restore-swaps";
/** Beside a disk while it is restored, and the replaced original until the swap is complete. */
export const STAGED_SUFFIX = ".debvisor-restore";
export const REPLACED_SUFFIX = ".debvisor-restore-old";

interface JournalDisk {
    /** the disk's file; the restored one waits at file + STAGED_SUFFIX */
    file: string;
    /** it replaces a file there (else it is a new volume of the pool at poolPath) */
    replaces: boolean;
    poolPath?: string;
}

export interface SwapJournal {
    version: 1;
    /** the machine's object path and name, for the audit record */
    machine: string;
    name: string;
    uuid: string;
    disks: JournalDisk[];
    /** the definition of the restored machine */
    definition: string;
    /** the definition before the restore */
    previous: string;
    /** forward: the swap was under way; back: it failed and was being undone */
    direction: "forward" | "back";
}

const journalFile = (dir: string, uuid: string) => nodePath.join(dir, `${uuid}.json`);

export class SwapJournals {
    constructor(readonly dir = SWAP_JOURNAL_DIR) {}

    write(journal: SwapJournal): void {
        ensureDirectory(this.dir, 0o700);
        writeJsonAtomically(journalFile(this.dir, journal.uuid), journal, 0o600);
    }

    remove(uuid: string): void {
        removeFromDirectory(this.dir, [nodePath.basename(journalFile(this.dir, uuid))]);
    }

    pending(uuid: string): boolean {
        return fs.existsSync(journalFile(this.dir, uuid));
    }

    /* The journals a stopped daemon left (one that cannot be read is reported, not guessed at). */
    list(): Array<SwapJournal | { unreadable: string; problem: string }> {
        let names: string[];
        try {
            names = fs.readdirSync(this.dir).filter(n => /^[0-9a-f-]{36}\.json$/.test(n));
        } catch {
            return [];
        }
        return names.map(n => {
            try {
                const j = JSON.parse(fs.readFileSync(nodePath.join(this.dir, n), "utf8")) as SwapJournal;
                if (j.version !== 1 || !Array.isArray(j.disks) || typeof j.definition !== "string" || typeof j.previous !== "string")
                    throw new Error("not a restore journal of this version");
                return j;
            } catch (e) {
                return { unreadable: nodePath.join(this.dir, n), problem: (e as Error).message };
            }
        });
    }
}

/* Puts every restored disk in its place (the original kept beside it) and defines the restored machine. */
export async function rollForward(libvirt: Libvirt, j: SwapJournal): Promise<void> {
    for (const d of j.disks) {
        const staged = d.file + STAGED_SUFFIX;
        if (!fs.existsSync(staged))
            continue; // swapped in already
        if (d.replaces && !fs.existsSync(d.file + REPLACED_SUFFIX))
            fs.renameSync(d.file, d.file + REPLACED_SUFFIX);
        fs.renameSync(staged, d.file);
    }
    await refreshPools(libvirt, j);
    await libvirt.defineDomain(j.definition);
    for (const d of j.disks.filter(x => x.replaces))
        fs.rmSync(d.file + REPLACED_SUFFIX, { force: true });
}

/* Puts every original back, removes the restored files and defines the machine as it was. */
export async function rollBack(libvirt: Libvirt, j: SwapJournal): Promise<void> {
    for (const d of j.disks) {
        if (d.replaces && fs.existsSync(d.file + REPLACED_SUFFIX))
            fs.renameSync(d.file + REPLACED_SUFFIX, d.file);
        else if (!d.replaces)
            fs.rmSync(d.file, { force: true });
        fs.rmSync(d.file + STAGED_SUFFIX, { force: true });
    }
    await refreshPools(libvirt, j);
    await libvirt.defineDomain(j.previous);
}

/* New volumes appeared or went: their pools learn it (best effort, as after any restore). */
async function refreshPools(libvirt: Libvirt, j: SwapJournal): Promise<void> {
    for (const poolPath of new Set(j.disks.flatMap(d => d.poolPath ? [d.poolPath] : [])))
        await libvirt.poolCall(poolPath, "Refresh").catch(() => undefined);
}
