// One Machine object per libvirt domain, kept in step with libvirt's
// lifecycle events: a start, stop or redefinition (also one made with
// virsh) re-reads that one domain and signals only what changed.
// The methods live in one module per concern (configuration, snapshots,
// copies, console); this module holds the objects and the lifecycle.
import fs from "node:fs";
import nodePath from "node:path";
import * as z from "zod/mini";
import { busy, failed } from "../../lib/errors.js";
import type { AreaSupervisor, Areas } from "../area-supervisor.js";
import type { AuditLog } from "../audit/audit-log.js";
import { isoToMicroseconds } from "../../lib/times.js";
import { type CallContext, contractMethods, method, type MethodTable } from "../bus/call-pipeline.js";
import type { ObjectServer } from "../bus/object-server.js";
import { IMAGE_DIR } from "../images/image-import.js";
import type { JobRegistry } from "../jobs/jobs.js";
import { count, optionsSchema } from "../validation.js";
import { configurationMethods } from "./configuration.js";
import { Consoles } from "./console.js";
import { copyMethods } from "./copies.js";
import { createMachineMethod } from "./create.js";
import { describeDomain } from "./domain-xml.js";
import { moveVncToSocket } from "./graphics-socket.js";
import { DomainEvent, type Libvirt } from "./libvirt.js";
import type { MachineHost } from "./machine-host.js";
import { osName } from "./os-names.js";
import { tagMethods } from "./machine-tags.js";
import { waitOrForceOff } from "./shutdown.js";
import { readSnapshots, snapshotMethods, snapshotsToBus } from "./snapshots.js";
import { deleteDiskVolume } from "./vm-storage.js";
import { deleteZvolDisk, zvolOfDisk } from "./zvol-disks.js";
import type { ZfsTools } from "../zfs/tools.js";
import { MACHINE_IFACE } from "../../../generated/dbus-contract.js";

const UNDEFINE_MANAGED_SAVE_SNAPSHOTS_NVRAM = 1 | 2 | 4;
const MAX_PARALLEL_READS = 32;
const ADDRESS_POLL_MS = 10_000;
const RESYNC_DELAY_MS = 500, ALIVE_CHECK_MS = 15_000;
/** virDomainInterfaceAddressesSource: DHCP leases of libvirt's networks, then the guest agent */
const ADDRESS_SOURCE_LEASE = 0, ADDRESS_SOURCE_AGENT = 1;

type Snapshot = Record<string, unknown>;

/** What other areas (DNS registration) learn about a machine whenever it is read or goes away. */
export type MachineFacts = { path: string; uuid: string; name: string; running: boolean; autostart: boolean; addresses: string[]; tags: string[] };
/** A machine as another node of the cluster lists it. */
export interface MachineSummary {
    name: string; uuid: string; state: string; vcpus: number; memoryMiB: number; disks: number; autostart: boolean;
    /** the addresses it reports (absent from a member of an older version) */
    addresses?: string[];
}
/** A machine read, or its object gone: `deleted` when libvirt no longer has it (not merely unreachable). */
export type MachineListener = (facts: MachineFacts | { path: string; removed: true; deleted: boolean }) => void;

export class Machines implements MachineHost {
    private readonly snapshots = new Map<string, Snapshot>(); // our object path → properties
    private readonly domainPaths = new Map<string, string>(); // our object path → libvirt's
    private readonly refreshing = new Map<string, Promise<void>>();
    private readonly addresses = new Map<string, Map<string, string[]>>(); // our object path → MAC → addresses
    private readonly consoles = new Consoles();
    private kvm: Promise<boolean> | null = null;
    private subscribed = false;
    private supervisor: AreaSupervisor | null = null;
    private readonly listeners: MachineListener[] = [];
    private readonly extraMethods: Array<(path: string) => MethodTable> = [];

    constructor(private readonly server: ObjectServer, readonly libvirt: Libvirt, readonly jobs: JobRegistry, private readonly audit: AuditLog,
        readonly zfsTools: ZfsTools) {}

    /* Manager.CreateMachine's implementation. */
    createMethod() {
        return createMachineMethod(this);
    }

