// Alertmanager's HTTP API (v2) on loopback, with the engines' secret: the
// active alerts, silences, a test alert, and reloading its configuration.
import http from "node:http";
import { ENGINE_USER } from "./engine-setup.js";

export const ALERTMANAGER_URL = process.env.DEBVISOR_ALERTMANAGER_URL || "http://127.0.0.1:9093";
const TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface AmAlert {
    fingerprint: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    status: { state: string; silencedBy: string[]; inhibitedBy: string[] };
}

export interface AmMatcher { name: string; value: string; isRegex: boolean; isEqual: boolean }

export class AlertmanagerError extends Error {}

export class AlertmanagerClient {
    constructor(private readonly secret: () => string, readonly base = ALERTMANAGER_URL) {}

    alerts(): Promise<AmAlert[]> {
        return this.request("GET", "/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true") as Promise<AmAlert[]>;
    }

    async silence(matchers: AmMatcher[], endsAt: Date, createdBy: string, comment: string): Promise<string> {
        const out = await this.request("POST", "/api/v2/silences", {
            matchers, startsAt: new Date().toISOString(), endsAt: endsAt.toISOString(), createdBy, comment,
        }) as { silenceID?: string };
        return out.silenceID ?? "";
    }

    async postAlerts(alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string>; endsAt?: string }>): Promise<void> {
        await this.request("POST", "/api/v2/alerts", alerts);
    }

    async reload(): Promise<void> {
        await this.request("POST", "/-/reload");
    }

    private request(verb: string, path: string, body?: unknown): Promise<unknown> {
        const url = new URL(path, this.base);
        const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        const auth = Buffer.from(`${ENGINE_USER}:${this.secret()}`).toString("base64");
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
                        req.destroy(new AlertmanagerError(`Alertmanager's answer to ${path} is larger than ${MAX_RESPONSE_BYTES} bytes`));
                    else
                        chunks.push(c);
                });
                res.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    if ((res.statusCode ?? 0) >= 300)
                        return reject(new AlertmanagerError(`Alertmanager answered ${res.statusCode} to ${verb} ${url.pathname}: ${text.trim().slice(0, 500)}`));
                    try {
                        resolve(text && /json/.test(String(res.headers["content-type"])) ? JSON.parse(text) : text);
                    } catch (e) {
                        reject(new AlertmanagerError(`Alertmanager's answer to ${url.pathname} is not JSON: ${(e as Error).message}`));
                    }
                });
            });
            req.on("timeout", () => req.destroy(new AlertmanagerError(`Alertmanager at ${this.base} did not answer within ${TIMEOUT_MS / 1000} s`)));
            req.on("error", e => reject(e instanceof AlertmanagerError ? e
                : new AlertmanagerError(`cannot reach Alertmanager at ${this.base} (${(e as Error).message}): is prometheus-alertmanager installed and running?`)));
            req.end(payload);
        });
    }
}
