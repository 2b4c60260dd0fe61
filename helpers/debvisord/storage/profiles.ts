// Manager.PlanProfile and Manager.ApplyProfile: reads the disks and the ZFS
// and libvirt state, plans (profile-plan.ts), and applies a plan as a Job
// whose steps each check what exists first, so an apply that failed halfway
// is completed by the next one. ZFS goes through the ZFS area's tool layer,
// Ceph through the provisioning library (ceph/provision/).
import fs from "node:fs";
import path from "node:path";
import * as z from "zod/mini";
import { busy, invalidArgument } from "../../lib/errors.js";
import { runTool } from "../../lib/tool-run.js";
import { virsh } from "../../lib/virsh.js";
import { createOsd, finishCluster, prepareCluster, type StepReport } from "../ceph/provision/bootstrap.js";
import { fileOsdDirectory } from "../ceph/provision/config.js";
import { MIN_FILE_OSD_BYTES } from "../ceph/provision/devices.js";
import { defineRbdPool, rbdBackendInstalled } from "../ceph/provision/libvirt-rbd.js";
import { observeCluster } from "../ceph/provision/state.js";
import { type CallContext, contractMethods, method, type MethodTable } from "../bus/call-pipeline.js";
import { filesAsDisks, listDisks, type Disk } from "../host/disks.js";
import { PROFILE_FILE, readProfile } from "../host/facts.js";
import type { JobRegistry } from "../jobs/jobs.js";
import { optionsSchema } from "../validation.js";
import { fileVdevDirectory } from "../zfs/properties.js";
import type { ZfsHost } from "../zfs/zfs-host.js";
import { CEPH_FS, CEPH_RBD_POOL, planProfile, type CurrentState, type Plan, type PlannedProfile, type PlanStep } from "./profile-plan.js";
import { MANAGER_IFACE } from "../../../generated/dbus-contract.js";

const MIB = 1024 ** 2;

/* TEST ONLY: the regular files (64 MiB or more) directly in the ZFS area's
 * "test-file-vdev-directory" (/etc/debvisor/zfs.json, unset on real hosts)
 * or the Ceph area's "test-file-osd-directory" (/etc/debvisor/ceph.json)
 * count as disks, so the profile can be applied in tests without real spare
 * disks: a file that is a device of a pool is in use, one with a signature
 * that blkid finds (a filesystem …) too, the others are spares. */
export async function testFileDisks(inUse: Map<string, string>, dir = fileVdevDirectory()): Promise<Disk[]> {
    return filesAsDisks(dir, async (file, size) => {
        if (size < 64 * MIB)
            return null;
        const pool = inUse.get(file);
        // blkid -p: exit code 0 with the type, 2 when it finds nothing; anything else leaves the file unusable
        const probe = pool ? null : await runTool("blkid", ["-p", "-o", "value", "-s", "TYPE", "--", file], `probing ${file}`,
            { timeout: 10_000, allowFailure: true });
        const signature = pool ? "zfs_member" : probe?.exitCode === 0 ? probe.stdout.trim() || "unknown" : probe?.exitCode === 2 ? "" : "unprobed";
        return {
            fsType: signature, role: signature ? "in-use" : "spare",
            reason: pool ? `is a device of the ZFS pool ${pool}` : signature ? `carries a filesystem or signature (${signature})`
                : "is a test file in the test-file-vdev-directory",
        };
    });
}

function realPath(p: string): string {
    try {
        return fs.realpathSync(p);
    } catch {
        return p;
    }
}

async function virshOut(args: string[], what: string): Promise<string> {
    return (await virsh(args, what)).stdout;
}

/* libvirt's storage pools with their type and target directory; none when libvirt does not answer. */
async function libvirtPools(): Promise<CurrentState["libvirtPools"]> {
    let names: string[];
    try {
        names = (await virshOut(["pool-list", "--all", "--name"], "listing the libvirt storage pools")).split("\n").map(s => s.trim()).filter(Boolean);
    } catch {
        return [];
    }
    const result: CurrentState["libvirtPools"] = [];
    for (const name of names) {
        const xml = await virshOut(["pool-dumpxml", "--", name], `reading the libvirt pool ${name}`).catch(() => "");
        result.push({
            name,
            type: /<pool[^>]*type=['"]([^'"]+)['"]/.exec(xml)?.[1] ?? "",
            target: /<target>\s*<path>([^<]*)<\/path>/.exec(xml)?.[1] ?? "",
        });
    }
    return result;
}

