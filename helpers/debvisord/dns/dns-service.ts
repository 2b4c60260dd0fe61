// The DNS work of debvisord, without the bus: zones and keys kept in
// dns-state, record batches sent as one nsupdate message per zone, zone
// transfers for listing, and BIND's config for the zones this node is
// primary for. Key rotation (key-rotation.ts), registrations
// (registrations.ts) and DHCP ranges (dhcp-ranges.ts) work through it.
import fs from "node:fs";
import path from "node:path";
import { ensureDirectory, removeFromDirectory, writeFileAtomically } from "../../lib/atomic-file.js";
import { invalidArgument, notFound, notSupported, busy, failed } from "../../lib/errors.js";
import { initialZone, namedFragment, zoneFile } from "./bind-config.js";
import { DNSMASQ_CONF, type DhcpRange } from "./dhcp-config.js";
import { DhcpRanges } from "./dhcp-ranges.js";
import type { DnsHost, DnsPaths, ZoneChange } from "./dns-host.js";
import { inZone, reverseName, type DnsRecord } from "../../lib/dns-grammar.js";
import {
    readState, tsigName, writeState, zonesUsing,
    type DnsState, type KeyMeta, type KeyScope, type Registration, type ZoneConfig,
} from "./dns-state.js";
import { DnsServerError, generateKeyText, querySerial, reloadNamed, sendUpdate, transferZone, type TransferredRecord } from "./dns-tools.js";
import { KeyRotation } from "./key-rotation.js";
import { deleteLines, estimatedSize, upsertLines, type UpdateMessage } from "./nsupdate-script.js";
import { Registrations } from "./registrations.js";
import { bindOwner, KeyFiles } from "./tsig-keys.js";
import { oneAtATime } from "../../lib/one-at-a-time.js";

export const DNS_PATHS: DnsPaths = {
    stateFile: "/etc/debvisor/dns/state.json",
    keyDir: "/etc/debvisor/dns/keys",
    namedConf: "/etc/debvisor/dns/named.conf",
    zoneDir: "/var/lib/bind/debvisor",
    dnsmasqConf: DNSMASQ_CONF,
};

export const ALGORITHMS = ["hmac-sha256", "hmac-sha384", "hmac-sha512"] as const;
const MAX_MESSAGE_BYTES = 60_000;
const SERVE_POLLS = 10;
const REFRESH_DELAY_MS = 1000;
const SERVE_POLL_MS = 300;

/** Live facts about a zone, beside its configuration. */
interface ZoneStatus {
    serial: number;
    records: number;
    lastUpdate: number;
    lastError: string;
    failedUpdates: number;
}

export class DnsService implements DnsHost {
    private state: DnsState;
    readonly keys: KeyFiles;
    readonly status = new Map<string, ZoneStatus>();
    /** updates in flight per TSIG name: a rotation retires a key only when none use it */
    private readonly inFlight = new Map<string, number>();
    private readonly listeners: Array<() => void> = [];
    private readonly refreshTimers = new Map<string, NodeJS.Timeout>();
    readonly rotation = new KeyRotation(this);
    readonly registry = new Registrations(this);
    readonly dhcp = new DhcpRanges(this);

    constructor(readonly paths: DnsPaths = DNS_PATHS) {
        this.state = readState(paths.stateFile);
        this.keys = new KeyFiles(paths.keyDir);
        for (const zone of Object.keys(this.state.zones))
            this.status.set(zone, { serial: 0, records: -1, lastUpdate: 0, lastError: "", failedUpdates: 0 });
    }

    /** the whole state as saved last; changed only through commit() */
    get current(): Readonly<DnsState> { return this.state }
    get zones(): Readonly<Record<string, ZoneConfig>> { return this.state.zones }
    get keyMeta(): Readonly<Record<string, KeyMeta>> { return this.state.keys }
    get registrations(): Readonly<Record<string, Registration>> { return this.state.registrations }
    get dhcpRanges(): readonly DhcpRange[] { return this.state.dhcpRanges }

    onChange(listener: () => void): void {
        this.listeners.push(listener);
    }

    private changed(): void {
        for (const l of this.listeners)
            l();
    }

    /** changes of the state run one at a time: each reads what the previous one wrote */
    readonly exclusive = oneAtATime();