    /* Methods another area puts on every Machine object (Backup); added before the first machine is read. */
    addMethods(provider: (path: string) => MethodTable): void {
        this.extraMethods.push(provider);
    }

    onMachine(listener: MachineListener): void {
        this.listeners.push(listener);
    }

    /* A machine's name, state and addresses, or null when there is no such machine. */
    facts(path: string): MachineFacts | null {
        const s = this.snapshots.get(path);
        if (!s)
            return null;
        return {
            path, uuid: String(s.UUID), name: String(s.Name), running: s.State === "running" || s.State === "paused", autostart: !!s.Autostart,
            addresses: [...this.addresses.get(path)?.values() ?? []].flat(),
            tags: (s.Tags as string[] | undefined) ?? [],
        };
    }

    /* Every machine's facts, as last read. */
    list(): MachineFacts[] {
        return [...this.snapshots.keys()].map(p => this.facts(p)!);
    }

    /* Every machine as the other nodes of a cluster list it, as last read. */
    summaries(): MachineSummary[] {
        return [...this.snapshots].map(([path, s]) => ({
            name: String(s.Name), uuid: String(s.UUID), state: String(s.State), vcpus: Number(s.Vcpus), memoryMiB: Number(s.MemoryMiB),
            disks: (s.Disks as Array<{ Device: string }>).filter(d => d.Device === "disk").length, autostart: !!s.Autostart,
            addresses: [...this.addresses.get(path)?.values() ?? []].flat(),
        }));
    }

    /* Starts, shuts down or forces off the machine at `path` (Machine.Start, .Shutdown without a wait, .ForceOff). */
    async lifecycle(path: string, action: "Start" | "Shutdown" | "ForceOff"): Promise<void> {
        const domainPath = this.domainOf(path);
        if (action === "Start") // never start one of DebVisor's machines with its display on TCP
            await moveVncToSocket(this.libvirt, domainPath);
        await this.libvirt.domainCall(domainPath, { Start: "Create", Shutdown: "Shutdown", ForceOff: "Destroy" }[action]);
        // the object is current when the reply arrives, also if libvirt's event is late or lost
        if (action === "Start")
            await this.refresh(domainPath);
    }

    /* Shuts the machine down and waits, forcing it off after `ms`; whether it went off by itself (a quarantine, a node's maintenance). */
    async shutDownOrForceOff(path: string, ms: number, signal?: AbortSignal): Promise<boolean> {
        const domainPath = this.domainOf(path);
        await this.libvirt.domainCall(domainPath, "Shutdown");
        return waitOrForceOff(this.libvirt, domainPath, ms, () => this.isOff(path), signal);
    }

    private isOff(path: string): boolean {
        return ["shutoff", "unknown"].includes(this.state(path));
    }

    private tell(facts: Parameters<MachineListener>[0]): void {
        for (const l of this.listeners) {
            try {
                l(facts);
            } catch (e) {
                process.stderr.write(`debvisord: a machine listener failed: ${(e as Error).message}\n`);
            }
        }
    }

    /* Whether libvirt offers KVM here; without it, machines run emulated (TCG). */
    kvmAvailable(): Promise<boolean> {
        // asked again after a failure: libvirt may not have answered yet
        this.kvm ??= this.libvirt.capabilities().then(caps => /<domain type=['"]kvm['"]/.test(caps), () => {
            this.kvm = null;
            return false;
        });
        return this.kvm;
    }

    name(path: string): string {
        return String(this.snapshots.get(path)?.Name ?? "the machine");
    }

    objectPath(uuid: string): string {
        return `${this.server.rootPath}/machines/${uuid.replace(/-/g, "_")}`;
    }

    /* The machines area's supervisor: `connect` until libvirt answers, again whenever it goes away. */
    supervise(areas: Areas, onReady: () => Promise<void>, onLost: () => void): AreaSupervisor {
        this.supervisor = areas.add("machines", async () => {
            try {
                await this.connect();
            } catch (e) {
                onLost();
                throw e;
            }
            await onReady();
        });
        return this.supervisor;
    }