/* Writes the profile file by rename, so a reader sees the old or the new word. */
function writeProfileFile(profile: PlannedProfile, file = PROFILE_FILE): void {
    const temp = `${file}.new`;
    fs.writeFileSync(temp, `${profile}\n`, { mode: 0o644 });
    fs.renameSync(temp, file);
}

const profileArg = z.enum(["zfs", "ceph", "mixed"], { error: "must be \"zfs\", \"ceph\" or \"mixed\"" });
const includeOption = z.optional(z.array(z.string().check(z.minLength(1, "must not be empty"), z.maxLength(4096, "is too long")))
    .check(z.maxLength(256, "names too many disks")));

export class Profiles {
    private applying = false;

    constructor(private readonly zfs: ZfsHost, private readonly jobs: JobRegistry, private readonly managerPath: string) {}

    async currentPlan(profile: PlannedProfile, include: string[]): Promise<Plan> {
        await this.zfs.ready;
        if (this.zfs.flavor)
            await this.zfs.refresh();
        const inUse = this.zfs.devicesInUse();
        const disks = await listDisks();
        // test files: those of the ZFS test directory for ZFS, of the Ceph one for Ceph
        const zfsDir = profile === "ceph" ? "" : fileVdevDirectory();
        const cephDir = profile === "zfs" ? "" : fileOsdDirectory();
        for (const dir of [...new Set([zfsDir, cephDir])].filter(Boolean)) {
            for (const d of await testFileDisks(inUse, dir))
                if (!disks.some(x => x.Path === d.Path)) disks.push(d);
        }
        // the cluster is asked only when the profile has Ceph steps: a monitor that hangs does not slow a zfs plan
        const ceph = profile === "zfs" ? null : await observeCluster({ rbdPool: CEPH_RBD_POOL, cephfs: CEPH_FS, mount: true });
        const pools = new Map<string, string[]>();
        for (const d of this.zfs.datasets.filter(x => !x.name.includes("/") && !x.name.includes("@")))
            pools.set(d.name, []);
        for (const [device, pool] of inUse)
            pools.get(pool)?.push(device);
        const state: CurrentState = {
            profile: readProfile(),
            zfs: Boolean(this.zfs.flavor),
            lz4: Boolean(this.zfs.flavor?.lz4),
            pools: [...pools].map(([name, devices]) => ({ name, devices })),
            datasets: this.zfs.datasets.filter(d => d.type === "filesystem").map(d => ({ name: d.name, mountpoint: d.mountpoint })),
            libvirtPools: await libvirtPools(),
            ceph: ceph ? { installed: ceph.installed, coreDone: ceph.coreDone, finishDone: ceph.finishDone,
                osds: ceph.osds.map(o => ({ id: o.id, device: o.device, done: o.ready && o.running })) } : undefined,
        };
        const plan = planProfile(profile, disks, state, { include }, realPath);
        // a test file only goes where its area accepts it: ZFS from its directory, Ceph from its own and of 1 GiB or more
        for (const w of plan.Wipes.filter(x => disks.find(d => d.Path === x.Path)?.Transport === "file")) {
            const dir = path.dirname(w.Path);
            if (w.Step === "zfs-pool" && dir !== zfsDir)
                plan.Problems.push(`${w.Path} is no test file of the ZFS test directory`);
            if (w.Step.startsWith("ceph-osd:") && dir !== cephDir)
                plan.Problems.push(`${w.Path} is no test file of the Ceph test directory ("test-file-osd-directory" in /etc/debvisor/ceph.json)`);
            else if (w.Step.startsWith("ceph-osd:") && w.Size < MIN_FILE_OSD_BYTES)
                plan.Problems.push(`${w.Path} is smaller than 1 GiB, too small for a BlueStore OSD`);
        }
        return plan;
    }

