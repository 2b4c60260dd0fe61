// Ed25519 keys in OpenSSH's forms, made from their 32 bytes (pure but for
// the random seed, unit-tested against ssh-keygen). A join token carries a
// key as its 32-byte seed rather than as OpenSSH's ~400-character private key
// file, which keeps the token short enough to read out or type; the new node
// writes the file ssh wants from the seed.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";

const KEY_TYPE = "ssh-ed25519";
const KEY_BYTES = 32;
// DER headers of an Ed25519 PKCS#8 private key and SPKI public key (RFC 8410); the key's 32 bytes follow
const PKCS8_HEADER = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_HEADER = Buffer.from("302a300506032b6570032100", "hex");

/* SSH's wire string: a 32-bit big-endian length, then the bytes. */
function wireString(data: Buffer | string): Buffer {
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
}

const publicBlob = (publicKey: Buffer) => Buffer.concat([wireString(KEY_TYPE), wireString(publicKey)]);

/* "ssh-ed25519 BASE64", as in authorized_keys and known_hosts. */
export function sshPublicKey(publicKey: Buffer): string {
    return `${KEY_TYPE} ${publicBlob(publicKey).toString("base64")}`;
}

/* The 32 bytes of an "ssh-ed25519 BASE64" line, or undefined when it is not exactly that. */
export function rawPublicKey(line: string): Buffer | undefined {
    const [type, base64] = line.trim().split(/\s+/);
    if (type !== KEY_TYPE || !base64)
        return undefined;
    const blob = Buffer.from(base64, "base64");
    const expected = publicBlob(blob.subarray(blob.length - KEY_BYTES));
    return blob.length === expected.length && blob.equals(expected) ? blob.subarray(blob.length - KEY_BYTES) : undefined;
}

/* The public half of a seed. */
export function publicKeyOfSeed(seed: Buffer): Buffer {
    const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_HEADER, seed]), format: "der", type: "pkcs8" });
    return createPublicKey(privateKey).export({ format: "der", type: "spki" }).subarray(SPKI_HEADER.length);
}

/* A fresh key: its seed and its public half. */
export function newKey(): { seed: Buffer; publicKey: Buffer } {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    return {
        seed: privateKey.export({ format: "der", type: "pkcs8" }).subarray(PKCS8_HEADER.length),
        publicKey: publicKey.export({ format: "der", type: "spki" }).subarray(SPKI_HEADER.length),
    };
}

/* OpenSSH's unencrypted private key file (PROTOCOL.key, "openssh-key-v1") for a seed. */
export function openSshPrivateKey(seed: Buffer, comment: string): string {
    const publicKey = publicKeyOfSeed(seed);
    const check = randomBytes(4);
    let secret = Buffer.concat([check, check, wireString(KEY_TYPE), wireString(publicKey),
        wireString(Buffer.concat([seed, publicKey])), wireString(comment)]);
    // padded with 1, 2, 3, … to the cipher's block size, 8 for "none"
    const padding = (8 - secret.length % 8) % 8;
    secret = Buffer.concat([secret, Buffer.from(Array.from({ length: padding }, (_, i) => i + 1))]);
    const file = Buffer.concat([Buffer.from("openssh-key-v1\0"), wireString("none"), wireString("none"), wireString(""),
        Buffer.from([0, 0, 0, 1]), wireString(publicBlob(publicKey)), wireString(secret)]);
    const lines = file.toString("base64").match(/.{1,70}/g) ?? [];
    return ["-----BEGIN OPENSSH PRIVATE KEY-----", ...lines, "-----END OPENSSH PRIVATE KEY-----", ""].join("\n");
}

export const SEED_BYTES = KEY_BYTES;