    /* Subscribes first (once), then reads every domain, so no change falls in between. */
    async connect(): Promise<void> {
        if (!this.subscribed) {
            await this.libvirt.onDomainEvent((domainPath, event) => void this.refresh(domainPath, event));
            await this.libvirt.onServiceChange(present => this.serviceChanged(present));
            this.subscribed = true;
            setInterval(() => void this.pollAddresses(), ADDRESS_POLL_MS).unref();
            setInterval(() => void this.checkAlive(), ALIVE_CHECK_MS).unref();
        }
        try {
            await this.resync();
        } catch (e) {
            // until libvirt answers, the machines shown would be stale
            for (const path of [...this.domainPaths.keys()])
                this.remove(path);
            throw new Error(`libvirt does not answer: ${(e as Error).message.replace(/^libvirt: /, "")}`);
        }
    }

    /* Reads every domain again and drops the objects of those that are gone. */
    private async resync(): Promise<void> {
        const domains = await this.libvirt.listDomains();
        const listed = new Set(domains);
        for (const [path, domainPath] of [...this.domainPaths]) {
            if (!listed.has(domainPath))
                this.remove(path, true);
        }
        for (let i = 0; i < domains.length; i += MAX_PARALLEL_READS)
            await Promise.all(domains.slice(i, i + MAX_PARALLEL_READS).map(d => this.refresh(d)));
    }

    /* libvirt-dbus restarted (or went away): what happened meanwhile came with no events, so read again. */
    private serviceChanged(present: boolean): void {
        if (!this.supervisor)
            return;
        if (!present) {
            this.supervisor.lost("libvirt-dbus (org.libvirt) left the system bus");
            return;
        }
        setTimeout(() => void this.supervisor?.retryNow(), RESYNC_DELAY_MS).unref();
    }

    /* libvirt-dbus says nothing when libvirtd restarts behind it, and events from before its
     * new connection are lost: a cheap list now and then (~20 ms for 1,000 domains) notices
     * both, and makes libvirt-dbus connect again and renew its event subscription. */
    private async checkAlive(): Promise<void> {
        if (this.supervisor?.status.state !== "ready")
            return;
        let domains: string[];
        try {
            domains = await this.libvirt.listDomains();
        } catch (e) {
            this.supervisor.lost(`libvirt does not answer: ${(e as Error).message.replace(/^libvirt: /, "")}`);
            return;
        }
        const known = new Set(this.domainPaths.values());
        if (domains.length !== known.size || domains.some(d => !known.has(d)))
            await this.resync().catch(() => undefined);
    }

    /* Guest addresses come from DHCP leases or the guest agent, with no event: ask running machines. */
    private async pollAddresses(): Promise<void> {
        const running = [...this.snapshots].filter(([, s]) => s.State === "running" && (s.Nics as unknown[]).length > 0).map(([p]) => p);
        for (let i = 0; i < running.length; i += MAX_PARALLEL_READS)
            await Promise.all(running.slice(i, i + MAX_PARALLEL_READS).map(async path => {
                const domainPath = this.domainPaths.get(path);
                if (!domainPath)
                    return;
                const found = await this.readAddresses(domainPath);
                if (JSON.stringify([...found]) !== JSON.stringify([...this.addresses.get(path) ?? []]))
                    await this.refresh(domainPath);
            }));
    }

    private async readAddresses(domainPath: string): Promise<Map<string, string[]>> {
        const leases = await this.libvirt.interfaceAddresses(domainPath, ADDRESS_SOURCE_LEASE).catch(() => new Map<string, string[]>());
        if (leases.size > 0)
            return leases;
        return this.libvirt.interfaceAddresses(domainPath, ADDRESS_SOURCE_AGENT).catch(() => new Map<string, string[]>());
    }

    /* Re-reads one domain; refreshes of the same domain run one after another. */
    refresh(domainPath: string, event?: number): Promise<void> {
        const previous = this.refreshing.get(domainPath) ?? Promise.resolve();
        const next = previous.then(() => this.read(domainPath, event)).catch(e => {
            process.stderr.write(`debvisord: cannot read ${domainPath}: ${(e as Error).message}\n`);
        });
        this.refreshing.set(domainPath, next);
        void next.finally(() => {
            if (this.refreshing.get(domainPath) === next)
                this.refreshing.delete(domainPath);
        });
        return next;
    }

