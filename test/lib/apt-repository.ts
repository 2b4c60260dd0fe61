// The DebVisor apt repository for the tests: made by the project's own
// script (repo/build, `npm run repo`) from build/debs with a test key of its
// own, and served over HTTP on the loopback like a web server would.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/* Why no repository can be made here, or null. */
export function repositoryUnavailable(): string | null {
    for (const tool of ["reprepro", "gpg"])
        if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0)
            return `${tool} is not installed (scripts/deps.sh installs it)`;
    return null;
}

/* The repository in dir/repo, its key in dir/gnupg (made by the script; its gpg-agent stopped by it). */
export function buildRepository(dir: string): string {
    const r = spawnSync("sh", [path.join(ROOT, "repo/build")], {
        encoding: "utf8", timeout: 300_000,
        env: { ...process.env, DEBVISOR_REPO_DIR: path.join(dir, "repo"), DEBVISOR_REPO_GNUPGHOME: path.join(dir, "gnupg") },
    });
    if (r.status !== 0)
        throw new Error(`repo/build failed (${r.status}): ${r.stderr || r.stdout}`);
    return path.join(dir, "repo");
}

/* A plain static file server for the repository, on a port of 127.0.0.1. */
export async function serveRepository(dir: string): Promise<{ url: string; close(): Promise<void> }> {
    const server = http.createServer((req, res) => {
        const file = path.join(dir, path.normalize(decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname)));
        if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
            res.writeHead(404).end();
            return;
        }
        res.writeHead(200, { "Content-Length": fs.statSync(file).size });
        fs.createReadStream(file).pipe(res);
    });
    await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        close: () => new Promise(resolve => server.close(() => resolve())),
    };
}
