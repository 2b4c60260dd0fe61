// The join token (pure, unit-tested): what a member gives a new node so that
// it can make its first call to the cluster. It carries a fresh SSH key that
// the member accepts for one call only (its authorized_keys line names the
// token and expires), and the member's SSH host key, so the new node knows it
// reaches the node that made the token and not whoever answers at ADDRESS.
// The token is a secret until it is used or expires.
import { invalidArgument } from "../../lib/errors.js";

const TOKEN_PREFIX = "dvjoin1.";
export const MIN_LIFETIME_S = 1;
export const DEFAULT_LIFETIME_S = 15 * 60;
export const MAX_LIFETIME_S = 24 * 3600;

export interface JoinToken {
    /** names the authorized_keys line and the member's record of the token */
    id: string;
    /** seconds since the epoch after which the token is refused */
    expires: number;
    /** the cluster's Ceph fsid */
    fsid: string;
    /** the member's SSH host key ("ssh-ed25519 AAAA…") */
    hostKey: string;
    /** the one-call private key, OpenSSH format */
    key: string;
}

const TOKEN_ID = /^[0-9a-f]{16}$/;
const HOST_KEY = /^ssh-ed25519 [A-Za-z0-9+/]+={0,2}$/;
const PRIVATE_KEY = /^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END OPENSSH PRIVATE KEY-----\n?$/;
const FSID = /^[0-9a-f-]{36}$/;

export const isTokenId = (id: string) => TOKEN_ID.test(id);
export const isHostKey = (key: string) => HOST_KEY.test(key);

export function encodeToken(t: JoinToken): string {
    return TOKEN_PREFIX + Buffer.from(JSON.stringify([t.id, t.expires, t.fsid, t.hostKey, t.key])).toString("base64url");
}

/* The token's parts, or InvalidArgument saying what is wrong with it (never its content). */
export function decodeToken(text: string, now = Date.now() / 1000): JoinToken {
    const bad = invalidArgument("token: this is not a DebVisor join token (make one on a member with \"debvisorctl cluster token\")");
    const trimmed = text.trim();
    if (!trimmed.startsWith(TOKEN_PREFIX) || trimmed.length > 8192)
        throw bad;
    let parts: unknown;
    try {
        parts = JSON.parse(Buffer.from(trimmed.slice(TOKEN_PREFIX.length), "base64url").toString("utf8"));
    } catch {
        throw bad;
    }
    if (!Array.isArray(parts) || parts.length !== 5)
        throw bad;
    const [id, expires, fsid, hostKey, key] = parts as unknown[];
    if (typeof id !== "string" || !TOKEN_ID.test(id) || typeof expires !== "number" || !Number.isInteger(expires)
        || typeof fsid !== "string" || !FSID.test(fsid) || typeof hostKey !== "string" || !HOST_KEY.test(hostKey)
        || typeof key !== "string" || !PRIVATE_KEY.test(key))
        throw bad;
    if (expires <= now)
        throw invalidArgument(`token: it expired at ${new Date(expires * 1000).toISOString()}; make a new one on a member with "debvisorctl cluster token"`);
    return { id, expires, fsid, hostKey, key };
}

/* sshd's expiry-time for the token's authorized_keys line: YYYYMMDDHHMMSSZ, in UTC. */
export function sshExpiryTime(expires: number): string {
    return new Date(expires * 1000).toISOString().replace(/[-:T]/g, "").replace(/\.\d+Z$/, "Z");
}