    private async read(domainPath: string, event?: number): Promise<void> {
        const ours = [...this.domainPaths].find(([, d]) => d === domainPath)?.[0];
        if (event === DomainEvent.Undefined) {
            // a transient domain also goes away when it stops; a persistent one may be redefined
            const stillThere = (await this.libvirt.listDomains()).includes(domainPath);
            if (!stillThere) {
                if (ours)
                    this.remove(ours, true);
                return;
            }
        }
        let props, state, xml, snapshots;
        try {
            [props, state, xml, snapshots] = await Promise.all([
                this.libvirt.domainProperties(domainPath), this.libvirt.domainState(domainPath), this.libvirt.domainXml(domainPath),
                readSnapshots(this.libvirt, domainPath),
            ]);
        } catch (e) {
            if ((e as { errorName?: string }).errorName === "NotFound") {
                if (ours)
                    this.remove(ours, true);
                return;
            }
            throw e;
        }
        const d = describeDomain(xml);
        const path = this.objectPath(props.UUID);
        if (props.Persistent && d.createdBy && d.graphics.some(g => g.Type === "vnc" && (g.Access === "local-users" || g.Access === "network")))
            void this.moveVncToSocket(domainPath, props.Name, path);
        const running = state === "running" || state === "paused";
        const addresses = running && d.nics.length > 0 ? await this.readAddresses(domainPath) : new Map<string, string[]>();
        this.addresses.set(path, addresses);
        this.consoles.follow(path, running, d.serialPty);
        const snapshot: Snapshot = {
            Name: props.Name, UUID: props.UUID, State: state, Vcpus: d.vcpus, MemoryMiB: d.memoryMiB,
            Autostart: props.Autostart, Persistent: props.Persistent, Emulated: d.emulated,
            OsInfo: osName(d.osId), CreatedBy: d.createdBy?.User ?? "", CreationTime: isoToMicroseconds(d.createdBy?.Time ?? ""),
            Disks: d.disks,
            Nics: d.nics.map(x => ({ ...x, Addresses: addresses.get(x.Mac.toLowerCase()) ?? [] })),
            Graphics: d.graphics,
            Snapshots: snapshotsToBus(snapshots),
            Tags: d.tags,
        };
        this.snapshots.set(path, snapshot);
        this.domainPaths.set(path, domainPath);
        this.server.publish(path, MACHINE_IFACE, snapshot, () => this.methods(path));
        this.tell(this.facts(path)!);
    }

    /* A machine DebVisor made before its display moved to a socket: its next
     * start (also libvirt's autostart) uses the socket. The redefinition's
     * event refreshes the object. */
    private async moveVncToSocket(domainPath: string, name: string, path: string): Promise<void> {
        let result: string;
        try {
            if (!await moveVncToSocket(this.libvirt, domainPath))
                return;
            result = "ok";
            process.stderr.write(`debvisord: ${name}: its VNC display moves from a TCP port to a private socket at its next start\n`);
        } catch (e) {
            result = `Failed: ${(e as Error).message}`;
            process.stderr.write(`debvisord: ${name}: cannot move its VNC display to a socket: ${result}\n`);
        }
        // the daemon changed a machine's definition on its own: that is in the chain like any change
        await this.audit.appendAsDaemon("Machine.MoveDisplayToSocket", path, result, [name]).catch(e => process.stderr.write(`debvisord: ${name}: the display move is not in the audit log: ${(e as Error).message}\n`));
    }

    /* `deleted`: libvirt said the domain is gone (the others' state of it may go too), else it does not answer. */
    private remove(path: string, deleted = false): void {
        this.snapshots.delete(path);
        this.domainPaths.delete(path);
        this.addresses.delete(path);
        this.consoles.forget(path);
        this.server.unexport(path);
        this.tell({ path, removed: true, deleted });
    }

    state(path: string): string {
        return String(this.snapshots.get(path)?.State ?? "unknown");
    }

    domainOf(path: string): string {
        const domainPath = this.domainPaths.get(path);
        if (!domainPath)
            throw failed("the machine is gone");
        return domainPath;
    }

