// Rotation of a TSIG key: new key → both in BIND (reload) → clients
// switched, checked with a signed probe → old key out of BIND (reload) → old
// file removed. Each step is saved before the next, so a rotation cut short
// (even by a crash) resumes where it stopped; updates keep working throughout.
import { notSupported } from "../../lib/errors.js";
import type { DnsHost } from "./dns-host.js";
import { tsigName, usedByRemoteZone, zonesUsing, type KeyMeta, type RotationStep } from "./dns-state.js";
import { generateKeyText } from "./dns-tools.js";
import { probeLines } from "./nsupdate-script.js";

const DRAIN_POLL_MS = 100;
const DRAIN_MAX_POLLS = 300;

/** Called after a step of a rotation is done, for the audit log and the job's progress. */
type StepReporter = (step: RotationStep, text: string) => Promise<void>;

export class KeyRotation {
    constructor(private readonly dns: DnsHost) {}

    /* Throws when a key cannot be rotated here. */
    check(name: string): void {
        this.dns.key(name);
        const remote = usedByRemoteZone(this.dns.current, name);
        if (remote)
            throw notSupported(`key_name: ${name} is used by ${remote}, whose primary is another server: install the new key there first, then rotate on that server`);
    }

    rotate(name: string, overlapSeconds: number, report: StepReporter): Promise<void> {
        return this.dns.exclusive(async () => {
            this.check(name);
            const meta = this.dns.key(name);
            if (!meta.rotation)
                await this.dns.commit(s => {
                    s.keys[name].rotation = { from: meta.generation, to: meta.generation + 1, step: "generate", started: Date.now() };
                }, false);
            for (let guard = 0; guard < 5 && this.dns.current.keys[name].rotation; guard++)
                await this.step(name, overlapSeconds, report);
        });
    }

    private async step(name: string, overlapSeconds: number, report: StepReporter): Promise<void> {
        const rotation = this.dns.current.keys[name].rotation!;
        const { from, to, step } = rotation;
        const advance = (next: RotationStep | null, extra: Partial<KeyMeta> = {}) => this.dns.commit(s => {
            Object.assign(s.keys[name], extra);
            if (next)
                s.keys[name].rotation = { ...rotation, step: next };
            else
                delete s.keys[name].rotation;
        }, step === "add" || step === "retire");
        switch (step) {
        case "generate":
            if (!this.dns.keys.exists(name, to))
                this.dns.keys.write(name, to, await generateKeyText(tsigName(name, to), this.dns.current.keys[name].algorithm));
            await advance("add");
            await report(step, `generated ${tsigName(name, to)}`);
            return;
        case "add":
            // advance() rewrites BIND's config with both generations and reloads
            await advance("switch");
            await report(step, `${tsigName(name, from)} and ${tsigName(name, to)} are both valid in BIND`);
            return;
        case "switch":
            // the server must take the new key before any client is switched to it
            await this.probe(name, to);
            this.dns.keys.linkCurrent(name, to);
            await advance("retire", { generation: to, created: Date.now() });
            await report(step, `the server accepted ${tsigName(name, to)}; updates use it`);
            return;
        case "retire":
            await this.drain(tsigName(name, from), overlapSeconds);
            await advance("remove");
            await report(step, `${tsigName(name, from)} removed from BIND`);
            return;
        case "remove":
            this.dns.keys.remove(name, from);
            await advance(null);
            await report(step, `${tsigName(name, from)} deleted`);
            return;
        }
    }

    /* A signed, empty update with one generation of a key to each zone that uses it: proves the server takes that secret. */
    private async probe(name: string, generation: number): Promise<void> {
        for (const zone of zonesUsing(this.dns.current.zones, name)) {
            const config = this.dns.current.zones[zone];
            if (config.keys.transfer === name && !Object.entries(config.keys).some(([s, k]) => s !== "transfer" && k === name))
                continue; // a transfer-only key cannot sign updates
            await this.dns.send([{ zone, lines: probeLines(zone), scope: "zone" }], { key: name, generation });
        }
    }

    /* Waits for updates signed with the old key to finish, then lets clients that read it late catch up. */
    private async drain(tsig: string, overlapSeconds: number): Promise<void> {
        for (let i = 0; i < DRAIN_MAX_POLLS && (this.dns.updatesInFlight(tsig) ?? 0) > 0; i++)
            await new Promise(r => setTimeout(r, DRAIN_POLL_MS));
        if (overlapSeconds > 0)
            await new Promise(r => setTimeout(r, overlapSeconds * 1000));
    }
}
