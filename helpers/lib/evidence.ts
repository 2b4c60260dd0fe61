// Evidence bundles: a tar file with the audit records of a time range and
// what proves them, checked offline by `debvisorctl audit verify-bundle`.
//   records.jsonl      the records, each line exactly as in the log
//   verification.json  the verification of the whole log at export time
//   chain-head.json    the log's newest record (seq, hash) at export time
//   signing-key.pem    the host's Ed25519 public key
//   manifest.json      what the bundle holds: the range, the first record's
//                      "prev", the last hash, and the SHA-256 of every file
//   manifest.sig       the Ed25519 signature of manifest.json, base64
// A changed record breaks its hash or the chain; a changed file breaks its
// SHA-256 in the manifest; a changed manifest breaks the signature; a bundle
// signed again with another key shows another fingerprint than the host's.
import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from "node:crypto";
import { ChainVerifier } from "./audit-chain.js";
import { readTar } from "./tar.js";

export const BUNDLE_FORMAT = "debvisor-evidence/1";
const CONTENT_FILES = ["records.jsonl", "verification.json", "chain-head.json", "signing-key.pem"] as const;
export const MANIFEST = "manifest.json";
export const SIGNATURE = "manifest.sig";

export interface Manifest {
    format: typeof BUNDLE_FORMAT;
    host: string;
    created: string;
    /** the requested range, ISO 8601 */
    since: string;
    until: string;
    records: { count: number; firstSeq: number; lastSeq: number; firstPrev: string; lastHash: string };
    files: Record<string, { sha256: string; bytes: number }>;
    signingKeyFingerprint: string;
}

export function sha256Hex(data: Buffer | string): string {
    return createHash("sha256").update(data).digest("hex");
}

/* "SHA256:" and the unpadded base64 SHA-256 of the key's DER, as ssh-keygen -l shows keys. */
export function keyFingerprint(key: KeyObject | string): string {
    const object = typeof key === "string" ? createPublicKey(key) : key;
    const der = object.export({ type: "spki", format: "der" });
    return "SHA256:" + createHash("sha256").update(der).digest("base64").replace(/=+$/, "");
}

interface BundleCheck {
    ok: boolean;
    /** what is wrong, each naming the file and what a person should conclude */
    problems: string[];
    manifest: Manifest | null;
    fingerprint: string;
    /** whether the key was compared with one given by the person checking */
    trusted: boolean;
}

/* Checks a bundle, every file of it, with nothing but the bundle (and optionally the key to trust). */
export function verifyBundle(archive: Buffer, trustedKeyPem?: string): BundleCheck {
    const problems: string[] = [];
    const result = (manifest: Manifest | null, fingerprint = ""): BundleCheck =>
        ({ ok: problems.length === 0, problems, manifest, fingerprint, trusted: trustedKeyPem !== undefined });
    let entries;
    try {
        entries = readTar(archive);
    } catch (e) {
        problems.push(`the file is not a readable tar archive: ${(e as Error).message}`);
        return result(null);
    }
    const files = new Map(entries.map(e => [e.name, e.data]));
    if (files.size !== entries.length)
        problems.push("the archive holds a file name twice");
    for (const name of [...CONTENT_FILES, MANIFEST, SIGNATURE]) {
        if (!files.has(name))
            problems.push(`${name} is missing from the bundle`);
    }
    for (const name of files.keys()) {
        if (![...CONTENT_FILES, MANIFEST, SIGNATURE].includes(name as typeof CONTENT_FILES[number]))
            problems.push(`${name} does not belong in an evidence bundle (it was added)`);
    }
    const manifestData = files.get(MANIFEST);
    const keyPem = files.get("signing-key.pem")?.toString("utf8");
    const signature = files.get(SIGNATURE)?.toString("utf8").trim();
    if (!manifestData || !keyPem || !signature)
        return result(null);

    let key: KeyObject;
    try {
        key = createPublicKey(keyPem);
        if (key.asymmetricKeyType !== "ed25519")
            throw new Error(`a ${key.asymmetricKeyType} key, not Ed25519`);
    } catch (e) {
        problems.push(`signing-key.pem is not an Ed25519 public key: ${(e as Error).message}`);
        return result(null);
    }
    const fingerprint = keyFingerprint(key);
    if (trustedKeyPem !== undefined && keyFingerprint(trustedKeyPem) !== fingerprint)
        problems.push(`the bundle was signed with key ${fingerprint}, not with the trusted key ${keyFingerprint(trustedKeyPem)}`);
    if (!verifySignature(null, manifestData, key, Buffer.from(signature, "base64")))
        problems.push("manifest.sig: the signature does not match manifest.json: the manifest was changed after it was signed, or signed with another key");

    let manifest: Manifest;
    try {
        manifest = JSON.parse(manifestData.toString("utf8")) as Manifest;
        if (manifest.format !== BUNDLE_FORMAT)
            throw new Error(`format ${JSON.stringify(manifest.format)}, expected ${BUNDLE_FORMAT}`);
    } catch (e) {
        problems.push(`manifest.json cannot be read: ${(e as Error).message}`);
        return result(null, fingerprint);
    }
    if (manifest.signingKeyFingerprint !== fingerprint)
        problems.push(`manifest.json names key ${manifest.signingKeyFingerprint}, but signing-key.pem is ${fingerprint}`);
    for (const name of CONTENT_FILES) {
        const data = files.get(name);
        const listed = manifest.files?.[name];
        if (!data)
            continue;
        if (!listed)
            problems.push(`manifest.json does not list ${name}`);
        else if (listed.bytes !== data.length || listed.sha256 !== sha256Hex(data))
            problems.push(`${name}: its SHA-256 differs from the one in the signed manifest: the file was changed after export`);
    }

    const records = files.get("records.jsonl");
    if (records) {
        const text = records.toString("utf8");
        const lines = text === "" ? [] : text.replace(/\n$/, "").split("\n");
        const chain = new ChainVerifier(manifest.records.firstPrev, manifest.records.firstSeq);
        for (const line of lines)
            if (!chain.add(line)) break;
        const verdict = chain.result();
        if (!verdict.ok)
            problems.push(`records.jsonl: line ${verdict.brokenLine}: ${verdict.reason}`);
        else if (verdict.records !== manifest.records.count || verdict.head !== manifest.records.lastHash)
            problems.push(`records.jsonl holds ${verdict.records} records ending in ${verdict.head}, the manifest says ` +
                `${manifest.records.count} ending in ${manifest.records.lastHash}: records were removed or added`);
    }
    const verification = files.get("verification.json");
    if (verification) {
        try {
            const v = JSON.parse(verification.toString("utf8")) as { ok: boolean; reason?: string; segment?: string; brokenLine?: number };
            if (!v.ok)
                problems.push(`verification.json: the log did not verify when it was exported (${v.segment ?? "?"}: line ${v.brokenLine ?? "?"}: ${v.reason ?? "?"})`);
        } catch {
            problems.push("verification.json is not JSON");
        }
    }
    return result(manifest, fingerprint);
}
