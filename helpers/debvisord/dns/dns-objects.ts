// The DNS area on the bus: /org/debvisor/DebVisor1/dns (methods, registrations,
// leases) with an object per zone and per key, kept in step with DnsService.
// Machines are registered by themselves: when one in a "register-machines"
// zone reports an address it gets its records, and loses them when deleted;
// one that moves to another member keeps them (moved-machines.ts).
import * as z from "zod/mini";
import { DebVisorError, invalidArgument, notAuthorized, notFound } from "../../lib/errors.js";
import { isIP } from "../../lib/ip-address.js";
import { escapePathElement } from "../../lib/object-path.js";
import type { AuditLog } from "../audit/audit-log.js";
import { type CallContext, contractMethods, method, type MethodTable } from "../bus/call-pipeline.js";
import type { ObjectServer, Published } from "../bus/object-server.js";
import type { JobRegistry } from "../jobs/jobs.js";
import type { MachineWhereabouts } from "../cluster/machine-whereabouts.js";
import type { MachineFacts, Machines } from "../machines/machines.js";
import { count, flag, optionsSchema } from "../validation.js";
import { readLeases, type Lease } from "./dhcp-leases.js";
import { MovedMachines } from "./moved-machines.js";
import { domainNameProblem, parseRecord, reverseName, type DnsRecord, type RecordTuple } from "../../lib/dns-grammar.js";
import { keyName, zoneName } from "./dns-schemas.js";
import { notOwnRegistration, ownZone, readHostIdentity, sameAddress } from "./host-identity.js";
import { ALGORITHMS, type DnsService } from "./dns-service.js";
import { KEY_SCOPES, ROTATION_STEPS, tsigName, zonesUsing, type KeyScope, type ZoneConfig } from "./dns-state.js";
import { DNSKEY_IFACE, DNSZONE_IFACE, DNS_IFACE } from "../../../generated/dbus-contract.js";
import { microseconds } from "../../lib/times.js";

const MAX_BATCH = 5000;
const LEASE_POLL_MS = 10_000;
const STATUS_POLL_MS = 60_000;
const DAY_US = 86_400_000_000n;

/* A batch of (name, type, ttl, data): checked by hand, as zod's tuple checks cost ~25 µs a record
 * and a batch holds thousands; parseRecord then checks each against DNS grammar. */
const isRecordTuple = (r: unknown): boolean => Array.isArray(r) && r.length === 4 && typeof r[0] === "string" && r[0].length <= 300 &&
    typeof r[1] === "string" && r[1].length <= 10 && typeof r[2] === "number" && typeof r[3] === "string" && r[3].length <= 2000;
const recordBatch = z.custom<RecordTuple[]>(v => Array.isArray(v) && v.length >= 1 && v.length <= MAX_BATCH && v.every(isRecordTuple),
    `must hold 1 to ${MAX_BATCH} records of (name, type, ttl, data), names at most 300 and data at most 2000 characters`);
const address = z.string().check(z.refine(a => isIP(a), "must be IPv4 or IPv6 addresses"));
const serverAddress = z.string().check(z.refine(a => isIP(a), "must be the IP address of the zone's primary"));
const hostLabel = z.string().check(z.regex(/^(?!-)[a-z0-9-]{1,63}(?<!-)$/, "must be a host name label: lower-case letters, digits and \"-\""));
const zoneOption = z.optional(zoneName);
const addressesOption = z.optional(z.array(address).check(z.maxLength(64, "must be at most 64 addresses")));
const RECORDS_ACTION = "org.debvisor.dns.records";

/* A key name made from a zone's: lab.example.org + "-zone" → lab-example-org-zone. */
function derivedKeyName(zone: string, suffix: string): string {
    const base = zone.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 48 - suffix.length - 1) || "zone";
    return `${base}-${suffix}`;
}

