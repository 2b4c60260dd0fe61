// Machine.Migrate: a running machine moves to another member of the cluster
// with libvirt's own live migration (peer to peer: this node's libvirtd
// drives the other's). Everything crosses the cluster's SSH channel
// (doc/cluster.md): libvirt's control connection logs in to the other node
// as debvisor-peer with this node's key, and the memory and disk streams go
// through migration-relay.ts. The other node's debvisord is asked first
// ("migration-prepare"): it checks the person's role and what it lacks or has
// already, audits the migration and expects it; only then does its forced
// command let libvirt and the streams in, and only from this node.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import nodePath from "node:path";
import * as z from "zod/mini";
import { busy, cancelled, failed, invalidArgument, notAuthorized, notSupported } from "../../lib/errors.js";
import { STREAM_VERSION, streamVersionProblem } from "../../lib/migration-stream.js";
import { lastLines } from "../../lib/tool-run.js";
import { virsh } from "../../lib/virsh.js";
import { method, type CallContext } from "../bus/call-pipeline.js";
import { findSecret } from "../ceph/provision/libvirt-rbd.js";
import { IMAGE_DIR } from "../images/image-import.js";
import type { JobControl } from "../jobs/jobs.js";
import type { Machines } from "../machines/machines.js";
import { migrationPlan, type CopiedDisk } from "../machines/migration-plan.js";
import { deleteVolumeByName } from "../machines/vm-storage.js";
import { optionsSchema } from "../validation.js";
import { peerValue, type ClusterHost, type PeerHandler, type PeerRequest } from "./cluster-host.js";
import type { MachineWhereabouts } from "./machine-whereabouts.js";
import type { MachineMove } from "./node-plan.js";
import {
    CLUSTER_SSH, makeMigrationDir, MIGRATION_ID, migrationDir, openRelay, removeMigrationDir, STREAM_KINDS, streamSocket, type Relay,
} from "./migration-relay.js";
import { actorOf, peerActor, roleAllows } from "./remote-roles.js";
import { NODE_NAME, PEER_USER } from "./ssh-channel.js";

const MIGRATE_ACTION = "org.debvisor.machines.migrate";
const PEER_CALL_TIMEOUT_MS = 30_000;
/** an expected migration that never came (or never ended) is forgotten, and what was made for it removed, after this */
const EXPECTED_FOR_MS = 60 * 60_000;
const MAX_MIGRATION_MS = 6 * 60 * 60_000;
/** how often (every 250 ms) libvirt is asked whether an aborted incoming machine is gone */
const INCOMING_GONE_CHECKS = 40;

const copiedDisk = z.object({
    target: z.string().check(z.regex(/^[a-z]{1,4}[a-z0-9]{0,8}$/)),
    pool: z.string().check(z.maxLength(255)),
    volume: z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/), z.refine(v => !v.includes(".."))),
    file: z.string().check(z.maxLength(4095)),
});
const prepareArgs = z.object({
    id: z.string().check(z.regex(MIGRATION_ID)),
    name: z.string().check(z.maxLength(255)),
    uuid: z.string().check(z.regex(/^[0-9a-f-]{36}$/)),
    copied: z.array(copiedDisk),
    files: z.array(z.string().check(z.maxLength(4095))),
    networks: z.array(z.string().check(z.maxLength(255))),
    bridges: z.array(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,15}$/))),
    cephSecrets: z.array(z.string().check(z.maxLength(255))),
    /** the sending node's stream format (migration-stream.ts); absent from a node of version 1 */
    stream: z.optional(z.unknown()),
});
const streamArgs = z.object({ id: z.string().check(z.regex(MIGRATION_ID)), kind: z.enum(["memory", "disks"]) });
const endArgs = z.object({ id: z.string().check(z.regex(MIGRATION_ID)), ok: z.boolean() });

/** A migration this node agreed to receive. */
interface Expected {
    from: string; name: string; uuid: string; who: string;
    /** disks that were not here before: removed again when the migration fails */
    made: CopiedDisk[];
    timer: NodeJS.Timeout;
}