    /* Applies `change` to a copy of the state, saves it, and, when `bind` says so, rewrites BIND's config
     * and reloads named; on any failure the previous state and config are put back. */
    async commit(change: (draft: DnsState) => void, bind: boolean): Promise<void> {
        const before = structuredClone(this.state);
        const draft = structuredClone(this.state);
        change(draft);
        const fragmentBefore = fs.existsSync(this.paths.namedConf) ? fs.readFileSync(this.paths.namedConf, "utf8") : null;
        writeState(this.paths.stateFile, draft);
        this.state = draft;
        try {
            if (bind) {
                writeFileAtomically(this.paths.namedConf, namedFragment(this.state, this.paths), 0o644);
                await reloadNamed();
            }
        } catch (e) {
            writeState(this.paths.stateFile, before);
            this.state = before;
            if (fragmentBefore !== null) {
                writeFileAtomically(this.paths.namedConf, fragmentBefore, 0o644);
                await reloadNamed().catch(() => undefined);
            }
            throw e;
        }
        this.changed();
    }

    /* Writes the fragment when it is missing (a new host), so named.conf can include it from the start;
     * named (user bind) must be able to reach it. */
    ensureBindConfig(): void {
        ensureDirectory(path.dirname(this.paths.namedConf), 0o755);
        if (!fs.existsSync(this.paths.namedConf))
            writeFileAtomically(this.paths.namedConf, namedFragment(this.state, this.paths), 0o644);
        // an older version made the zone directory group-writable (0775 root:bind)
        if (fs.existsSync(this.paths.zoneDir))
            this.ensureZoneDirectory();
    }

    /* named (user bind) writes journals and, in time, the zone files themselves in this directory, so bind
     * owns it; nobody else may write there (0750). Root writes in it only through atomic-file's checks. */
    private ensureZoneDirectory(): void {
        ensureDirectory(this.paths.zoneDir, 0o750, bindOwner(true));
    }

    zone(name: string): ZoneConfig {
        const config = this.state.zones[name];
        if (!config)
            throw notFound(`zone: ${name} is not a zone DebVisor manages; add it first`);
        return config;
    }

    key(name: string): KeyMeta {
        const meta = this.state.keys[name];
        if (!meta)
            throw notFound(`key: there is no key ${name}`);
        return meta;
    }

    /* ---- keys ---- */

    generateKey(name: string, algorithm: string, scope: KeyScope, rotationDays: number): Promise<void> {
        return this.exclusive(async () => {
            if (this.state.keys[name])
                throw invalidArgument(`key_name: a key ${name} exists already; rotate it to get a new secret`);
            this.keys.write(name, 1, await generateKeyText(tsigName(name, 1), algorithm));
            this.keys.linkCurrent(name, 1);
            await this.commit(s => {
                s.keys[name] = { algorithm, created: Date.now(), scope, rotationDays, generation: 1 };
            }, false).catch(e => {
                this.keys.removeAll(name);
                throw e;
            });
        });
    }

    deleteKey(name: string): Promise<void> {
        return this.exclusive(async () => {
            this.key(name);
            const users = zonesUsing(this.state.zones, name);
            if (users.length > 0)
                throw busy(`key_name: the key ${name} is used by the zone${users.length > 1 ? "s" : ""} ${users.join(", ")}`);
            await this.commit(s => { delete s.keys[name] }, false);
            this.keys.removeAll(name);
        });
    }

    /* How many updates signed with this TSIG name are on their way: a rotation retires a key only at 0. */
    updatesInFlight(tsig: string): number {
        return this.inFlight.get(tsig) ?? 0;
    }

    /* The key's current secret, counted as in flight until `release` is called. */
    private acquire(name: string, generation = this.key(name).generation): { secret: ReturnType<KeyFiles["read"]>; release: () => void } {
        const secret = this.keys.read(name, generation);
        this.inFlight.set(secret.name, (this.inFlight.get(secret.name) ?? 0) + 1);
        let released = false;
        return {
            secret,
            release: () => {
                if (!released)
                    this.inFlight.set(secret.name, (this.inFlight.get(secret.name) ?? 1) - 1);
                released = true;
            },
        };
    }

    /* ---- zones ---- */