    private simple(path: string, member: string, signature = "u", body: unknown[] = [0]) {
        return method({
            args: z.tuple([optionsSchema({})]),
            run: async () => {
                await this.libvirt.domainCall(this.domainOf(path), member, signature, body);
                return [];
            },
        });
    }

    private methods(path: string): MethodTable {
        return contractMethods(MACHINE_IFACE, {
            ...configurationMethods(this, path),
            ...snapshotMethods(this, path),
            ...tagMethods(this, path),
            ...copyMethods(this, path),
            ...this.consoles.methods(this, path),
            ...Object.assign({}, ...this.extraMethods.map(provider => provider(path))) as Record<string, unknown>,
            Start: method({
                args: z.tuple([optionsSchema({})]),
                run: async () => {
                    await this.lifecycle(path, "Start");
                    return [];
                },
            }),
            Reboot: this.simple(path, "Reboot"),
            ForceOff: this.simple(path, "Destroy"),
            Pause: this.simple(path, "Suspend", "", []),
            Resume: this.simple(path, "Resume", "", []),
            Shutdown: method({
                args: z.tuple([optionsSchema({ timeout: z.optional(count(0, 86_400, " seconds")) })]),
                run: async (ctx: CallContext, [options]) => {
                    const domainPath = this.domainOf(path);
                    await this.libvirt.domainCall(domainPath, "Shutdown");
                    if (!options.timeout)
                        return ["/"];
                    const name = String(this.snapshots.get(path)?.Name);
                    const job = this.jobs.start({
                        operation: "machine-shutdown", description: `Shutting down ${name}`, caller: ctx.caller, objects: [path],
                    }, async control => this.waitForShutoff(path, domainPath, options.timeout as number, control.signal));
                    return [job.path];
                },
            }),
            SetAutostart: method({
                args: z.tuple([z.boolean(), optionsSchema({})]),
                run: async (_ctx, [autostart]) => {
                    await this.libvirt.setAutostart(this.domainOf(path), autostart);
                    await this.refresh(this.domainOf(path));
                    return [];
                },
            }),
            Delete: method({
                args: z.tuple([optionsSchema({ "delete-disks": z.optional(z.boolean()), force: z.optional(z.boolean()) })]),
                run: async (_ctx, [options]) => {
                    const domainPath = this.domainOf(path);
                    const state = this.state(path);
                    if (state !== "shutoff" && state !== "crashed") {
                        if (!options.force)
                            throw busy(`${String(this.snapshots.get(path)?.Name)} is ${state}: shut it down first, or pass the option "force"`);
                        await this.libvirt.domainCall(domainPath, "Destroy");
                    }
                    const disks = describeDomain(await this.libvirt.domainXml(domainPath)).disks;
                    await this.libvirt.domainCall(domainPath, "Undefine", "u", [UNDEFINE_MANAGED_SAVE_SNAPSHOTS_NVRAM]);
                    if (options["delete-disks"]) {
                        for (const disk of disks) {
                            // an installer ISO stays; a cloud-init seed DebVisor wrote goes
                            if (disk.Device === "cdrom" && !disk.Source.endsWith("-cidata.iso"))
                                continue;
                            if (!disk.Source.startsWith("/") && disk.Source.includes("/")) {
                                await deleteDiskVolume(this.libvirt, disk);
                            } else if (zvolOfDisk(disk)) {
                                await deleteZvolDisk(this.zfsTools, disk);
                            } else if (nodePath.dirname(nodePath.resolve(disk.Source)) === IMAGE_DIR && disk.Source.startsWith("/")) {
                                // only images DebVisor manages (its volumes, its seeds); a disk elsewhere may belong to someone else
                                fs.rmSync(disk.Source, { force: true });
                            }
                        }
                    }
                    return [];
                },
            }),
        });
    }

    private async waitForShutoff(path: string, domainPath: string, seconds: number, signal: AbortSignal): Promise<string> {
        const byItself = await waitOrForceOff(this.libvirt, domainPath, seconds * 1000, () => this.isOff(path), signal);
        return byItself ? "The guest shut down" : `The guest did not shut down within ${seconds} s and was forced off`;
    }
}