export class DnsObjects {
    readonly path: string;
    private leases: Lease[] = [];
    private readonly machinePaths = new Map<string, string>(); // machine object path → uuid
    private readonly moved: MovedMachines;
    private following = false; // a round's changes to moved machines' records are under way

    constructor(private readonly server: ObjectServer, private readonly service: DnsService, private readonly jobs: JobRegistry,
                private readonly audit: AuditLog, private readonly machines: Machines | null,
                private readonly whereabouts: MachineWhereabouts | null = null) {
        this.path = `${server.rootPath}/dns`;
        this.moved = new MovedMachines({
            get registrations() { return service.registrations },
            register: (id, r) => service.registry.register(id, r),
            unregister: id => service.registry.unregister(id),
        }, uuid => !!this.machines?.list().some(m => m.uuid === uuid));
    }

    zonePath(zone: string): string {
        return `${this.path}/zones/${escapePathElement(zone)}`;
    }

    keyPath(key: string): string {
        return `${this.path}/keys/${escapePathElement(key)}`;
    }

    export(): void {
        this.leases = readLeases();
        this.publishLists();
        this.service.ensureBindConfig();
        this.service.onChange(() => this.sync());
        this.sync();
        setInterval(() => {
            this.leases = readLeases();
            this.publishLists();
        }, LEASE_POLL_MS).unref();
        setInterval(() => {
            for (const zone of Object.keys(this.service.zones))
                void this.service.refresh(zone);
            this.sync();
        }, STATUS_POLL_MS).unref();
        for (const zone of Object.keys(this.service.zones))
            void this.service.refresh(zone);
        this.machines?.onMachine(facts => {
            if ("removed" in facts)
                void this.machineGone(facts.path);
            else
                void this.machineSeen(facts);
        });
        this.whereabouts?.onRound(round => void this.followMoved(round));
    }

    /* A cluster round's view: the records of machines that moved to other members follow them. */
    private async followMoved(round: Parameters<MovedMachines["steps"]>[0]): Promise<void> {
        if (this.following)
            return; // the next round brings the same view again
        this.following = true;
        try {
            for (const step of this.moved.steps(round))
                await this.automatic(step.what === "follow" ? "Dns.RegisterMachine" : "Dns.UnregisterMachine", step.id, step.work);
        } finally {
            this.following = false;
        }
    }

    /* The DNS object: its lists, signalled when they change. */
    private publishLists(): void {
        this.server.publish(this.path, DNS_IFACE, {
            Registrations: Object.entries(this.service.registrations).map(([id, r]) => ({
                Id: id, Kind: r.kind, Zone: r.zone, Name: r.name, Addresses: r.addresses, Ptr: r.ptr,
                Time: microseconds(r.at), Error: r.error ?? "", Node: r.node ?? "",
            })),
            Leases: this.leases.map(l => ({ ...l, Expiry: BigInt(l.Expiry) * 1_000_000n })),
            OverdueKeys: this.service.overdueKeys(),
            DhcpRanges: this.service.dhcpRanges,
        }, () => this.methods());
    }

    private zoneProperties(zone: string) {
        const c = this.service.zones[zone];
        const s = this.service.status.get(zone);
        return {
            Name: zone, Server: c.server, Port: c.port, Local: c.local, Keys: Object.fromEntries(Object.entries(c.keys).filter(([, k]) => !!k)),
            RegisterMachines: c.registerMachines, Serial: s?.serial ?? 0, RecordCount: BigInt(s?.records ?? -1),
            LastUpdate: microseconds(s?.lastUpdate ?? 0), LastError: s?.lastError ?? "", FailedUpdates: s?.failedUpdates ?? 0,
        };
    }