    methods(): MethodTable {
        return contractMethods(MANAGER_IFACE, {
            PlanProfile: method({
                args: z.tuple([profileArg, optionsSchema({ include: includeOption })]),
                run: async (_ctx, [profile, options]) => [await this.currentPlan(profile, options.include ?? [])],
            }),
            ApplyProfile: method({
                args: z.tuple([profileArg, optionsSchema({
                    token: z.string().check(z.regex(/^[0-9a-f]{64}$/, "must be the Token of a plan from PlanProfile")),
                    include: includeOption,
                })]),
                run: async (ctx, [profile, options]) => {
                    if (this.applying)
                        throw busy("a profile is being applied already");
                    // taken before the first await: a second call sees it
                    this.applying = true;
                    let plan: Plan;
                    try {
                        plan = await this.planAsShown(profile, options.include ?? [], p => p.Token === options.token, "options.token: ");
                    } catch (e) {
                        this.applying = false;
                        throw e;
                    }
                    const job = this.jobs.start({ operation: "storage-profile", description: `Applying the storage profile ${profile}`,
                        caller: ctx.caller, objects: [this.managerPath] }, async control => {
                        try {
                            // re-planned at the start of the job: what ran between the call and now must not be missed
                            const now = await this.currentPlan(profile, options.include ?? []);
                            if (now.Token !== plan.Token)
                                throw invalidArgument("the disks changed since the plan was shown; plan again");
                            return await this.apply(ctx, now, f => control.setProgress(f), control.signal);
                        } finally {
                            this.applying = false;
                        }
                    });
                    return [job.path];
                },
            }),
        });
    }

    /* For Cluster.Join, before it starts: the profile's plan here wipes exactly the disks shown (its WipesToken), and some. */
    async checkForJoin(profile: "ceph" | "mixed", wipesToken: string): Promise<void> {
        const plan = await this.currentPlan(profile, []);
        if (plan.WipesToken !== wipesToken)
            throw invalidArgument("options.profile-wipes: the disks changed since the plan was shown; plan again");
        if (plan.Wipes.length === 0)
            throw invalidArgument(`options.profile: the profile ${profile} has no spare disk to take here; join without it`);
    }

    /* For Cluster.Join, once the node is a member: the profile applied, its steps audited as ApplyProfile's. */
    async applyAfterJoin(ctx: CallContext, profile: "ceph" | "mixed", wipesToken: string, progress: (f: number) => void, signal: AbortSignal): Promise<string> {
        if (this.applying)
            throw busy("a profile is being applied already");
        this.applying = true;
        try {
            return await this.apply(ctx, await this.planAsShown(profile, [], p => p.WipesToken === wipesToken), progress, signal);
        } finally {
            this.applying = false;
        }
    }

    /* The plan made now, refused unless it is the one shown (`shown` compares its token; `argument` names where the
     * token came from) and it can be applied. */
    private async planAsShown(profile: PlannedProfile, include: string[], shown: (plan: Plan) => boolean, argument = ""): Promise<Plan> {
        const plan = await this.currentPlan(profile, include);
        if (!shown(plan))
            throw invalidArgument(`${argument}the disks changed since the plan was shown; plan again`);
        if (plan.Problems.length > 0)
            throw invalidArgument(`the plan cannot be applied: ${plan.Problems.join("; ")}`);
        return plan;
    }

    /* Runs the steps of a plan made at the start of the job, in order; each checks what exists at the moment it runs. */
    private async apply(ctx: CallContext, plan: Plan, progress: (f: number) => void, signal: AbortSignal): Promise<string> {
        const done: string[] = [];
        for (const [i, step] of plan.Steps.entries()) {
            if (signal.aborted)
                throw signal.reason;
            let result = "kept";
            try {
                if (!step.Exists)
                    result = await this.runStep(ctx, step, plan, signal);
            } catch (e) {
                await this.record(ctx, step, `Failed: ${(e as Error).message}`);
                throw e;
            }
            await this.record(ctx, step, result);
            if (result !== "kept")
                done.push(step.Id);
            progress((i + 1) / plan.Steps.length);
        }
        return done.length === 0 ? `Nothing to do: the profile ${plan.Profile} is applied` : `Applied the profile ${plan.Profile}: ${done.join(", ")}`;
    }

    private async record(ctx: CallContext, step: PlanStep, result: string): Promise<void> {
        await ctx.auditStep("ApplyProfile.step", result === "kept" || result === "ok" ? "ok" : result,
            [step.Id, step.Exists ? "kept" : "made", ...step.Devices], { object: this.managerPath }).catch(() => undefined);
    }