export class Migrations {
    private readonly expected = new Map<string, Expected>();
    private readonly leaving = new Set<string>();

    constructor(private readonly cluster: ClusterHost, private readonly machines: Machines, private readonly whereabouts: MachineWhereabouts | null = null) {}

    /* Machine.Migrate on the machine at `path`. */
    method(path: string) {
        return method({
            args: z.tuple([z.string().check(z.regex(NODE_NAME, "must be a node's name")), optionsSchema({})]),
            run: async (ctx, [node]) => [await this.migrate(ctx, path, node)],
        });
    }

    /* What the other members may ask of this node about migrations. */
    peerCalls(): Record<string, PeerHandler> {
        return {
            "migration-prepare": (ctx, from, request) => this.prepare(ctx, from, request),
            "migration-connect": async (_ctx, from) => {
                // the forced command lets libvirt's connection in only for a migration this node expects from that node
                if (![...this.expected.values()].some(e => e.from === from))
                    throw notAuthorized(`no migration from ${from} is expected here`);
                return { ok: true };
            },
            "migration-stream": async (_ctx, from, request) => {
                const { id, kind } = peerValue(streamArgs, request.args, "migration-stream");
                if (this.expected.get(id)?.from !== from)
                    throw notAuthorized(`no migration ${id} from ${from} is expected here`);
                return { socket: streamSocket(id, kind) };
            },
            "migration-end": async (ctx, from, request) => {
                const { id, ok } = peerValue(endArgs, request.args, "migration-end");
                const e = this.expected.get(id);
                if (e?.from !== from)
                    throw notAuthorized(`no migration ${id} from ${from} is expected here`);
                await this.finishIncoming(id, ok);
                await ctx.auditStep("Cluster.PeerCall.migration-end", ok ? "ok" : "Failed: the sending node reports that it failed", [e.who, e.name, id]).catch(() => undefined);
                return { ok: true };
            },
        };
    }

    /* Where each running machine of this node would go for maintenance: the members that are up and
     * not in maintenance, in turn, so the machines spread; or why one cannot move (found here, before
     * anything is done; what the other node lacks is found when it is asked). */
    async planMoves(): Promise<MachineMove[]> {
        const self = this.cluster.local?.name;
        const targets = this.cluster.members.filter(m => m.name !== self && !m.maintenance && this.cluster.health(m.name) === "up").map(m => m.name).sort();
        const running = this.machines.list().filter(m => m.running).sort((a, b) => a.name.localeCompare(b.name));
        const moves: MachineMove[] = [];
        for (const [i, m] of running.entries()) {
            const plan = migrationPlan(await this.machines.libvirt.domainXml(this.machines.domainOf(m.path)));
            const problem = plan.refused.length > 0 ? plan.refused.join("; ")
                : targets.length === 0 ? "no other member is up and out of maintenance" : "";
            moves.push({ machine: m.name, to: problem ? "" : targets[i % targets.length], problem });
        }
        return moves;
    }

    /* Moves each machine in turn, each as a Machine.Migrate Job of its own; stops at the first that fails. */
    async runMoves(ctx: CallContext, moves: MachineMove[], signal: AbortSignal): Promise<string[]> {
        const moved: string[] = [];
        for (const move of moves) {
            if (signal.aborted)
                throw signal.reason as Error;
            const path = this.machines.list().find(m => m.name === move.machine)?.path;
            if (!path)
                continue; // gone since the plan
            const jobPath = await this.migrate(ctx, path, move.to);
            const job = await this.machines.jobs.whenFinished(this.machines.jobs.jobs.get(jobPath)!);
            if (job.state !== "succeeded")
                throw failed(`moving ${move.machine} to ${move.to}: ${job.message}${moved.length > 0 ? ` (moved before it: ${moved.join(", ")})` : ""}`);
            moved.push(`${move.machine} → ${move.to}`);
        }
        return moved;
    }

