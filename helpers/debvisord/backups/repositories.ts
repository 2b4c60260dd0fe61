// The repositories DebVisor backs up to, kept root-only in
// /etc/debvisor/backup: repositories.json (names and locations, no secret),
// and per repository NAME.password (restic's password, read by restic from
// the file and never again sent anywhere), NAME.ssh-key and NAME.known_hosts
// for SFTP, NAME.repository for a REST server with a user and password (the
// URL with them, read by restic's --repository-file: never in an argument
// list), NAME.s3-keys for S3 (handed to restic in its environment) and
// NAME.ca.pem for a server whose certificate a CA of its own signed. Every
// file is written atomically, mode 0600, in a 0700 directory.
import fs from "node:fs";
import path from "node:path";
import { ensureDirectory, removeFromDirectory, writeFileAtomically, writeJsonAtomically } from "../../lib/atomic-file.js";
import { NamedList } from "./list-file.js";
import { parseLocation, restRepositoryWithCredentials, type RepositoryLocation } from "./locations.js";
import type { RepositoryAccess, S3Keys } from "./restic.js";

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

/** What is asked for once when a repository is added and then kept root-only. */
interface RepositorySecrets {
    password: string;
    sshKey?: Buffer | null;
    rest?: { user: string; password: string } | null;
    s3?: S3Keys | null;
    caCertificate?: string | null;
}

type SecretFiles = ReturnType<RepositoryStore["files"]>;
const allFiles = (f: SecretFiles) => [f.password, f.key, f.knownHosts, f.repository, f.s3Keys, f.ca];

export class RepositoryStore extends NamedList<RepositoryRecord> {
    constructor(dir = BACKUP_DIR) {
        super(dir, "repositories");
    }

    files(name: string) {
        const at = (suffix: string) => path.join(this.dir, `${name}.${suffix}`);
        return {
            password: at("password"), key: at("ssh-key"), knownHosts: at("known_hosts"),
            repository: at("repository"), s3Keys: at("s3-keys"), ca: at("ca.pem"),
        };
    }

    access(record: RepositoryRecord): RepositoryAccess {
        return this.accessThrough(parseLocation(record.location), this.files(record.name));
    }

    /* The files that exist, as restic is to be given them. */
    private accessThrough(location: RepositoryLocation, files: SecretFiles): RepositoryAccess {
        const present = (file: string) => fs.existsSync(file) ? file : null;
        return {
            location, passwordFile: files.password,
            ssh: { key: present(files.key), knownHosts: files.knownHosts },
            repositoryFile: present(files.repository),
            s3: location.kind === "s3" ? readS3Keys(files.s3Keys) : null,
            caFile: present(files.ca),
        };
    }

    /* The secrets of a repository being added, under names of their own until it is saved:
     * a failed add leaves nothing, and a saved repository's files are never half-replaced. */
    stageSecrets(name: string, secrets: RepositorySecrets, location: RepositoryLocation): { access: RepositoryAccess; commit(): void; discard(): void } {
        ensureDirectory(this.dir, 0o700);
        const files = this.files(`.adding-${name}`);
        writeFileAtomically(files.password, secrets.password, 0o600);
        if (secrets.sshKey)
            writeFileAtomically(files.key, secrets.sshKey, 0o600);
        if (secrets.rest && location.kind === "rest")
            writeFileAtomically(files.repository, `${restRepositoryWithCredentials(location, secrets.rest.user, secrets.rest.password)}\n`, 0o600);
        if (secrets.s3)
            writeJsonAtomically(files.s3Keys, secrets.s3, 0o600);
        if (secrets.caCertificate)
            writeFileAtomically(files.ca, secrets.caCertificate, 0o600);
        const final = allFiles(this.files(name));
        return {
            access: this.accessThrough(location, files),
            commit: () => {
                allFiles(files).forEach((from, i) => {
                    if (fs.existsSync(from))
                        fs.renameSync(from, final[i]);
                    else
                        fs.rmSync(final[i], { force: true });
                });
            },
            discard: () => removeFromDirectory(this.dir, allFiles(files).map(p => path.basename(p))),
        };
    }

    /* Forgets a repository: its entry and its secrets; the repository's data stays where it is. */
    override remove(name: string): void {
        super.remove(name);
        removeFromDirectory(this.dir, allFiles(this.files(name)).map(p => path.basename(p)));
    }
}

function readS3Keys(file: string): S3Keys | null {
    try {
        const keys = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<S3Keys>;
        return typeof keys.accessKeyId === "string" && typeof keys.secretAccessKey === "string"
            ? { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey } : null;
    } catch {
        return null;
    }
}
