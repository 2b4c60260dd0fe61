// One HTTP call to an engine on loopback (Prometheus, Alertmanager) with the
// engines' user and secret, bounded in time and size; its failure in words.
import http from "node:http";
import { ENGINE_USER } from "./engine-setup.js";

const TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export class EngineError extends Error {}

interface Engine {
    /** its name in messages */
    engine: string;
    base: string;
    secret: string;
    /** the Debian package that has it */
    installHint: string;
}

export function engineRequest(e: Engine, verb: string, path: string, body?: unknown): Promise<unknown> {
    const url = new URL(path, e.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const auth = Buffer.from(`${ENGINE_USER}:${e.secret}`).toString("base64");
    return new Promise((resolve, reject) => {
        const req = http.request(url, {
            method: verb, timeout: TIMEOUT_MS,
            headers: { authorization: `Basic ${auth}`, ...(payload ? { "content-type": "application/json", "content-length": payload.length } : {}) },
        }, res => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on("data", (c: Buffer) => {
                size += c.length;
                if (size > MAX_RESPONSE_BYTES)
                    req.destroy(new EngineError(`${e.engine}'s answer to ${url.pathname} is larger than ${MAX_RESPONSE_BYTES} bytes`));
                else
                    chunks.push(c);
            });
            res.on("end", () => {
                const text = Buffer.concat(chunks).toString("utf8");
                if ((res.statusCode ?? 0) >= 300)
                    return reject(new EngineError(`${e.engine} answered ${res.statusCode} to ${verb} ${url.pathname}: ${text.trim().slice(0, 500)}`));
                try {
                    resolve(text && /json/.test(String(res.headers["content-type"])) ? JSON.parse(text) : text);
                } catch (err) {
                    reject(new EngineError(`${e.engine}'s answer to ${url.pathname} is not JSON: ${(err as Error).message}`));
                }
            });
        });
        req.on("timeout", () => req.destroy(new EngineError(`${e.engine} at ${e.base} did not answer within ${TIMEOUT_MS / 1000} s`)));
        req.on("error", err => reject(err instanceof EngineError ? err
            : new EngineError(`cannot reach ${e.engine} at ${e.base} (${err.message}): is ${e.installHint} installed and running?`)));
        req.end(payload);
    });
}
