// What key rotation, registrations and DHCP ranges need of the DNS service,
// so they depend on this and not on the service's class (which holds them).
import type { BindPaths } from "./bind-config.js";
import type { DnsRecord } from "../../lib/dns-grammar.js";
import type { DnsState, KeyMeta, KeyScope } from "./dns-state.js";
import type { KeyFiles } from "./tsig-keys.js";

export interface DnsPaths extends BindPaths {
    stateFile: string;
    namedConf: string;
    dnsmasqConf: string;
}

/** A record change for one zone: what `UpsertRecords`/`DeleteRecords` and registrations send. */
export interface ZoneChange { zone: string; lines: string[]; scope: KeyScope }

export interface DnsHost {
    readonly paths: DnsPaths;
    readonly keys: KeyFiles;
    readonly current: Readonly<DnsState>;
    /* runs `work` after every change queued before it, one at a time */
    exclusive<T>(work: () => Promise<T>): Promise<T>;
    /* applies `change` to a copy of the state and saves it (`bind`: BIND's config too); all put back on failure */
    commit(change: (draft: DnsState) => void, bind: boolean): Promise<void>;
    key(name: string): KeyMeta;
    /* how many updates signed with this TSIG name are on their way */
    updatesInFlight(tsig: string): number;
    changesFor(zone: string, records: DnsRecord[], kind: "upsert" | "append" | "delete", ptr: boolean, scope?: KeyScope): ZoneChange[];
    reverseZoneFor(reverse: string): string | null;
    /* sends each zone's change as one message, in order; the first refusal stops the batch */
    send(changes: ZoneChange[], keyOverride?: { key: string; generation: number }): Promise<void>;
}
