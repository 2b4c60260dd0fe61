// One Machine object per libvirt domain, kept in step with libvirt's
// lifecycle events: a start, stop or redefinition (also one made with
// virsh) re-reads that one domain and signals only what changed.
import fs from "node:fs";
import nodePath from "node:path";
import * as z from "zod/mini";
import { busy, failed } from "../../lib/errors.js";
import { toVariantDict } from "../../lib/variants.js";
import { method, type CallContext } from "../bus/call-pipeline.js";
import type { ObjectServer } from "../bus/object-server.js";
import { IMAGE_DIR } from "../images/image-import.js";
import type { JobRegistry } from "../jobs/jobs.js";
import { count, optionsSchema } from "../validation.js";
import { describeDomain } from "./domain-xml.js";
import { DomainEvent, type Libvirt } from "./libvirt.js";

export const MACHINE_IFACE = "org.debvisor.DebVisor1.Machine";
const UNDEFINE_MANAGED_SAVE_SNAPSHOTS_NVRAM = 1 | 2 | 4;
const MAX_PARALLEL_READS = 32;

type Snapshot = Record<string, unknown>;

export class Machines {
    private readonly snapshots = new Map<string, Snapshot>(); // our object path → properties
    private readonly domainPaths = new Map<string, string>(); // our object path → libvirt's
    private readonly refreshing = new Map<string, Promise<void>>();

    constructor(private readonly server: ObjectServer, private readonly libvirt: Libvirt, private readonly jobs: JobRegistry) {}

    objectPath(uuid: string): string {
        return `${this.server.rootPath}/machines/${uuid.replace(/-/g, "_")}`;
    }

    /* Subscribes first, then reads every domain, so no change falls in between. */
    async start(): Promise<void> {
        await this.libvirt.onDomainEvent((domainPath, event) => void this.refresh(domainPath, event));
        const domains = await this.libvirt.listDomains();
        for (let i = 0; i < domains.length; i += MAX_PARALLEL_READS)
            await Promise.all(domains.slice(i, i + MAX_PARALLEL_READS).map(d => this.refresh(d)));
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
                    this.remove(ours);
                return;
            }
        }
        let props, state, xml;
        try {
            [props, state, xml] = await Promise.all([
                this.libvirt.domainProperties(domainPath), this.libvirt.domainState(domainPath), this.libvirt.domainXml(domainPath),
            ]);
        } catch (e) {
            if ((e as { errorName?: string }).errorName === "NotFound") {
                if (ours)
                    this.remove(ours);
                return;
            }
            throw e;
        }
        const d = describeDomain(xml);
        const path = this.objectPath(props.UUID);
        const snapshot: Snapshot = {
            Name: props.Name, UUID: props.UUID, State: state, Vcpus: d.vcpus, MemoryMiB: d.memoryMiB,
            Autostart: props.Autostart, Persistent: props.Persistent, Emulated: d.emulated,
            Disks: d.disks.map(x => toVariantDict({ ...x })), Nics: d.nics.map(x => toVariantDict({ ...x })),
            Graphics: d.graphics.map(x => toVariantDict({ ...x })),
        };
        const before = this.snapshots.get(path);
        this.snapshots.set(path, snapshot);
        this.domainPaths.set(path, domainPath);
        if (!before) {
            this.server.export(path, [{ name: MACHINE_IFACE, properties: () => this.snapshots.get(path) ?? snapshot, methods: this.methodsFor(path) }]);
            return;
        }
        const changed = Object.keys(snapshot).filter(k => JSON.stringify(snapshot[k]) !== JSON.stringify(before[k]));
        this.server.propertiesChanged(path, MACHINE_IFACE, changed);
    }

    private remove(path: string): void {
        this.snapshots.delete(path);
        this.domainPaths.delete(path);
        this.server.unexport(path);
    }

    state(path: string): string {
        return String(this.snapshots.get(path)?.State ?? "unknown");
    }

    private domainOf(path: string): string {
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

    private methodsFor(path: string): Record<string, unknown> {
        return {
            Start: this.simple(path, "Create"),
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
                    const disks = describeDomain(await this.libvirt.domainXml(domainPath)).disks
                        .filter(d => d.Device === "disk" && d.Source.startsWith("/")).map(d => d.Source);
                    await this.libvirt.domainCall(domainPath, "Undefine", "u", [UNDEFINE_MANAGED_SAVE_SNAPSHOTS_NVRAM]);
                    if (options["delete-disks"]) {
                        for (const file of disks) {
                            // only images DebVisor manages; a disk elsewhere may belong to someone else
                            if (nodePath.dirname(nodePath.resolve(file)) === IMAGE_DIR)
                                fs.rmSync(file, { force: true });
                        }
                    }
                    return [];
                },
            }),
        };
    }

    private async waitForShutoff(path: string, domainPath: string, seconds: number, signal: AbortSignal): Promise<string> {
        const deadline = Date.now() + seconds * 1000;
        while (Date.now() < deadline) {
            if (signal.aborted)
                throw signal.reason;
            if (["shutoff", "unknown"].includes(this.state(path)))
                return "The guest shut down";
            await new Promise(r => setTimeout(r, 200));
        }
        await this.libvirt.domainCall(domainPath, "Destroy");
        return `The guest did not shut down within ${seconds} s and was forced off`;
    }
}
