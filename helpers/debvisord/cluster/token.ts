// The join token (pure, unit-tested): what a member gives a new node so that
// it can make its first call to the cluster. It carries a fresh SSH key that
// the member accepts for one call only (its authorized_keys line names the
// token and expires), and the member's SSH host key, so the new node knows it
// reaches the node that made the token and not whoever answers at ADDRESS.
// Both keys are Ed25519 and travel as their 32 bytes, the whole token as 92
// bytes in base64url: 131 characters with its prefix, short enough to copy
// between two consoles by hand. The token is a secret until it is used or
// expires.
import { invalidArgument } from "../../lib/errors.js";
import { JOIN_TOKEN_PREFIX as TOKEN_PREFIX } from "../../lib/join-token.js";
import { rawPublicKey, SEED_BYTES, sshPublicKey } from "./ed25519-keys.js";

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
    /** the one-call key's Ed25519 seed (its private half) */
    seed: Buffer;
}

const TOKEN_ID = /^[0-9a-f]{16}$/;
const HOST_KEY = /^ssh-ed25519 [A-Za-z0-9+/]+={0,2}$/;
const FSID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// id, expiry, fsid, host key, seed
const FIELDS = [8, 4, 16, 32, SEED_BYTES];
const TOKEN_BYTES = FIELDS.reduce((a, b) => a + b);

export const isTokenId = (id: string) => TOKEN_ID.test(id);
export const isHostKey = (key: string) => HOST_KEY.test(key);

export function encodeToken(t: JoinToken): string {
    const hostKey = rawPublicKey(t.hostKey);
    if (!TOKEN_ID.test(t.id) || !FSID.test(t.fsid) || !hostKey || t.seed.length !== SEED_BYTES || !Number.isInteger(t.expires) || t.expires < 0 || t.expires > 0xffffffff)
        throw new Error("a join token needs a 16-hex id, a UUID fsid, an Ed25519 host key and seed, and an expiry within 32 bits");
    const expires = Buffer.alloc(4);
    expires.writeUInt32BE(t.expires);
    return TOKEN_PREFIX + Buffer.concat([Buffer.from(t.id, "hex"), expires, Buffer.from(t.fsid.replace(/-/g, ""), "hex"), hostKey, t.seed]).toString("base64url");
}

/* The token's parts, or InvalidArgument saying what is wrong with it (never its content). */
export function decodeToken(text: string, now = Date.now() / 1000): JoinToken {
    const bad = invalidArgument("token: this is not a DebVisor join token (make one on a member with \"debvisorctl cluster token\")");
    const trimmed = text.trim();
    const body = trimmed.slice(TOKEN_PREFIX.length);
    if (!trimmed.startsWith(TOKEN_PREFIX) || !/^[A-Za-z0-9_-]+$/.test(body))
        throw bad;
    const bytes = Buffer.from(body, "base64url");
    if (bytes.length !== TOKEN_BYTES || bytes.toString("base64url") !== body)
        throw bad;
    const [id, expires, fsid, hostKey, seed] = FIELDS.reduce<{ at: number; parts: Buffer[] }>(
        ({ at, parts }, size) => ({ at: at + size, parts: [...parts, bytes.subarray(at, at + size)] }), { at: 0, parts: [] }).parts;
    const uuid = fsid.toString("hex").replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
    const token = { id: id.toString("hex"), expires: expires.readUInt32BE(), fsid: uuid, hostKey: sshPublicKey(hostKey), seed: Buffer.from(seed) };
    if (token.expires <= now)
        throw invalidArgument(`token: it expired at ${new Date(token.expires * 1000).toISOString()}; make a new one on a member with "debvisorctl cluster token"`);
    return token;
}

/* sshd's expiry-time for the token's authorized_keys line: YYYYMMDDHHMMSSZ, in UTC. */
export function sshExpiryTime(expires: number): string {
    return new Date(expires * 1000).toISOString().replace(/[-:T]/g, "").replace(/\.\d+Z$/, "Z");
}
