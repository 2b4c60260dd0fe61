// Where a restic repository is: a local directory or a directory on another
// host over SFTP. The location ends up in restic's arguments and, for SFTP,
// in the ssh command restic runs, so it is checked against a strict grammar
// (a host starting with "-" would be an ssh option), never escaped.
import path from "node:path";

export type RepositoryLocation =
    | { kind: "local"; path: string }
    | { kind: "sftp"; user: string; host: string; port: number; path: string };

const USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const REMOTE_PATH = /^[A-Za-z0-9._/~+-]{1,1024}$/;
const LOCAL_PATH = /^\/[A-Za-z0-9._/+@:-]{0,4094}$/;
const MAX_LOCATION = 1200;

export class LocationError extends Error {}

/* "/srv/backup", "sftp:USER@HOST:PATH" or "sftp://USER@HOST[:PORT]/PATH" (PATH relative to the
 * login directory; "//PATH" for an absolute one, as restic writes it). */
export function parseLocation(text: string): RepositoryLocation {
    if (text.length > MAX_LOCATION)
        throw new LocationError(`must be at most ${MAX_LOCATION} characters`);
    if (/[\u0000-\u001f\u007f\s]/.test(text))
        throw new LocationError("must not contain spaces or control characters such as newlines");
    if (text.startsWith("/")) {
        if (!LOCAL_PATH.test(text) || path.posix.normalize(text) !== text || text.split("/").includes(".."))
            throw new LocationError("a local repository is an absolute, normalized path of letters, digits and . _ / + @ : - (no \"..\")");
        if (text === "/")
            throw new LocationError("the root directory cannot be a repository");
        return { kind: "local", path: text };
    }
    let m = /^sftp:\/\/([^@/]+)@([^:/]+)(?::(\d{1,5}))?\/(.+)$/.exec(text);
    let user: string, host: string, port = 22, remote: string;
    if (m) {
        [, user, host] = m;
        port = m[3] ? Number(m[3]) : 22;
        remote = m[4];
    } else {
        m = /^sftp:([^@/]+)@([^:/]+):(.+)$/.exec(text);
        if (!m)
            throw new LocationError("must be an absolute directory path, sftp:USER@HOST:PATH or sftp://USER@HOST[:PORT]/PATH");
        [, user, host, remote] = m;
    }
    if (!USER.test(user))
        throw new LocationError(`the SFTP user "${user}" may contain only letters, digits, "_", "." and "-" and must start with a letter or "_"`);
    if (!HOST.test(host) || host.length > 253)
        throw new LocationError(`the SFTP host "${host}" is not a host name or IPv4 address`);
    if (port < 1 || port > 65535)
        throw new LocationError("the SFTP port must be from 1 to 65535");
    if (!REMOTE_PATH.test(remote) || remote.split("/").includes("..") || remote.startsWith("-"))
        throw new LocationError("the SFTP path may contain only letters, digits and . _ / ~ + - (no \"..\")");
    return { kind: "sftp", user, host, port, path: remote };
}

/* The repository as restic's -r takes it. */
export function resticRepository(location: RepositoryLocation): string {
    if (location.kind === "local")
        return location.path;
    // sftp://user@host:port/path; restic passes user, host and port to the ssh command itself
    return `sftp://${location.user}@${location.host}:${location.port}/${location.path}`;
}

export function describeLocation(location: RepositoryLocation): string {
    return location.kind === "local" ? location.path
        : `sftp://${location.user}@${location.host}${location.port === 22 ? "" : `:${location.port}`}/${location.path}`;
}

export interface SshFiles { key: string | null; knownHosts: string }

/* restic's -o sftp.command: ssh that never asks (no password prompt, no host key question:
 * the first key seen is kept in the repository's own known_hosts), with the repository's
 * key when one was given. restic splits this string on spaces: every part is from the
 * grammar above or a path DebVisor chose. */
export function sftpCommand(location: Extract<RepositoryLocation, { kind: "sftp" }>, files: SshFiles): string {
    return ["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new", "-o", `UserKnownHostsFile=${files.knownHosts}`,
        "-o", "ConnectTimeout=15", "-o", "ServerAliveInterval=15", ...(files.key ? ["-o", "IdentitiesOnly=yes", "-i", files.key] : []),
        "-p", String(location.port), "-l", location.user, location.host, "-s", "sftp"].join(" ");
}