    /* A Ceph step's own steps (monitor, manager, OSD, MDS …) are audited one by one. */
    private cephProgress(ctx: CallContext, step: PlanStep) {
        return async (r: StepReport) => {
            await ctx.auditStep("ApplyProfile.substep", "ok", [step.Id, r.id, r.result, `${r.seconds.toFixed(1)} s`], { object: this.managerPath })
                .catch(() => undefined);
        };
    }

    private async wipeSignatures(plan: Plan, stepId: string): Promise<void> {
        // disks named in "include" carry a signature (a filesystem, LVM, an old pool): erased first, partitions before the disk
        for (const w of plan.Wipes.filter(x => x.Step === stepId && x.Signature !== "")) {
            await runTool("wipefs", ["--all", "--", ...w.Partitions, w.Path], `wiping ${w.Id}`);
        }
    }

    private async runStep(ctx: CallContext, step: PlanStep, plan: Plan, signal: AbortSignal): Promise<string> {
        const tools = this.zfs.tools;
        switch (step.Kind) {
        case "zfs-pool": {
            if ((await tools.poolNames()).includes(step.Settings.name))
                return "kept";
            const wipes = plan.Wipes.filter(w => w.Step === step.Id);
            await this.wipeSignatures(plan, step.Id);
            const devices = step.Devices.map(id => wipes.find(w => w.Id === id)?.Path ?? id);
            await tools.createPool(step.Settings.name, step.Settings.layout as "single", devices,
                { compression: step.Settings.compression }, step.Settings.mountpoint);
            await this.zfs.refresh();
            return "ok";
        }
        case "zfs-dataset": {
            await this.zfs.refresh();
            if (this.zfs.datasets.some(d => d.name === step.Settings.name))
                return "kept";
            await tools.createDataset(step.Settings.name, { mountpoint: step.Settings.mountpoint });
            await this.zfs.refresh();
            return "ok";
        }
        case "libvirt-pool": {
            const name = step.Settings.name;
            const existing = (await libvirtPools()).find(p => p.name === name);
            if (!existing)
                await virshOut(["pool-define-as", "--name", name, "--type", "dir", "--target", step.Settings.target], `defining the libvirt pool ${name}`);
            const info = await virshOut(["pool-info", "--", name], `reading the libvirt pool ${name}`);
            if (!/State:\s+running/.test(info))
                await virshOut(["pool-start", "--", name], `starting the libvirt pool ${name}`);
            await virshOut(["pool-autostart", "--", name], `marking the libvirt pool ${name} to start at boot`);
            return "ok";
        }
        case "profile-file":
            writeProfileFile(plan.Profile);
            return "ok";
        case "ceph-cluster": {
            const osds = plan.Steps.filter(s => s.Kind === "ceph-osd").length;
            const r = await prepareCluster(osds, { rbdPool: CEPH_RBD_POOL, cephfs: CEPH_FS }, this.cephProgress(ctx, step), signal);
            return r.steps.every(x => x.result === "kept") ? "kept" : "ok";
        }
        case "ceph-osd": {
            const wipe = plan.Wipes.find(w => w.Step === step.Id);
            // a new OSD's disk is in the wipes; one half made before is named by its identity
            const device = wipe?.Path ?? step.Devices[0];
            await this.wipeSignatures(plan, step.Id);
            const r = await createOsd(device, this.cephProgress(ctx, step), signal);
            return r.steps.every(x => x.result === "kept") ? "kept" : "ok";
        }
        case "ceph-rbd-pool": {
            const r = await finishCluster({ rbdPool: step.Settings.pool, cephfs: step.Settings.cephfs, mount: true }, this.cephProgress(ctx, step), signal);
            if (!rbdBackendInstalled()) {
                // the cluster is complete; only libvirt's view of it is missing
                return "skipped: libvirt has no rbd storage backend here (install libvirt-daemon-driver-storage-rbd and restart libvirtd), so the libvirt pool "
                    + `${step.Settings.name} was not defined; the RBD pool ${step.Settings.pool} is ready`;
            }
            const pool = await defineRbdPool(step.Settings.name, step.Settings.pool);
            return pool === "kept" && r.steps.every(x => x.result === "kept") ? "kept" : "ok";
        }
        }
    }
}