    private keyProperties(key: string) {
        const m = this.service.keyMeta[key];
        const due = m.rotationDays > 0 ? microseconds(m.created) + BigInt(m.rotationDays) * DAY_US : 0n;
        return {
            Name: key, TsigName: tsigName(key, m.generation), Algorithm: m.algorithm, Scope: m.scope, Created: microseconds(m.created),
            RotationDays: m.rotationDays, RotationDue: due, Overdue: this.service.overdueKeys().includes(key),
            Rotation: m.rotation?.step ?? "", Zones: zonesUsing(this.service.zones, key),
        };
    }

    /* Publishes the zones and keys (new ones exported, gone ones removed, changed properties signalled), and the DNS object's lists. */
    private sync(): void {
        const wanted = new Map<string, Published>();
        for (const zone of Object.keys(this.service.zones))
            wanted.set(this.zonePath(zone), { iface: DNSZONE_IFACE, props: this.zoneProperties(zone) });
        for (const key of Object.keys(this.service.keyMeta))
            wanted.set(this.keyPath(key), { iface: DNSKEY_IFACE, props: this.keyProperties(key) });
        this.server.sync(this.path, wanted);
        this.publishLists();
    }

    /* UpsertRecords (append: add to what a name has) and DeleteRecords, in one update of the zone. */
    private recordsMethod(change: "upsert" | "delete", options: { ptr: typeof flag; append?: typeof flag }) {
        return method({
            args: z.tuple([zoneName, recordBatch, optionsSchema(options as { ptr: typeof flag; append: typeof flag })]),
            run: async (_ctx, [zone, records, o]) => {
                this.service.zone(zone);
                let parsed: DnsRecord[];
                try {
                    parsed = records.map((r, i) => parseRecord(r, zone, i, change === "upsert"));
                } catch (e) {
                    throw invalidArgument((e as Error).message);
                }
                await this.service.send(this.service.changesFor(zone, parsed, change === "delete" ? "delete" : o.append ? "append" : "upsert", o.ptr ?? false));
                return [];
            },
            audit: ([zone, records, o]) => ({ zone, count: records.length, records: records.slice(0, 20), options: o }),
        });
    }

