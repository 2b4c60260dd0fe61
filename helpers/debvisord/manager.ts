// The Manager singleton: host facts and the methods that start things.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { formatBytes } from "../lib/bytes.js";
import { busy, invalidArgument } from "../lib/errors.js";
import type { Areas } from "./area-supervisor.js";
import type { AuditLog } from "./audit/audit-log.js";
import { auditRecordDict } from "./audit/audit-object.js";
import { contractMethods, method, type MethodTable } from "./bus/call-pipeline.js";
import type { ObjectServer } from "./bus/object-server.js";
import { testFileOsdDisks } from "./ceph/provision/devices.js";
import { listDisks } from "./host/disks.js";
import { detectFeatures, PROFILE_FILE, readProfile } from "./host/facts.js";
import { FirstBootWatch } from "./host/firstboot.js";
import { RoleMembers } from "./host/role-members.js";
import { convertImage, IMAGE_DIR, openSource, TARGET_FORMATS, targetPath } from "./images/image-import.js";
import type { JobRegistry } from "./jobs/jobs.js";
import * as z from "zod/mini";
import { absolutePath, count, optionsSchema, resourceName } from "./validation.js";
import { MANAGER_IFACE } from "../../generated/dbus-contract.js";

declare const DEBVISOR_VERSION: string;

const HOSTNAME_CHECK_MS = 60_000;

export class Manager {
    readonly path: string;
    private profile = readProfile();
    private readonly features = detectFeatures();
    private readonly importing = new Set<string>();
    private virtualization = "unknown";
    private areas: Areas | null = null;
    private readonly firstBoot = new FirstBootWatch(() => this.publish());
    private readonly roles = new RoleMembers(() => this.publish());

    private readonly areaMethods: MethodTable = {};

    constructor(private readonly server: ObjectServer, private readonly audit: AuditLog, private readonly jobs: JobRegistry) {
        this.path = `${server.rootPath}/manager`;
    }

    /* Methods another area puts on the Manager (CreateMachine, the storage profiles); added before export(). */
    addMethods(methods: MethodTable): void {
        Object.assign(this.areaMethods, methods);
    }

    /* "kvm", "emulated" (no usable KVM: machines run under TCG) or "unavailable" (no libvirt). */
    setVirtualization(value: string): void {
        this.virtualization = value;
        this.publish();
    }

    /* The Areas property follows every area's supervisor. */
    followAreas(areas: Areas): void {
        this.areas = areas;
        areas.onChange(() => this.publish());
    }

    export(): void {
        this.publish();
        this.audit.onCommit(() => this.publish());
        this.audit.onProblem(() => this.publish());
        // the host name has no event to follow: read again every minute (one uname), signalled when it changed
        setInterval(() => this.publish(), HOSTNAME_CHECK_MS).unref();
        this.watchProfile();
        this.firstBoot.start();
        void this.roles.start();
    }

    private publish(): void {
        this.server.publish(this.path, MANAGER_IFACE, {
            Version: typeof DEBVISOR_VERSION === "string" ? DEBVISOR_VERSION : "0.0.0-dev",
            Hostname: os.hostname(),
            Profile: this.profile,
            Features: this.features,
            Virtualization: this.virtualization,
            Areas: Object.fromEntries(Object.entries(this.areas?.statuses() ?? {}).map(([name, s]) =>
                [name, [s.state, s.reason, BigInt(s.nextAttempt) * 1000n]])),
            AuditChainHead: this.audit.chainHead,
            AuditRecordCount: BigInt(this.audit.recordCount),
            AuditProblem: this.audit.problem,
            FirstBoot: this.firstBoot.value,
            RoleMembers: this.roles.value,
        }, () => this.methods());
    }

    /* The installer or the storage page may write the profile file at any time. */
    private watchProfile(): void {
        try {
            fs.watch(path.dirname(PROFILE_FILE), { persistent: false }, (_event, file) => {
                if (file !== path.basename(PROFILE_FILE))
                    return;
                this.profile = readProfile();
                this.publish();
            });
        } catch {
            // without inotify the property is read at start only
        }
    }

    private methods(): MethodTable {
        return contractMethods(MANAGER_IFACE, {
            GetDisks: method({
                args: z.tuple([optionsSchema({
                    "test-files": z.optional(z.enum(["ceph"], { error: "must be \"ceph\"" })),
                })]),
                run: async (_ctx, [options]) => [[...await listDisks(), ...options["test-files"] === "ceph" ? await testFileOsdDisks() : []]],
            }),
            ImportImage: method({
                args: z.tuple([
                    absolutePath,
                    resourceName,
                    optionsSchema({
                        format: z.optional(z.enum(TARGET_FORMATS, { error: `must be one of ${TARGET_FORMATS.join(", ")}` })),
                        "rate-limit": z.optional(count(1024, Number.MAX_SAFE_INTEGER, " bytes per second")),
                    }),
                ]),
                run: async (ctx, [source, name, options]) => {
                    const format = options.format ?? "qcow2";
                    const target = targetPath(name, format);
                    if (this.importing.has(target))
                        throw busy(`image_name: ${path.basename(target)} is being imported already`);
                    if (fs.existsSync(target))
                        throw invalidArgument(`image_name: ${path.basename(target)} already exists in ${IMAGE_DIR}`);
                    // reserve the name before the first await, so a second call for the same name sees it
                    this.importing.add(target);
                    let image;
                    try {
                        image = openSource(source, "source_path");
                    } catch (e) {
                        this.importing.delete(target);
                        throw e;
                    }
                    const opened = image;
                    let job;
                    try {
                        job = this.jobs.start({
                            operation: "image-import",
                            description: `Importing ${path.basename(source)} as ${path.basename(target)}`,
                            caller: ctx.caller,
                        }, async control => {
                            try {
                                await convertImage({
                                    source: opened, target, format,
                                    rateLimit: options["rate-limit"], signal: control.signal,
                                    onProgress: f => control.setProgress(f),
                                });
                                return `Imported ${path.basename(source)} as ${target} (${formatBytes(opened.virtualSize)} virtual size)`;
                            } finally {
                                opened.close();
                                this.importing.delete(target);
                            }
                        });
                    } catch (e) {
                        opened.close();
                        this.importing.delete(target);
                        throw e;
                    }
                    return [job.path];
                },
            }),
            AuditTail: method({
                args: z.tuple([count(1, 1000), optionsSchema({})]),
                run: async (_ctx, [count]) => {
                    await this.audit.drain();
                    return [this.audit.tail(count).map(auditRecordDict)];
                },
            }),
            ...this.roles.methods(),
            ...this.areaMethods,
        });
    }
}