    addZone(name: string, config: ZoneConfig, create: { keys: Array<{ name: string; scope: KeyScope }>; nameServerAddress: string }): Promise<void> {
        return this.exclusive(async () => {
            if (this.state.zones[name])
                throw invalidArgument(`zone: ${name} is managed already`);
            for (const [scope, key] of Object.entries(config.keys))
                if (key && !this.state.keys[key] && !create.keys.some(k => k.name === key))
                    throw notFound(`options.${scope}-key: there is no key ${key}; generate it first`);
            const file = zoneFile(this.paths, name);
            // a link at the zone file's name is not a zone file: it is replaced, never followed
            const createdFile = config.local && !fs.lstatSync(file, { throwIfNoEntry: false })?.isFile();
            const generated: string[] = [];
            try {
                for (const k of create.keys) {
                    this.keys.write(k.name, 1, await generateKeyText(tsigName(k.name, 1), "hmac-sha256"));
                    this.keys.linkCurrent(k.name, 1);
                    generated.push(k.name);
                }
                if (createdFile) {
                    // named writes the zone's journal and, in time, the file itself
                    this.ensureZoneDirectory();
                    writeFileAtomically(file, initialZone(name, `ns.${name}`, create.nameServerAddress), 0o644, bindOwner(true));
                }
                await this.commit(s => {
                    for (const k of create.keys)
                        s.keys[k.name] = { algorithm: "hmac-sha256", created: Date.now(), scope: k.scope, rotationDays: 90, generation: 1 };
                    s.zones[name] = config;
                }, config.local);
            } catch (e) {
                for (const k of generated)
                    this.keys.removeAll(k);
                if (createdFile)
                    removeFromDirectory(this.paths.zoneDir, [path.basename(file)]);
                throw e instanceof DnsServerError || !(e instanceof Error) ? e : failed(e.message);
            }
            this.status.set(name, { serial: 0, records: -1, lastUpdate: 0, lastError: "", failedUpdates: 0 });
            if (config.local && !await this.served(name, config)) {
                await this.commit(s => { delete s.zones[name] }, true).catch(() => undefined);
                this.status.delete(name);
                for (const k of generated) {
                    await this.commit(s => { delete s.keys[k] }, false).catch(() => undefined);
                    this.keys.removeAll(k);
                }
                if (createdFile)
                    removeFromDirectory(this.paths.zoneDir, [path.basename(file)]);
                throw failed(`named at ${config.server}:${config.port} does not serve ${name} after the reload: ` +
                    `is ${this.paths.namedConf} included from named.conf (on Debian, in /etc/bind/named.conf.local)?`);
            }
            await this.refresh(name);
        });
    }

    /* Whether the primary answers for a zone within a few seconds (named loads a new zone right after the reload). */
    private async served(name: string, config: ZoneConfig): Promise<boolean> {
        for (let i = 0; i < SERVE_POLLS; i++) {
            if (await querySerial(name, config.server, config.port) !== null)
                return true;
            await new Promise(r => setTimeout(r, SERVE_POLL_MS));
        }
        return false;
    }

    removeZone(name: string, deleteData: boolean): Promise<void> {
        return this.exclusive(async () => {
            const config = this.zone(name);
            await this.commit(s => {
                delete s.zones[name];
                for (const [id, r] of Object.entries(s.registrations))
                    if (r.zone === name)
                        delete s.registrations[id];
            }, config.local);
            if (config.local && deleteData)
                removeFromDirectory(this.paths.zoneDir, ["", ".jnl"].map(suffix => path.basename(zoneFile(this.paths, name)) + suffix));
            this.status.delete(name);
            this.changed();
        });
    }

    /* Serial and record count, asked from the server. */
    async refresh(name: string): Promise<void> {
        const config = this.state.zones[name];
        const status = this.status.get(name);
        if (!config || !status)
            return;
        const serial = await querySerial(name, config.server, config.port);
        if (serial === null) {
            status.lastError = `${config.server}:${config.port} does not answer for ${name}`;
        } else {
            status.serial = serial;
            if (status.lastError.includes("does not answer"))
                status.lastError = "";
        }
        if (config.keys.transfer && serial !== null)
            status.records = await this.transfer(name).then(r => r.length, () => status.records);
        this.changed();
    }