    private methods(): MethodTable {
        return contractMethods(DNS_IFACE, {
            AddZone: method({
                args: z.tuple([zoneName, serverAddress, count(1, 65535), optionsSchema({
                    local: flag,
                    "zone-key": z.optional(keyName), "node-key": z.optional(keyName), "vm-key": z.optional(keyName), "transfer-key": z.optional(keyName),
                    "register-machines": flag,
                })]),
                run: async (_ctx, [zone, server, port, o]) => {
                    const local = o.local ?? false;
                    if (!local && !o["zone-key"])
                        throw invalidArgument("options.zone-key: a zone on another server needs the key that may update it");
                    if (local && !isIP(server))
                        throw invalidArgument("server: must be this host's address named listens on");
                    const keys: ZoneConfig["keys"] = {
                        zone: o["zone-key"] ?? derivedKeyName(zone, "zone"),
                        node: o["node-key"], vm: o["vm-key"],
                        transfer: o["transfer-key"] ?? (local ? derivedKeyName(zone, "transfer") : undefined),
                    };
                    const create = local ? ([["zone", keys.zone], ["transfer", keys.transfer]] as Array<[KeyScope, string | undefined]>)
                        .filter(([scope, k]) => k && !this.service.keyMeta[k] && !o[`${scope}-key` as "zone-key"])
                        .map(([scope, k]) => ({ name: k!, scope })) : [];
                    await this.service.addZone(zone, { server, port, local, keys, registerMachines: o["register-machines"] ?? false },
                        { keys: create, nameServerAddress: server });
                    return [this.zonePath(zone)];
                },
            }),
            RemoveZone: method({
                args: z.tuple([zoneName, optionsSchema({ "delete-data": flag })]),
                run: async (_ctx, [zone, o]) => {
                    await this.service.removeZone(zone, o["delete-data"] ?? false);
                    return [];
                },
            }),
            ListRecords: method({
                args: z.tuple([zoneName, count(0, 0xffffffff), count(1, 10_000), optionsSchema({
                    name: z.optional(z.string().check(z.maxLength(253, "is longer than a DNS name can be"))),
                    type: z.optional(z.string().check(z.maxLength(10, "is not a record type"))),
                })]),
                run: async (_ctx, [zone, offset, limit, o]) => {
                    const all = await this.service.transfer(zone).catch(e => {
                        throw (e as { errorName?: string }).errorName ? e : invalidArgument((e as Error).message);
                    });
                    const name = o.name?.toLowerCase();
                    const type = o.type?.toUpperCase();
                    const matching = all.filter(r => (!name || r.name.includes(name)) && (!type || r.type === type))
                        .sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type) || a.data.localeCompare(b.data));
                    return [matching.slice(offset, offset + limit).map(r => [r.name, r.type, r.ttl, r.data]), matching.length];
                },
            }),
            UpsertRecords: this.recordsMethod("upsert", { ptr: flag, append: flag }),
            DeleteRecords: this.recordsMethod("delete", { ptr: flag }),
            GenerateKey: method({
                args: z.tuple([keyName, optionsSchema({
                    algorithm: z.optional(z.enum(ALGORITHMS, { error: `must be one of ${ALGORITHMS.join(", ")}` })),
                    scope: z.optional(z.enum(KEY_SCOPES, { error: `must be one of ${KEY_SCOPES.join(", ")}` })),
                    "rotation-days": z.optional(count(0, 3650, " days")),
                })]),
                run: async (_ctx, [name, o]) => {
                    await this.service.generateKey(name, o.algorithm ?? "hmac-sha256", o.scope ?? "zone", o["rotation-days"] ?? 90);
                    return [this.keyPath(name)];
                },
            }),
            DeleteKey: method({
                args: z.tuple([keyName, optionsSchema({})]),
                run: async (_ctx, [name]) => {
                    await this.service.deleteKey(name);
                    return [];
                },
            }),
            RotateKey: method({
                args: z.tuple([keyName, optionsSchema({ "overlap-seconds": z.optional(count(0, 3600, " seconds")) })]),
                run: async (ctx, [name, o]) => {
                    this.service.rotation.check(name);
                    const keyPath = this.keyPath(name);
                    const job = this.jobs.start({
                        operation: "dns-key-rotate", description: `Rotating the DNS key ${name}`, caller: ctx.caller, objects: [keyPath], cancelable: false,
                    }, async control => {
                        await this.service.rotation.rotate(name, o["overlap-seconds"] ?? 5, async (step, text) => {
                            control.setProgress((ROTATION_STEPS.indexOf(step) + 1) / ROTATION_STEPS.length);
                            await ctx.auditStep("Dns.RotateKey", `${step}: ${text}`, undefined, { object: keyPath, phase: "step" });
                            this.sync();
                        });
                        return `${name} rotated to ${tsigName(name, this.service.keyMeta[name].generation)}`;
                    });
                    return [job.path];
                },
            }),
            RegisterHost: method({
                args: z.tuple([optionsSchema({ zone: zoneOption, name: z.optional(hostLabel), addresses: addressesOption, ptr: flag })]),
                run: async (ctx, [o]) => {
                    const host = readHostIdentity();
                    // the host's own zone: its domain when managed; with no domain known, the zone picked by default
                    const own = host.domains.length > 0 ? ownZone(host, Object.keys(this.service.zones)) : this.defaultZone();
                    const zone = o.zone !== undefined || own === null ? this.registrationZone(o.zone, false) : own;
                    const label = o.name ?? host.label;
                    if (domainNameProblem(`${label}.${zone}`))
                        throw invalidArgument(`options.name: the host name ${label} is not a DNS name; give one`);
                    const addresses = o.addresses ?? host.addresses;
                    if (addresses.length === 0)
                        throw invalidArgument("options.addresses: this host has no global address; give one");
                    await this.authorizeBeyond(ctx, notOwnRegistration({ zone, label, addresses }, host, own));
                    await this.service.registry.register(`host:${label}`, { kind: "host", zone, name: `${label}.${zone}`, addresses, ptr: o.ptr ?? this.ptrPossible(addresses) });
                    return [];
                },
            }),
            RegisterMachine: method({
                args: z.tuple([z.string(), optionsSchema({ zone: zoneOption, addresses: addressesOption })]),
                run: async (ctx, [path, o]) => {
                    const facts = this.machineFacts(path);
                    const addresses = o.addresses ?? facts.addresses;
                    if (addresses.length === 0)
                        throw invalidArgument(`machine: ${facts.name} reports no address yet; give options.addresses`);
                    await this.authorizeBeyond(ctx, this.notMachineOwn(facts, o.zone, addresses));
                    await this.registerFacts(facts, o.zone, addresses);
                    return [];
                },
            }),
            UnregisterMachine: method({
                args: z.tuple([z.string(), optionsSchema({})]),
                run: async (_ctx, [path]) => {
                    const uuid = this.machines?.facts(path)?.uuid ?? this.machinePaths.get(path);
                    if (!uuid || !this.service.registrations[`machine:${uuid}`])
                        throw notFound(`machine: ${path} has no DNS registration`);
                    await this.service.registry.unregister(`machine:${uuid}`);
                    return [];
                },
            }),
            SetDhcpRanges: method({
                args: z.tuple([z.array(z.strictObject({
                    Name: z.string(), Interface: z.string(), Start: z.string(), End: z.string(), Netmask: z.string(),
                    LeaseSeconds: count(0, 31_536_000, " seconds"), DnsServer: z.optional(z.string()),
                }, { error: "each range is a dictionary of Name, Interface, Start, End, Netmask, LeaseSeconds and DnsServer" }))
                    .check(z.maxLength(64, "must be at most 64 ranges")), optionsSchema({ "dry-run": flag })]),
                run: async (_ctx, [ranges, o]) => [await this.service.dhcp.replace(ranges.map(r => ({ ...r, DnsServer: r.DnsServer ?? "" })), o["dry-run"] ?? false)],
            }),
        });
    }

    /* The zone a registration goes to: the named one, or the only/first fitting one. */
    private registrationZone(named: string | undefined, forMachines: boolean): string {
        if (named) {
            this.service.zone(named);
            return named;
        }
        const zones = Object.entries(this.service.zones);
        const pick = forMachines ? zones.find(([, c]) => c.registerMachines) : zones.length === 1 ? zones[0] : zones.find(([, c]) => c.local);
        if (!pick)
            throw invalidArgument(`options.zone: ${forMachines ? "no zone has register-machines set" : "name the zone: there is more than one, or none"}`);
        return pick[0];
    }

    private defaultZone(): string | null {
        try {
            return this.registrationZone(undefined, false);
        } catch {
            return null;
        }
    }

    /* PTR records go along when every address has a managed reverse zone. */
    private ptrPossible(addresses: string[]): boolean {
        return addresses.length > 0 && addresses.every(a => this.service.reverseZoneFor(reverseName(a)) !== null);
    }

    /* A registration beyond what org.debvisor.dns.register covers (`why` says how) needs the right to change
     * any record: asked of polkit now, refused with the reason before anything reaches named. */
    private async authorizeBeyond(ctx: CallContext, why: string | null): Promise<void> {
        if (why === null)
            return;
        try {
            await ctx.authorize(RECORDS_ACTION);
        } catch (e) {
            if (e instanceof DebVisorError && e.errorName === "NotAuthorized")
                throw notAuthorized(`${why}; only callers allowed to change any DNS record (polkit action ${RECORDS_ACTION}) may register it`);
            throw e;
        }
    }

    private machineFacts(path: string): MachineFacts {
        const facts = this.machines?.facts(path);
        if (!facts)
            throw notFound(`machine: there is no machine ${path}`);
        return facts;
    }

    private async registerFacts(facts: MachineFacts, zoneOverride?: string, addresses = facts.addresses): Promise<void> {
        const zone = this.registrationZone(zoneOverride, true);
        const label = facts.name.toLowerCase();
        if (!/^(?!-)[a-z0-9-]{1,63}(?<!-)$/.test(label))
            throw invalidArgument(`machine: the name ${facts.name} is not a DNS label (letters, digits and "-")`);
        this.machinePaths.set(facts.path, facts.uuid);
        await this.service.registry.register(`machine:${facts.uuid}`, { kind: "machine", zone, name: `${label}.${zone}`, addresses, ptr: this.ptrPossible(addresses) });
    }

    /* Why a machine registration is more than the machine's name, with the addresses it reports, in a zone
     * machines register in; null when it is just that. */
    private notMachineOwn(facts: MachineFacts, zone: string | undefined, addresses: string[]): string | null {
        if (zone !== undefined && !this.service.zone(zone).registerMachines)
            return `options.zone: ${zone} is not a zone machines register in (register-machines)`;
        const foreign = addresses.find(a => !facts.addresses.some(f => sameAddress(a, f)));
        if (foreign !== undefined)
            return `options.addresses: ${foreign} is not an address ${facts.name} reports (${facts.addresses.join(", ") || "it reports none"})`;
        return null;
    }

    /* A machine with addresses in a register-machines zone gets (or keeps up to date) its records. */
    private async machineSeen(facts: MachineFacts): Promise<void> {
        this.machinePaths.set(facts.path, facts.uuid);
        const existing = this.service.registrations[`machine:${facts.uuid}`];
        if (existing?.node) {
            // back from another member, once running here (an incoming migration is paused until it ends, and may fail):
            // this node's own again, with the addresses it reports here when it reports any
            if (this.machines?.state(facts.path) !== "running")
                return;
            const { node: _, at: _at, error: _e, ...kept } = existing;
            const addresses = facts.running && facts.addresses.length > 0 ? facts.addresses : existing.addresses;
            await this.automatic("Dns.RegisterMachine", facts.path, () => this.service.registry.register(`machine:${facts.uuid}`, { ...kept, addresses }));
            return;
        }
        if (!facts.running || facts.addresses.length === 0 || !Object.values(this.service.zones).some(c => c.registerMachines))
            return;
        if (existing && !existing.error && JSON.stringify(existing.addresses) === JSON.stringify(facts.addresses))
            return;
        await this.automatic("Dns.RegisterMachine", facts.path, () => this.registerFacts(facts, existing?.zone));
    }

    private async machineGone(path: string): Promise<void> {
        const uuid = this.machinePaths.get(path);
        this.machinePaths.delete(path);
        const movedTo = this.whereabouts?.takeDeparture(path) ?? null;
        // one that runs on another member (this was a failed migration back here) is followed by the rounds
        if (!uuid || !this.service.registrations[`machine:${uuid}`] || this.service.registrations[`machine:${uuid}`].node)
            return;
        if (movedTo)
            await this.automatic("Dns.RegisterMachine", path, () => this.moved.moved(`machine:${uuid}`, movedTo));
        else
            await this.automatic("Dns.UnregisterMachine", path, () => this.service.registry.unregister(`machine:${uuid}`));
    }

    /* Registration work nobody called for: audited in debvisord's name; a failure stays on the registration. */
    private async automatic(methodName: string, object: string, work: () => Promise<void>): Promise<void> {
        let result = "ok";
        try {
            await work();
        } catch (e) {
            result = `Failed: ${(e as Error).message}`;
            process.stderr.write(`debvisord: ${methodName} ${object}: ${(e as Error).message}\n`);
        }
        await this.audit.appendAsDaemon(methodName, object, result).catch(() => undefined);
    }
}