    private async migrate(ctx: CallContext, path: string, node: string): Promise<string> {
        const cluster = this.cluster;
        const name = this.machines.name(path);
        if (cluster.state !== "member" || !cluster.local)
            throw invalidArgument("this node is in no cluster: a machine moves only between the members of one");
        if (node === cluster.local.name)
            throw invalidArgument(`node: ${node} is this node itself: ${name} runs here already`);
        const target = cluster.node(node);
        if (!target)
            throw invalidArgument(`node: ${node} is not a member of this cluster (its members: ${cluster.members.map(m => m.name).join(", ")})`);
        if (target.health !== "up")
            throw failed(`node: ${node} is ${target.health}${target.problem ? ` (${target.problem})` : ""}: a machine moves only to a member that answers`);
        const state = this.machines.state(path);
        if (state !== "running")
            throw busy(`${name} is ${state}: only a running machine moves to another node live; start it first`);
        if (this.leaving.has(path))
            throw busy(`${name} is moving to another node already`);
        const domainPath = this.machines.domainOf(path);
        const plan = migrationPlan(await this.machines.libvirt.domainXml(domainPath));
        if (plan.refused.length > 0)
            throw notSupported(`${name} cannot move to another node: ${plan.refused.join("; ")}`);
        const id = randomBytes(8).toString("hex");
        // maintenance asked for by another member moves the machines for the person there (remote-maintenance.ts)
        const { user, role } = await actorOf(ctx);
        const request = (call: string, args: unknown): PeerRequest => ({ call, user, role, args });
        const { name: _n, uuid: _u, refused: _r, shared: _s, ...needs } = plan;
        // the other node refuses here what it lacks or has already, before anything is done
        const prepared = await cluster.call(target.member, request("migration-prepare", { id, name: plan.name, uuid: plan.uuid, ...needs, stream: STREAM_VERSION }),
            PEER_CALL_TIMEOUT_MS) as { stream?: unknown } | null;
        const mismatch = streamVersionProblem(prepared?.stream, node, "receiving");
        if (mismatch) {
            // it expects the migration now: told that it will not come, it forgets it
            await cluster.call(target.member, request("migration-end", { id, ok: false }), PEER_CALL_TIMEOUT_MS).catch(() => undefined);
            throw notSupported(mismatch);
        }
        this.leaving.add(path);
        this.whereabouts?.departing(path, node);
        const copies = plan.copied.length > 0;
        const job = this.machines.jobs.start({
            operation: "machine-migrate", caller: ctx.caller, objects: [path],
            description: `Moving ${name} to ${node}${copies ? " with its disks" : ""}`,
        }, async control => {
            let ok = false;
            let relay: Relay | null = null;
            try {
                relay = await openRelay(id, target.member.address, copies ? STREAM_KINDS : ["memory"]);
                await ctx.auditStep("Machine.Migrate.step", "ok", ["prepared", node, id], { object: path }).catch(() => undefined);
                await this.runMigration(name, id, target.member.address, copies, control, relay);
                ok = true;
            } finally {
                relay?.close();
                removeMigrationDir(id);
                this.leaving.delete(path);
                this.whereabouts?.departed(path, ok);
                // the other node hears the outcome: a failure removes what it made, and the job ends after that;
                // after a success it only forgets the migration, which the job need not wait for
                const told = cluster.call(target.member, request("migration-end", { id, ok }), PEER_CALL_TIMEOUT_MS).catch((e: Error) => {
                    process.stderr.write(`debvisord: ${name}: ${node} did not take the migration's end: ${e.message}\n`);
                });
                if (!ok)
                    await told;
            }
            // the machine's object goes now, not when libvirt's events about the move are read
            await this.machines.refresh(domainPath);
            const left = await this.removeSourceCopies(plan.copied);
            await ctx.auditStep("Machine.Migrate.step", "ok", ["moved", node, ...left.map(d => `removed ${d}`)], { object: path }).catch(() => undefined);
            return `Moved ${name} to ${node}${copies ? `; its disks ${plan.copied.map(d => d.target).join(", ")} were copied, and the copies here removed` : ""}`;
        });
        return job.path;
    }

