// CephManager.Bootstrap and AddOsd: the provisioning library (provision/) run
// as Jobs. The devices are checked before the Job starts, so bad input is an
// InvalidArgument reply and nothing is made; each step the library reports
// moves the Job's progress and is written to the audit log. An OSD on a new
// host moves the pools to one copy per host (provision/host-placement.ts).
import * as z from "zod/mini";
import { busy } from "../../lib/errors.js";
import { type CallContext, contractMethods, method, type MethodTable } from "../bus/call-pipeline.js";
import { optionsSchema } from "../validation.js";
import type { CephHost } from "./ceph-host.js";
import {
    bootstrapCluster, checkOsdDevices, createOsd, normalizeOptions, observeCluster, type ProgressCallback,
} from "./provision/index.js";
import { CEPHMANAGER_IFACE } from "../../../generated/dbus-contract.js";

const deviceArg = z.string().check(z.minLength(1, "must not be empty"), z.maxLength(4096, "is too long"));
const devicesArg = z.array(deviceArg).check(z.minLength(1, "name at least one spare disk"), z.maxLength(64, "names too many disks"));

/* Each step of the library, audited as a step of the method that runs it, and the Job's progress. */
function stepReporter(host: CephHost, ctx: CallContext, methodName: string, setProgress: (f: number) => void): ProgressCallback {
    return async r => {
        setProgress(r.fraction);
        await ctx.auditStep(`${methodName}.step`, "ok", [r.id, r.result, `${r.seconds.toFixed(1)} s`], { object: host.path }).catch(() => undefined);
    };
}

export function provisionMethods(host: CephHost): MethodTable {
    return contractMethods(CEPHMANAGER_IFACE, {
        Bootstrap: method({
            args: z.tuple([devicesArg, optionsSchema({
                "rbd-pool": z.optional(z.string().check(z.maxLength(100, "is too long"))),
                cephfs: z.optional(z.string().check(z.maxLength(64, "is too long"))),
                mount: z.optional(z.boolean()),
                "public-network": z.optional(z.string().check(z.maxLength(64, "is too long"))),
            })]),
            run: async (ctx, [devices, options]) => {
                const wanted = normalizeOptions({
                    rbdPool: options["rbd-pool"], cephfs: options.cephfs, mount: options.mount, publicNetwork: options["public-network"],
                });
                await checkOsdDevices(devices);
                if (host.bootstrapping)
                    throw busy("a Ceph cluster is being bootstrapped already");
                const now = await observeCluster(wanted);
                if (now.coreDone && now.finishDone)
                    throw busy("this host has a Ceph cluster already; add disks with AddOsd");
                host.bootstrapping = true;
                const job = host.jobs.start({
                    operation: "ceph-bootstrap", description: `Creating a Ceph cluster with ${devices.length} OSD${devices.length === 1 ? "" : "s"}`,
                    caller: ctx.caller, objects: [host.path],
                }, async control => {
                    try {
                        const result = await bootstrapCluster(devices, wanted, stepReporter(host, ctx, "Bootstrap", f => control.setProgress(f)), control.signal);
                        const made = result.steps.filter(s => s.result === "ok").length;
                        return `Ceph cluster ${result.fsid} ready with OSD ${result.osds.join(", ")} (${made} of ${result.steps.length} steps made, the others were done)`;
                    } finally {
                        host.bootstrapping = false;
                        await host.refresh(true);
                    }
                });
                return [job.path];
            },
        }),
        AddOsd: method({
            args: z.tuple([deviceArg, optionsSchema({})]),
            run: async (ctx, [device]) => {
                await checkOsdDevices([device], "device");
                const job = host.jobs.start({
                    operation: "ceph-add-osd", description: `Adding ${device} to the Ceph cluster as an OSD`,
                    caller: ctx.caller, objects: [host.path],
                }, async control => {
                    try {
                        const result = await createOsd(device, stepReporter(host, ctx, "AddOsd", f => control.setProgress(f)), control.signal);
                        const spread = result.placement;
                        if (spread.length > 0)
                            await ctx.auditStep("AddOsd.step", "ok", ["placement across hosts", ...spread], { object: host.path }).catch(() => undefined);
                        return `${device} is OSD ${result.id}${spread.length > 0 ? `; ${spread.join("; ")}` : ""}`;
                    } finally {
                        await host.refresh(true);
                    }
                });
                return [job.path];
            },
        }),
    });
}
