// Alertmanager's HTTP API (v2) on loopback, with the engines' secret: the
// active alerts, silences (made and ended), a test alert, and reloading its
// configuration.
import { engineRequest } from "./engine-http.js";

const ALERTMANAGER_URL = process.env.DEBVISOR_ALERTMANAGER_URL || "http://127.0.0.1:9093";

export interface AmAlert {
    fingerprint: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    status: { state: string; silencedBy: string[]; inhibitedBy: string[] };
}

interface AmMatcher { name: string; value: string; isRegex: boolean; isEqual: boolean }

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

    /* Ends a silence now; false when Alertmanager has no silence of that id. */
    async unsilence(id: string): Promise<boolean> {
        const silences = await this.request("GET", "/api/v2/silences") as Array<{ id: string; status: { state: string } }>;
        if (!silences.some(s => s.id === id && s.status.state !== "expired"))
            return false;
        await this.request("DELETE", `/api/v2/silence/${encodeURIComponent(id)}`);
        return true;
    }

    async postAlerts(alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string>; endsAt?: string }>): Promise<void> {
        await this.request("POST", "/api/v2/alerts", alerts);
    }

    async reload(): Promise<void> {
        await this.request("POST", "/-/reload");
    }

    private request(verb: string, path: string, body?: unknown): Promise<unknown> {
        return engineRequest({ engine: "Alertmanager", base: this.base, secret: this.secret(), installHint: "prometheus-alertmanager" }, verb, path, body);
    }
}
