// Where a restic repository is: a local directory, a directory on another
// host over SFTP, a restic REST server or an S3-compatible bucket. The
// location ends up in restic's arguments and, for SFTP, in the ssh command
// restic runs, so it is checked against a strict grammar (a host starting
// with "-" would be an ssh option), never escaped. A location never holds a
// secret: it is shown to everyone who can read the bus; a REST server's user
// and password and S3's keys are kept apart (repositories.ts).
import path from "node:path";

type Scheme = "http" | "https";

export type RepositoryLocation =
    | { kind: "local"; path: string }
    | { kind: "sftp"; user: string; host: string; port: number; path: string }
    | { kind: "rest"; scheme: Scheme; host: string; port: number | null; path: string }
    | { kind: "s3"; scheme: Scheme; host: string; port: number | null; bucket: string; prefix: string };

const USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const REMOTE_PATH = /^[A-Za-z0-9._/~+-]{1,1024}$/;
const LOCAL_PATH = /^\/[A-Za-z0-9._/+@:-]{0,4094}$/;
const MAX_LOCATION = 1200;
// S3's rules for a bucket name (lower case, no "_", 3 to 63 characters)
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const URL_PATH = /^[A-Za-z0-9._~/+-]{0,1024}$/;

export class LocationError extends Error {}

/* "/srv/backup", "sftp:USER@HOST:PATH" or "sftp://USER@HOST[:PORT]/PATH" (PATH relative to the
 * login directory; "//PATH" for an absolute one, as restic writes it), "rest:http[s]://HOST[:PORT]/[PATH]"
 * or "s3:http[s]://HOST[:PORT]/BUCKET[/PREFIX]". */
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
    if (text.startsWith("rest:") || text.startsWith("s3:"))
        return parseUrlLocation(text);
    let m = /^sftp:\/\/([^@/]+)@([^:/]+)(?::(\d{1,5}))?\/(.+)$/.exec(text);
    let user: string, host: string, port = 22, remote: string;
    if (m) {
        [, user, host] = m;
        port = m[3] ? Number(m[3]) : 22;
        remote = m[4];
    } else {
        m = /^sftp:([^@/]+)@([^:/]+):(.+)$/.exec(text);
        if (!m)
            throw new LocationError("must be an absolute directory path, sftp:USER@HOST:PATH, sftp://USER@HOST[:PORT]/PATH, " +
                "rest:http[s]://HOST[:PORT]/[PATH] or s3:http[s]://HOST[:PORT]/BUCKET[/PREFIX]");
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

/* A REST server or an S3 endpoint: a URL with a host (name or IPv4 address), an optional port and a
 * path; user and password in it are refused, they are asked for apart and kept root-only. */
function parseUrlLocation(text: string): RepositoryLocation {
    const kind = text.startsWith("rest:") ? "rest" : "s3";
    const form = kind === "rest" ? "rest:http[s]://HOST[:PORT]/[PATH]" : "s3:http[s]://HOST[:PORT]/BUCKET[/PREFIX]";
    const rest = text.slice(kind.length + 1);
    if (/^https?:\/\/[^/]*@/.test(rest))
        throw new LocationError(kind === "rest"
            ? "a REST server's user and password are not part of the location (it is shown to everyone): give them as rest-user and rest-password"
            : "S3 keys are not part of the location (it is shown to everyone): give them as s3-access-key-id and s3-secret-access-key");
    const m = /^(https?):\/\/([^:/]+)(?::(\d{1,5}))?(?:\/(.*))?$/.exec(rest);
    if (!m)
        throw new LocationError(`must be ${form}`);
    const [, scheme, host, portText, where = ""] = m;
    if (!HOST.test(host) || host.length > 253)
        throw new LocationError(`the host "${host}" is not a host name or IPv4 address`);
    const port = portText ? Number(portText) : null;
    if (port !== null && (port < 1 || port > 65535))
        throw new LocationError("the port must be from 1 to 65535");
    if (!URL_PATH.test(where) || where.split("/").includes("..") || where.includes("//") || where.startsWith("/"))
        throw new LocationError("the path may contain only letters, digits and . _ ~ / + - (no \"..\" and no \"//\")");
    if (kind === "rest")
        return { kind, scheme: scheme as Scheme, host, port, path: where.replace(/\/$/, "") };
    const [bucket, ...prefix] = where.replace(/\/$/, "").split("/");
    if (!BUCKET.test(bucket) || bucket.includes(".."))
        throw new LocationError(`the bucket "${bucket}" must be 3 to 63 lower-case letters, digits, "." and "-" (${form})`);
    return { kind, scheme: scheme as Scheme, host, port, bucket, prefix: prefix.join("/") };
}

const hostPort = (l: { host: string; port: number | null }) => `${l.host}${l.port === null ? "" : `:${l.port}`}`;

/* The repository as restic's -r takes it (without any secret: a REST server's user and password
 * go into a root-only --repository-file, S3's keys into the environment). */
export function resticRepository(location: RepositoryLocation): string {
    switch (location.kind) {
    case "local":
        return location.path;
    case "sftp":
        // sftp://user@host:port/path; restic passes user, host and port to the ssh command itself
        return `sftp://${location.user}@${location.host}:${location.port}/${location.path}`;
    case "rest":
        return `rest:${location.scheme}://${hostPort(location)}/${location.path}`;
    case "s3":
        return `s3:${location.scheme}://${hostPort(location)}/${location.bucket}${location.prefix ? `/${location.prefix}` : ""}`;
    }
}

/* The REST repository with its user and password, for the root-only file restic reads it from. */
export function restRepositoryWithCredentials(location: Extract<RepositoryLocation, { kind: "rest" }>, user: string, password: string): string {
    return `rest:${location.scheme}://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${hostPort(location)}/${location.path}`;
}

export function describeLocation(location: RepositoryLocation): string {
    return location.kind === "sftp" ? `sftp://${location.user}@${location.host}${location.port === 22 ? "" : `:${location.port}`}/${location.path}`
        : resticRepository(location);
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