    /* virsh migrate, peer to peer, its streams through the relay; progress from its --verbose output, cancel by aborting libvirt's job. */
    private runMigration(name: string, id: string, address: string, copies: boolean, control: JobControl, relay: Relay): Promise<void> {
        const args = ["-c", "qemu:///system", "migrate", "--live", "--p2p", "--persistent", "--undefinesource", "--verbose",
            "--migrateuri", `unix://${streamSocket(id, "memory")}`,
            ...copies ? ["--copy-storage-all", "--disks-uri", `unix://${streamSocket(id, "disks")}`] : [],
            "--", name, `qemu+ssh://${PEER_USER}@${address}/system?command=${CLUSTER_SSH}`];
        return new Promise((resolve, reject) => {
            const virsh = spawn("virsh", args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } });
            let said = "";
            const take = (d: Buffer) => {
                said = `${said}${d.toString()}`.slice(-8000);
                const percents = [...said.matchAll(/Migration: \[\s*(\d+) %\]/g)];
                if (percents.length > 0)
                    control.setProgress(Number(percents[percents.length - 1][1]) / 100);
            };
            virsh.stdout.on("data", take);
            virsh.stderr.on("data", take);
            const abort = () => spawn("virsh", ["-c", "qemu:///system", "domjobabort", "--", name], { stdio: "ignore" });
            control.signal.addEventListener("abort", abort, { once: true });
            const timer = setTimeout(() => abort(), MAX_MIGRATION_MS);
            virsh.on("error", e => reject(failed(`virsh: ${e.message}`)));
            virsh.on("close", code => {
                clearTimeout(timer);
                control.signal.removeEventListener("abort", abort);
                if (code === 0)
                    return resolve();
                if (control.signal.aborted)
                    return reject(cancelled(`Cancelled: ${name} keeps running here`));
                const why = lastLines(said.replace(/Migration: \[\s*\d+ %\]/g, "").replace(/^error: /gm, ""), 3);
                reject(failed(`libvirt did not move ${name}: ${why || `virsh exited with ${code}`}${relay.problems.length ? ` (${relay.problems.join("; ")})` : ""}`));
            });
        });
    }

    /* After a move with copied disks, the copies here belong to no machine: removed. */
    private async removeSourceCopies(copied: CopiedDisk[]): Promise<string[]> {
        const removed: string[] = [];
        for (const d of copied) {
            try {
                if (d.file)
                    fs.rmSync(d.file, { force: true });
                else
                    await deleteVolumeByName(this.machines.libvirt, d.pool, d.volume);
                removed.push(d.file || `${d.pool}/${d.volume}`);
            } catch (e) {
                process.stderr.write(`debvisord: the copy of disk ${d.target} left here could not be removed: ${(e as Error).message}\n`);
            }
        }
        return removed;
    }

    /* On the receiving node: the person's role, what this node lacks or has already; then the migration is expected. */
    private async prepare(ctx: CallContext, from: string, request: PeerRequest): Promise<unknown> {
        const who = peerActor(from, request);
        if (!roleAllows(request.role, MIGRATE_ACTION))
            throw notAuthorized(`${who} may not move machines to this node`);
        const args = peerValue(prepareArgs, request.args, "migration-prepare");
        const mismatch = streamVersionProblem(args.stream, from, "sending");
        if (mismatch)
            throw notSupported(mismatch);
        const here = this.cluster.local?.name ?? "this node";
        // libvirt itself, not the objects (a machine that just left may still have one until its events are read)
        const libvirt = this.machines.libvirt;
        if (await libvirt.domainByName(args.name))
            throw invalidArgument(`${here} has a machine named ${args.name} already`);
        if (await libvirt.domainByUuid(args.uuid))
            throw invalidArgument(`${here} has a machine with the UUID of ${args.name} already`);
        const made: CopiedDisk[] = [];
        for (const d of args.copied) {
            if (d.file) {
                if (nodePath.dirname(d.file) !== IMAGE_DIR)
                    throw invalidArgument(`disk ${d.target}: ${d.file} is outside ${IMAGE_DIR}`);
                if (fs.existsSync(d.file))
                    throw invalidArgument(`${here} has a file ${d.file} already: disk ${d.target} would overwrite it`);
            } else {
                const pool = await libvirt.poolByName(d.pool);
                if (!pool || !await libvirt.poolActive(pool))
                    throw invalidArgument(`${here} has no active storage pool "${d.pool}" for disk ${d.target}`);
                if (await libvirt.volumeByName(pool, d.volume))
                    throw invalidArgument(`${here} has a volume ${d.pool}/${d.volume} already: disk ${d.target} would overwrite it`);
            }
            made.push(d);
        }
        if (args.cephSecrets.length > 0) {
            const secrets = (await virsh(["secret-list"], "listing the libvirt secrets")).stdout;
            const lacking = args.cephSecrets.filter(usage => !findSecret(secrets, usage));
            if (lacking.length > 0)
                throw invalidArgument(`${here} has no libvirt secret ${lacking.join(", ")}, which the RBD disks of ${args.name} log in with: apply the ceph storage profile there first`);
        }
        const missing = args.files.filter(f => !fs.existsSync(f));
        if (missing.length > 0)
            throw invalidArgument(`${here} lacks ${missing.join(", ")}, which ${args.name} uses: put the same files there first`);
        for (const network of args.networks) {
            const path = await libvirt.networkByName(network);
            if (!path || !await libvirt.networkActive(path))
                throw invalidArgument(`${here} has no active network "${network}", which ${args.name} is connected to`);
        }
        const bridge = args.bridges.find(b => !fs.existsSync(`/sys/class/net/${b}`));
        if (bridge)
            throw invalidArgument(`${here} has no bridge ${bridge}, which ${args.name} is connected to`);
        if (this.expected.has(args.id))
            throw busy(`migration ${args.id} is expected already`);
        // QEMU creates the sockets here as its own user; debvisor-peer's forced command connects to them
        makeMigrationDir(args.id, 0o1733);
        const timer = setTimeout(() => void this.finishIncoming(args.id, false), EXPECTED_FOR_MS);
        timer.unref();
        this.expected.set(args.id, { from, name: args.name, uuid: args.uuid, who, made, timer });
        await ctx.auditStep("Cluster.PeerCall.migration-prepare", "ok", [who, args.name, args.id, ...args.copied.map(d => `copy ${d.target}`)]);
        return { ok: true, dir: migrationDir(args.id), stream: STREAM_VERSION };
    }

    /* Whether libvirt (not the objects: its events may be on their way) has the machine after a failed migration; an aborted incoming one goes within seconds. */
    private async stillHere(name: string): Promise<boolean> {
        for (let i = 0; i < INCOMING_GONE_CHECKS; i++) {
            if (!await this.machines.libvirt.domainByName(name).catch(() => "unknown"))
                return false;
            await new Promise(r => setTimeout(r, 250));
        }
        return true;
    }

    /* Forgets an expected migration; when it failed, removes the disks libvirt made for it (unless a machine uses them now). */
    private async finishIncoming(id: string, ok: boolean): Promise<void> {
        const e = this.expected.get(id);
        if (!e)
            return;
        this.expected.delete(id);
        clearTimeout(e.timer);
        removeMigrationDir(id);
        if (ok || await this.stillHere(e.name))
            return;
        for (const d of e.made) {
            try {
                if (d.file)
                    fs.rmSync(d.file, { force: true });
                else
                    await deleteVolumeByName(this.machines.libvirt, d.pool, d.volume);
            } catch (err) {
                process.stderr.write(`debvisord: disk ${d.target} made for a failed migration could not be removed: ${(err as Error).message}\n`);
            }
        }
    }
}

