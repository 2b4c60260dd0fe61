// Registrations: a host's or machine's A/AAAA (and PTR) records, written
// with the key its kind may use, and remembered so they can be replaced or
// removed later; a registration whose records could not be written stays,
// with the error.
import { notFound } from "../../lib/errors.js";
import { reverseName } from "../../lib/dns-grammar.js";
import type { DnsHost, ZoneChange } from "./dns-host.js";
import type { KeyScope, Registration } from "./dns-state.js";
import { deleteLines } from "./nsupdate-script.js";

export class Registrations {
    constructor(private readonly dns: DnsHost) {}

    /* Writes a host's or machine's A/AAAA (and PTR) records and remembers them, replacing what it had. */
    register(id: string, registration: Omit<Registration, "at" | "error">): Promise<void> {
        return this.dns.exclusive(async () => {
            const scope = this.scopeFor(registration);
            const previous = this.dns.current.registrations[id];
            if (previous && (previous.name !== registration.name || previous.zone !== registration.zone))
                await this.unregisterRecords(previous).catch(() => undefined);
            const records = registration.addresses.map(a => ({ name: registration.name, type: a.includes(":") ? "AAAA" as const : "A" as const, ttl: 300, data: a }));
            const save = (error?: string) => this.dns.commit(s => {
                s.registrations[id] = { ...registration, at: Date.now(), ...error ? { error } : {} };
            }, false);
            try {
                // replace both families: an address that went away must not linger
                const stale = ["A", "AAAA"].filter(t => !records.some(r => r.type === t))
                    .map(t => ({ name: registration.name, type: t as "A", ttl: 0, data: "" }));
                const changes = [
                    ...stale.length > 0 ? this.dns.changesFor(registration.zone, stale, "delete", false, scope) : [],
                    ...this.dns.changesFor(registration.zone, records, "upsert", registration.ptr, scope),
                ];
                if (previous?.ptr)
                    changes.unshift(...this.ptrRemovals(previous, this.scopeFor(previous)));
                await this.dns.send(changes);
            } catch (e) {
                await save((e as Error).message);
                throw e;
            }
            await save();
        });
    }

    private ptrRemovals(r: Registration, scope: KeyScope): ZoneChange[] {
        return r.addresses.flatMap(a => {
            const reverse = reverseName(a);
            const zone = this.dns.reverseZoneFor(reverse);
            return zone && this.dns.current.zones[zone] ? [{ zone, lines: deleteLines([{ name: reverse, type: "PTR", ttl: 0, data: "" }]), scope }] : [];
        });
    }

    /* The node key writes node* names of hosts, the vm key vm* names of machines, the zone key the rest. */
    private scopeFor(r: Pick<Registration, "kind" | "zone" | "name">): KeyScope {
        const keys = this.dns.current.zones[r.zone]?.keys;
        if (r.kind === "host" && keys?.node && r.name.startsWith("node"))
            return "node";
        if (r.kind === "machine" && keys?.vm && r.name.startsWith("vm"))
            return "vm";
        return "zone";
    }

    private async unregisterRecords(r: Registration): Promise<void> {
        if (!this.dns.current.zones[r.zone])
            return;
        const scope = this.scopeFor(r);
        await this.dns.send([
            { zone: r.zone, lines: deleteLines([{ name: r.name, type: "A", ttl: 0, data: "" }, { name: r.name, type: "AAAA", ttl: 0, data: "" }]), scope },
            ...r.ptr ? this.ptrRemovals(r, scope) : [],
        ]);
    }

    /* Removes a registration's records; when that fails the registration stays, marked stale. */
    unregister(id: string): Promise<void> {
        return this.dns.exclusive(async () => {
            const r = this.dns.current.registrations[id];
            if (!r)
                throw notFound(`there is no registration ${id}`);
            try {
                await this.unregisterRecords(r);
            } catch (e) {
                await this.dns.commit(s => { s.registrations[id] = { ...r, error: `could not remove the records: ${(e as Error).message}` } }, false);
                throw e;
            }
            await this.dns.commit(s => { delete s.registrations[id] }, false);
        });
    }
}
