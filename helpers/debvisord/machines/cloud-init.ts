// A cloud-init NoCloud seed: a small ISO labelled "cidata" holding
// user-data and meta-data, attached as a cdrom. The user-data is written as
// JSON (valid YAML), so no value can break out of its field, and the
// password goes in as a SHA-512 crypt hash, never in clear text.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as z from "zod/mini";
import { failed } from "../../lib/errors.js";
import { CLOUD_INIT_USER, HOST_NAME, HOST_NAME_MAX, SSH_PUBLIC_KEY } from "../../lib/machine-rules.js";
import { runTool } from "../../lib/tool-run.js";

export const cloudInitUser = z.string().check(
    z.regex(CLOUD_INIT_USER, "must be a user name: lower-case letters, digits, \"_\" and \"-\", at most 32, not starting with a digit or \"-\""));

export const hostName = z.string().check(
    z.maxLength(HOST_NAME_MAX, `must be at most ${HOST_NAME_MAX} characters`),
    z.regex(HOST_NAME,
        "must be a host name: labels of letters, digits and \"-\" separated by dots"));

export const sshPublicKey = z.string().check(
    z.maxLength(16384, "is too long for an SSH public key"),
    z.regex(SSH_PUBLIC_KEY,
        "must be one OpenSSH public key line (type, base64 key, optional comment)"));

export const clearPassword = z.string().check(
    z.minLength(1, "must not be empty"),
    z.maxLength(256, "must be at most 256 characters"),
    z.refine(p => !/[\u0000-\u001f\u007f]/.test(p), "must not contain control characters"));

interface CloudInitSpec {
    instanceId: string;
    hostname: string;
    user?: string;
    password?: string;
    sshKey?: string;
}

async function hashPassword(password: string): Promise<string> {
    // -stdin: the password never appears in a process list
    const result = await runTool("openssl", ["passwd", "-6", "-stdin"], "hashing the password", { input: password, timeout: 10_000, allowFailure: true });
    if (result.exitCode !== 0)
        throw failed(`cannot hash the cloud-init password: ${result.stderr.trim()}`);
    return result.stdout.trim();
}

async function userData(spec: CloudInitSpec): Promise<string> {
    const config: Record<string, unknown> = { hostname: spec.hostname, fqdn: spec.hostname, manage_etc_hosts: true };
    if (spec.user) {
        const user: Record<string, unknown> = { name: spec.user, shell: "/bin/bash", groups: ["sudo"], sudo: "ALL=(ALL) ALL" };
        if (spec.password) {
            user.passwd = await hashPassword(spec.password);
            user.lock_passwd = false;
        }
        if (spec.sshKey)
            user.ssh_authorized_keys = [spec.sshKey];
        config.users = [user];
        config.ssh_pwauth = Boolean(spec.password);
    }
    return `#cloud-config\n${JSON.stringify(config, null, 2)}\n`;
}

function metaData(spec: CloudInitSpec): string {
    return `${JSON.stringify({ "instance-id": spec.instanceId, "local-hostname": spec.hostname }, null, 2)}\n`;
}

/* Writes the seed ISO to `target` (replacing nothing: it must not exist). */
export async function writeSeedIso(spec: CloudInitSpec, target: string): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "debvisor-cidata-"));
    try {
        fs.writeFileSync(path.join(dir, "user-data"), await userData(spec), { mode: 0o600 });
        fs.writeFileSync(path.join(dir, "meta-data"), metaData(spec), { mode: 0o600 });
        const result = await runTool("xorriso", ["-as", "mkisofs", "-quiet", "-V", "cidata", "-J", "-r", "-o", target, dir],
            "writing the seed", { timeout: 60_000, allowFailure: true });
        if (result.exitCode !== 0)
            throw failed(`cannot write the cloud-init seed: ${result.stderr.trim() || `xorriso exit code ${result.exitCode}`}`);
        // the seed holds the password hash: readable by root and qemu only
        fs.chmodSync(target, 0o600);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