    /* The zone's records by AXFR with its transfer key. */
    async transfer(name: string): Promise<TransferredRecord[]> {
        const config = this.zone(name);
        const key = config.keys.transfer;
        if (!key)
            throw notSupported(`zone: ${name} has no transfer key, so its records cannot be listed`);
        const meta = this.key(key);
        return transferZone(name, config.server, config.port, this.keys.file(key, meta.generation), tsigName(key, meta.generation));
    }

    /* ---- records ---- */

    /* The changes for a batch: the records' own zone, and with `ptr` the PTR side in the managed reverse zones. */
    changesFor(zone: string, records: DnsRecord[], kind: "upsert" | "append" | "delete", ptr: boolean, scope: KeyScope = "zone"): ZoneChange[] {
        const changes: ZoneChange[] = [{ zone, lines: kind === "delete" ? deleteLines(records) : upsertLines(records, kind === "append"), scope }];
        if (!ptr)
            return changes;
        const byZone = new Map<string, DnsRecord[]>();
        for (const r of records) {
            if (r.type !== "A" && r.type !== "AAAA")
                continue;
            if (!r.data)
                throw invalidArgument(`records: to keep PTR records in step, give the address of ${r.name}`);
            const reverse = reverseName(r.data);
            const reverseZone = this.reverseZoneFor(reverse);
            if (!reverseZone)
                throw invalidArgument(`options.ptr: no managed reverse zone holds ${reverse} (for ${r.data}); add the zone or leave out ptr`);
            const list = byZone.get(reverseZone) ?? [];
            list.push({ name: reverse, type: "PTR", ttl: r.ttl, data: `${r.name}.` });
            byZone.set(reverseZone, list);
        }
        for (const [reverseZone, ptrs] of byZone)
            changes.push({ zone: reverseZone, lines: kind === "delete" ? deleteLines(ptrs) : upsertLines(ptrs), scope });
        return changes;
    }

    reverseZoneFor(reverse: string): string | null {
        return Object.keys(this.state.zones).filter(z => inZone(reverse, z)).sort((a, b) => b.length - a.length)[0] ?? null;
    }

    /* Sends each zone's change as one message, in order; the first refusal stops the batch. */
    async send(changes: ZoneChange[], keyOverride?: { key: string; generation: number }): Promise<void> {
        for (const change of changes)
            if (estimatedSize(change.lines) > MAX_MESSAGE_BYTES)
                throw invalidArgument(`records: the batch for ${change.zone} is too large for one DNS message (about ${estimatedSize(change.lines)} bytes, at most ${MAX_MESSAGE_BYTES}); split it`);
        for (const change of changes) {
            const config = this.zone(change.zone);
            const keyName = keyOverride?.key ?? config.keys[change.scope] ?? config.keys.zone;
            const status = this.status.get(change.zone);
            const { secret, release } = this.acquire(keyName, keyOverride?.generation);
            const message: UpdateMessage = { zone: change.zone, server: config.server, port: config.port, key: secret, lines: change.lines };
            try {
                await sendUpdate(message);
                if (status) {
                    status.lastUpdate = Date.now();
                    status.lastError = "";
                }
            } catch (e) {
                if (status) {
                    status.failedUpdates++;
                    status.lastError = (e as Error).message;
                }
                this.changed();
                throw e instanceof DnsServerError ? failed((e as Error).message) : e;
            } finally {
                release();
            }
        }
        for (const zone of new Set(changes.map(c => c.zone)))
            this.refreshSoon(zone);
    }

    /* Serial and count after a burst of updates: once, a moment after the last one (a transfer of a big
     * zone after every single update would cost more than the updates). */
    private refreshSoon(zone: string): void {
        clearTimeout(this.refreshTimers.get(zone));
        const timer = setTimeout(() => {
            this.refreshTimers.delete(zone);
            void this.refresh(zone);
        }, REFRESH_DELAY_MS);
        timer.unref();
        this.refreshTimers.set(zone, timer);
    }

    /* Zones whose keys are due for rotation: age past the rotation period. */
    overdueKeys(now = Date.now()): string[] {
        return Object.entries(this.state.keys)
            .filter(([, m]) => m.rotationDays > 0 && now - m.created > m.rotationDays * 86_400_000).map(([k]) => k);
    }
}

