// The repositories DebVisor backs up to, kept root-only in
// /etc/debvisor/backup: repositories.json (names and locations, no secret),
// and per repository NAME.password (restic's password, read by restic from
// the file and never again sent anywhere), NAME.ssh-key and NAME.known_hosts
// for SFTP. Every file is written atomically, mode 0600, in a 0700 directory.
import fs from "node:fs";
import path from "node:path";
import { ensureDirectory, removeFromDirectory, writeFileAtomically, writeJsonAtomically } from "../../lib/atomic-file.js";
import { readListFile } from "./list-file.js";
import { parseLocation, type RepositoryLocation } from "./locations.js";
import type { RepositoryAccess } from "./restic.js";

export const BACKUP_DIR = "/etc/debvisor/backup";

export interface RepositoryRecord {
    name: string;
    location: string;
    /** when it was added, ms since the epoch */
    added: number;
    addedByUid: number;
    /** restic init made it (false: an existing repository was opened) */
    created: boolean;
}

export class RepositoryStore {
    constructor(readonly dir = BACKUP_DIR) {}

    private get listFile(): string {
        return path.join(this.dir, "repositories.json");
    }

    list(): RepositoryRecord[] {
        return readListFile<RepositoryRecord>(this.listFile, "repositories");
    }

    get(name: string): RepositoryRecord | undefined {
        return this.list().find(r => r.name === name);
    }

    ensureDir(): void {
        ensureDirectory(this.dir, 0o700);
    }

    files(name: string) {
        return {
            password: path.join(this.dir, `${name}.password`),
            key: path.join(this.dir, `${name}.ssh-key`),
            knownHosts: path.join(this.dir, `${name}.known_hosts`),
        };
    }

    access(record: RepositoryRecord): RepositoryAccess {
        const files = this.files(record.name);
        return {
            location: parseLocation(record.location), passwordFile: files.password,
            ssh: { key: fs.existsSync(files.key) ? files.key : null, knownHosts: files.knownHosts },
        };
    }

    /* The secrets of a repository being added, under names of their own until it is saved:
     * a failed add leaves nothing, and a saved repository's files are never half-replaced. */
    stageSecrets(name: string, password: string, sshKey: Buffer | null, location: RepositoryLocation): { access: RepositoryAccess; commit(): void; discard(): void } {
        this.ensureDir();
        const staged = `.adding-${name}`;
        const files = this.files(staged);
        writeFileAtomically(files.password, password, 0o600);
        if (sshKey)
            writeFileAtomically(files.key, sshKey, 0o600);
        const final = this.files(name);
        const names = (f: ReturnType<RepositoryStore["files"]>) => [f.password, f.key, f.knownHosts].map(p => path.basename(p));
        return {
            access: { location, passwordFile: files.password, ssh: { key: sshKey ? files.key : null, knownHosts: files.knownHosts } },
            commit: () => {
                for (const [from, to] of [[files.password, final.password], [files.key, final.key], [files.knownHosts, final.knownHosts]]) {
                    if (fs.existsSync(from))
                        fs.renameSync(from, to);
                    else
                        fs.rmSync(to, { force: true });
                }
            },
            discard: () => removeFromDirectory(this.dir, names(files)),
        };
    }

    add(record: RepositoryRecord): void {
        const list = this.list().filter(r => r.name !== record.name);
        list.push(record);
        writeJsonAtomically(this.listFile, { repositories: list }, 0o600);
    }

    /* Forgets a repository: its entry and its secrets; the repository's data stays where it is. */
    remove(name: string): void {
        writeJsonAtomically(this.listFile, { repositories: this.list().filter(r => r.name !== name) }, 0o600);
        const f = this.files(name);
        removeFromDirectory(this.dir, [f.password, f.key, f.knownHosts].map(p => path.basename(p)));
    }
}
