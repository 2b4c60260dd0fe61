// The host's Ed25519 key that signs evidence bundles: generated once (by the
// package's postinst through `debvisord --generate-signing-key`, or at the
// first start when missing), the private key 0600 root, the public key next
// to it for anyone to compare with.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { keyFingerprint } from "../../lib/evidence.js";

export interface SigningKey {
    privateKey: KeyObject;
    publicPem: string;
    fingerprint: string;
}

/* The key at `file` (PKCS#8 PEM); made first when there is none. */
export function loadOrCreateSigningKey(file: string): SigningKey {
    if (!fs.existsSync(file)) {
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
        const { privateKey, publicKey } = generateKeyPairSync("ed25519");
        const pem = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
        try {
            // O_EXCL: two daemons starting at once must not each write a key
            fs.writeFileSync(file, pem, { mode: 0o600, flag: "wx" });
            fs.writeFileSync(`${file}.pub`, publicKey.export({ type: "spki", format: "pem" }) as string, { mode: 0o644 });
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST")
                throw e;
        }
    }
    const stat = fs.statSync(file);
    if ((stat.mode & 0o077) !== 0)
        fs.chmodSync(file, 0o600); // never readable by others, whatever made it
    const privateKey = createPrivateKey(fs.readFileSync(file, "utf8"));
    if (privateKey.asymmetricKeyType !== "ed25519")
        throw new Error(`${file} holds a ${privateKey.asymmetricKeyType} key, not Ed25519`);
    const publicKey = createPublicKey(privateKey);
    return { privateKey, publicPem: publicKey.export({ type: "spki", format: "pem" }) as string, fingerprint: keyFingerprint(publicKey) };
}
