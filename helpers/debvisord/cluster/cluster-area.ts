// The Cluster object (/org/debvisor/DebVisor1/cluster): making a cluster of
// DebVisor nodes, join tokens, joining, and every member's health as this node
// sees it. Membership lives in Ceph (membership.ts), calls between nodes go
// over SSH to the other node's debvisord (ssh-channel.ts), the create's and
// the join's work and their rollback are in creation.ts and join.ts.
//
// Every 10 s a member reads the members from Ceph, brings debvisor-peer's
// authorized_keys and the known hosts in line with them, and asks every other
// member's debvisord over the channel whether it answers: a member that does
// not is shown down at the next round (within 30 s).
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { isDeepStrictEqual } from "node:util";
import * as z from "zod/mini";
import { busy, failed, invalidArgument, notAuthorized } from "../../lib/errors.js";
import { isIPv4 } from "../../lib/ip-address.js";
import type { ObjectServer } from "../bus/object-server.js";
import { systemClock, type Clock } from "../clock.js";
import { type CallContext, contractMethods, method, type MethodTable } from "../bus/call-pipeline.js";
import type { JobRegistry } from "../jobs/jobs.js";
import { optionsSchema } from "../validation.js";
import { ADMIN_KEYRING, daemonName, readConf } from "../ceph/provision/config.js";
import { ceph, cephJson } from "../ceph/provision/tools.js";
import { madePrivately } from "../ceph/provision/bootstrap.js";
import { runCreate } from "./creation.js";
import { runJoin } from "./join.js";
import type { LocalMachines, MachineMover } from "./local-machines.js";
import type { MachineWhereabouts } from "./machine-whereabouts.js";
import { machineCallMethod, machinesInAnswer, machinesList, ownMachinesRows } from "./cluster-machines.js";
import { loadInAnswer, loadMembers, localLoad, type NodeLoad } from "./node-load.js";
import { zfsPoolsInAnswer, zfsPoolsProperty, type ZfsPoolSummary } from "./cluster-storage.js";
import type { MachineSummary } from "../machines/machines.js";
import {
    readLocalState, readMembers, readTokens, writeTokens, type LocalState, type Member,
} from "./membership.js";
import {
    authorizedKeysText, hostKey, KNOWN_HOSTS, knownHostsText, NODE_KEY, NODE_NAME, PEER_USER, sshCall, writeAuthorizedKeys,
    writeIfChanged,
} from "./ssh-channel.js";
import { ipv4Address, joinRequest, peerRequest, peerValue, type ClusterHost, type ClusterState, type JoinRequest, type JoinStorage, type PeerHandler, type PeerRequest } from "./cluster-host.js";
import { nodeChangeMethods } from "./node-changes.js";
import { newKey, sshPublicKey } from "./ed25519-keys.js";
import { DEFAULT_LIFETIME_S, encodeToken, isTokenId, MAX_LIFETIME_S, MIN_LIFETIME_S } from "./token.js";
import { CLUSTER_IFACE } from "../../../generated/dbus-contract.js";

const REFRESH_MS = 10_000;
const PING_TIMEOUT_MS = 8_000;
/** a member not heard from for this long is down even if no probe has failed yet */
const DOWN_AFTER_MS = 25_000;

interface Seen { lastSeen: number; error: string }

function parseJson<T>(text: string, schema: z.ZodMiniType<T>, what: string): T {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        throw invalidArgument(`${what}: not JSON`);
    }
    return peerValue(schema, value, what);
}

export class ClusterArea implements ClusterHost {
    readonly path: string;
    state: ClusterState = "none";
    local: LocalState | null = null;
    members: Member[] = [];
    lastError = "";
    /** reads of the member records begun, and the latest begun whose result is shown */
    private memberReads = 0;
    private membersShown = 0;
    /** this node's machines (set once the machines area is there) */
    machines: LocalMachines | null = null;
    /** moving this node's running machines to other members (migration.ts), for maintenance */
    moves: MachineMover | null = null;
    storage: JoinStorage | null = null;
    /** told each round's view of the other members' machines (set once the machines area is there) */
    whereabouts: MachineWhereabouts | null = null;
    /** this node's ZFS pools, as the other members list them (set once the ZFS area is there) */
    zfsPools: (() => ZfsPoolSummary[]) | null = null;
    private readonly seen = new Map<string, Seen>();
    /** the other members' machines, as each last told in its ping answer */
    private readonly remoteMachines = new Map<string, MachineSummary[]>();
    /** ListMachines' answer as last published, and its revision (MachinesRevision): one more whenever the answer
     * changes, from the daemon's start in µs, so that a page open across a restart of debvisord sees it grow */
    private machinesListed: Array<Record<string, unknown>> = [];
    private machinesRevision = BigInt(Date.now()) * 1000n;
    /** the other members' load, as each last told */
    private readonly remoteLoads = new Map<string, NodeLoad>();
    /** the other members' ZFS pools, likewise */
    private readonly remoteZfsPools = new Map<string, ZfsPoolSummary[]>();
    private readonly peerHandlers = new Map<string, PeerHandler>();
    private timer?: NodeJS.Timeout;
    private round: Promise<void> | null = null;
    /** the read of the member records under way, if any: a round does not wait for it */
    private membersRead: Promise<void> | null = null;

    constructor(readonly server: ObjectServer, readonly jobs: JobRegistry, readonly clock: Clock = systemClock) {
        this.path = `${server.rootPath}/cluster`;
    }

    start(): void {
        this.local = readLocalState();
        this.state = this.local ? "member" : "none";
        this.publish();
        void this.refresh();
        this.timer = setInterval(() => void this.refresh(), REFRESH_MS).unref();
    }

    stop(): void {
        clearInterval(this.timer);
    }

    private properties(): Record<string, unknown> {
        return {
            State: this.state, NodeName: this.local?.name ?? "", Address: this.local?.address ?? "", Fsid: this.local?.fsid ?? "",
            LastError: this.lastError,
            Nodes: this.members.map(m => {
                const self = m.name === this.local?.name;
                const seen = this.seen.get(m.name);
                return {
                    Name: m.name, Address: m.address, Self: self, Health: this.health(m.name),
                    LastSeen: BigInt(self ? Date.now() : seen?.lastSeen ?? 0) * 1000n, Joined: BigInt(m.joined) * 1000n, Problem: self ? "" : seen?.error ?? "",
                    Maintenance: !!m.maintenance, MaintenanceSince: BigInt(m.maintenance?.since ?? 0) * 1000n,
                    Removal: m.removal ? `left to do: ${m.removal.left.join(", ")}${m.removal.problem ? ` (stopped: ${m.removal.problem})` : ""}` : "",
                    ...self ? loadMembers(localLoad(), this.machines?.summaries()) : loadMembers(this.remoteLoads.get(m.name), this.remoteMachines.get(m.name)),
                };
            }),
            MachinesRevision: this.machinesRevision,
            ZfsPools: zfsPoolsProperty(this.remoteZfsPools, this.members.map(m => m.name), this.local?.name ?? "", n => this.health(n)),
        };
    }

    /* "up" when the member answered in the last rounds (this node always), "down" when not, "unknown" before the first try. */
    health(name: string): "up" | "down" | "unknown" {
        const m = this.members.find(x => x.name === name);
        if (!m)
            return "unknown";
        if (name === this.local?.name)
            return "up";
        const now = Date.now();
        const seen = this.seen.get(name);
        if (seen !== undefined && seen.error === "" && now - seen.lastSeen < DOWN_AFTER_MS)
            return "up";
        // a node that has just joined is let in by each member at its next round: not down before that
        const settling = !seen?.lastSeen && now - m.joined < DOWN_AFTER_MS;
        return seen && !settling ? "down" : "unknown";
    }

    /* Calls other modules answer for the other members (migration); added before start(). */
    addPeerCalls(handlers: Record<string, PeerHandler>): void {
        for (const [name, handler] of Object.entries(handlers))
            this.peerHandlers.set(name, handler);
    }

    /* A member by name with its health as this node sees it, or undefined when there is no such member. */
    node(name: string): { member: Member; self: boolean; health: string; problem: string } | undefined {
        const member = this.members.find(m => m.name === name);
        const shown = (this.properties().Nodes as Array<{ Name: string; Self: boolean; Health: string; Problem: string }>).find(n => n.Name === name);
        return member && shown ? { member, self: shown.Self, health: shown.Health, problem: shown.Problem } : undefined;
    }

    /* Signals what changed; LastSeen of a member that answers again is news only along with other news. */
    private publish(): void {
        const machines = machinesList(this.remoteMachines, this.members.map(m => m.name), this.local?.name ?? "", n => this.health(n));
        if (!isDeepStrictEqual(machines, this.machinesListed)) {
            this.machinesListed = machines;
            this.machinesRevision++;
        }
        this.server.publish(this.path, CLUSTER_IFACE, this.properties(), () => this.methods(),
            (name, value) => name === "Nodes" ? (value as Array<Record<string, unknown>>).map(n => ({ ...n, LastSeen: 0 })) : value);
    }

    /* One round: members from Ceph, the channel's files, a ping to every other member. Concurrent callers share it. */
    refresh(): Promise<void> {
        this.round ??= this.readAndProbe().finally(() => {
            this.round = null;
        });
        return this.round;
    }

    /* The member records as Ceph has them now, shown at once. A read that began earlier and ends
     * later (a round under way when a record was written) does not put the older records back. */
    async reloadMembers(): Promise<void> {
        const started = ++this.memberReads;
        const members = await this.readMemberRecords();
        if (started < this.membersShown)
            return;
        this.membersShown = started;
        this.members = members;
        this.lastError = "";
        this.syncChannelFiles();
        this.publish();
    }

    /** debvisord's connection to its Ceph, for the rounds' member reads (main sets it; a `ceph` run each without) */
    cephConnection: Parameters<typeof readMembers>[0] = undefined;

    /* The member records in Ceph (a test stands in a Ceph that does not answer). */
    protected readMemberRecords(): Promise<Member[]> {
        return readMembers(this.cephConnection);
    }

    /* The members are read while the known ones are pinged: with a monitor gone, Ceph may take
     * up to a minute to answer, and that must delay neither saying that a node is down nor the
     * next rounds' pings. A read still under way is not started again. */
    private async readAndProbe(): Promise<void> {
        if (this.state !== "member" || !this.local)
            return;
        const self = this.local.name;
        this.membersRead ??= this.reloadMembers().catch((e: Error) => {
            // the members last read stay shown; the pings say who answers
            this.lastError = e.message;
            this.publish();
        }).finally(() => {
            this.membersRead = null;
        });
        let complete = true;
        const pings = Promise.all(this.members.filter(m => m.name !== self).map(async m => {
            try {
                const answer = await this.call(m, { call: "ping", user: "debvisord" });
                const machines = machinesInAnswer(answer);
                if (machines)
                    this.remoteMachines.set(m.name, machines);
                else
                    complete = false;
                const load = loadInAnswer(answer);
                if (load)
                    this.remoteLoads.set(m.name, load);
                const zfsPools = zfsPoolsInAnswer(answer);
                if (zfsPools)
                    this.remoteZfsPools.set(m.name, zfsPools);
                this.seen.set(m.name, { lastSeen: Date.now(), error: "" });
            } catch (e) {
                this.seen.set(m.name, { lastSeen: this.seen.get(m.name)?.lastSeen ?? 0, error: (e as Error).message });
                complete = false;
            }
            this.publish();
        }));
        await pings;
        this.publish();
        const members = new Set(this.members.map(m => m.name));
        this.whereabouts?.roundDone({ machines: new Map([...this.remoteMachines].filter(([node]) => members.has(node))), complete });
    }

    /* authorized_keys: the other members and this node's live tokens; known_hosts: every member. */
    syncChannelFiles(): void {
        const self = this.local?.name;
        const others = this.members.filter(m => m.name !== self);
        writeAuthorizedKeys(authorizedKeysText(others, readTokens()));
        writeIfChanged(KNOWN_HOSTS, knownHostsText(others), 0o600);
    }

    /* A call to a member's debvisord over the channel; its answer. */
    async call(m: Member, request: PeerRequest, timeoutMs = PING_TIMEOUT_MS): Promise<unknown> {
        const out = await sshCall({ address: m.address, key: NODE_KEY, knownHosts: KNOWN_HOSTS, input: JSON.stringify(request), timeoutMs, multiplexed: true });
        return JSON.parse(out) as unknown;
    }

    requireNoCluster(): void {
        if (this.state === "member")
            throw invalidArgument(`this node is a member of a cluster already (as ${this.local?.name})`);
        if (this.state !== "none")
            throw busy(`this node is ${this.state === "creating" ? "creating" : "joining"} a cluster already`);
    }

    /* Nodes of the cluster know each other by their short host names, as Ceph names their daemons. */
    nodeName(): string {
        return daemonName();
    }

    setState(state: ClusterState, local: LocalState | null = this.local): void {
        this.state = state;
        this.local = local;
        this.publish();
    }

    private methods(): MethodTable {
        return contractMethods(CLUSTER_IFACE, {
            Create: method({
                args: z.tuple([ipv4Address, optionsSchema({})]),
                run: async (ctx, [addr]) => [await runCreate(this, ctx, addr)],
            }),
            MakeJoinToken: method({
                args: z.tuple([optionsSchema({
                    "lifetime-seconds": z.optional(z.int().check(z.minimum(MIN_LIFETIME_S, `must be at least ${MIN_LIFETIME_S}`),
                        z.maximum(MAX_LIFETIME_S, `must be at most ${MAX_LIFETIME_S} (a day)`))),
                })]),
                run: async (ctx, [options]) => this.makeToken(ctx, options["lifetime-seconds"] ?? DEFAULT_LIFETIME_S),
            }),
            Join: method({
                args: z.tuple([ipv4Address, z.string().check(z.maxLength(8192, "is too long")), optionsSchema({
                    profile: z.optional(z.enum(["ceph", "mixed"], { error: "must be \"ceph\" or \"mixed\"" })),
                    "profile-wipes": z.optional(z.string().check(z.regex(/^[0-9a-f]{64}$/, "must be the WipesToken of a plan from PlanProfile"))),
                })]),
                // the token is a secret until used
                audit: ([addr, , options]) => [addr, "[redacted]", options],
                run: async (ctx, [addr, token, options]) => {
                    if ((options.profile === undefined) !== (options["profile-wipes"] === undefined))
                        throw invalidArgument("options: \"profile\" and \"profile-wipes\" go together");
                    const storage = options.profile && options["profile-wipes"] ? { profile: options.profile, wipes: options["profile-wipes"] } : undefined;
                    return [await runJoin(this, ctx, addr, token, storage)];
                },
            }),
            AcceptJoin: method({
                args: z.tuple([z.string().check(z.refine(isTokenId, "must be a token id")), z.string().check(z.maxLength(16384)), optionsSchema({})]),
                run: async (ctx, [id, request]) => [JSON.stringify(await this.acceptJoin(ctx, id, parseJson(request, joinRequest, "request")))],
            }),
            ...nodeChangeMethods(this),
            ListMachines: method({
                args: z.tuple([optionsSchema({ "include-self": z.optional(z.boolean()) })]),
                run: async (_ctx, [options]) => {
                    // health moves with time between rounds: the answer is as of now, and the revision with it
                    this.publish();
                    const own = options["include-self"] ? ownMachinesRows(this.machines?.summaries() ?? [], this.local?.name ?? "") : [];
                    return [[...own, ...this.machinesListed], this.machinesRevision];
                },
            }),
            MachineCall: machineCallMethod(this),
            PeerCall: method({
                args: z.tuple([z.string().check(z.regex(NODE_NAME, "must be a node name")), z.string().check(z.maxLength(65536)), optionsSchema({})]),
                run: async (ctx, [from, request]) => [JSON.stringify(await this.peerCall(ctx, from, parseJson(request, peerRequest, "request")))],
            }),
        });
    }

    private requirePeer(ctx: CallContext): void {
        // polkit gives the peer action to this user only (50-debvisor.rules); said again here
        if (ctx.caller.user !== PEER_USER)
            throw notAuthorized(`only the forced command of ${PEER_USER}'s SSH keys calls this, not ${ctx.caller.user}`);
    }

    private async makeToken(ctx: CallContext, lifetime: number): Promise<[string, bigint]> {
        if (this.state !== "member" || !this.local)
            throw invalidArgument("this node is in no cluster: create one first (debvisorctl cluster create ADDRESS)");
        const id = randomBytes(8).toString("hex");
        const expires = Math.floor(Date.now() / 1000) + lifetime;
        const key = newKey();
        writeTokens([...readTokens(), { id, expires, publicKey: sshPublicKey(key.publicKey), madeBy: ctx.caller.user }]);
        this.syncChannelFiles();
        await ctx.auditStep("Cluster.MakeJoinToken.made", "ok", [id, new Date(expires * 1000).toISOString()]).catch(() => undefined);
        return [encodeToken({ id, expires, fsid: this.local.fsid, hostKey: hostKey(), seed: key.seed }), BigInt(expires) * 1_000_000n];
    }

    /* On a member, for a node holding one of its tokens: the token is spent first, whatever happens next. */
    private async acceptJoin(ctx: CallContext, id: string, request: JoinRequest): Promise<unknown> {
        this.requirePeer(ctx);
        const tokens = readTokens();
        const token = tokens.find(t => t.id === id);
        writeTokens(tokens.filter(t => t.id !== id));
        this.syncChannelFiles();
        if (!token)
            throw invalidArgument("the token is unknown on this node, used already or expired");
        if (this.state !== "member" || !this.local)
            throw failed("this node is no longer in a cluster");
        this.members = await readMembers();
        const clash = this.members.find(m => m.name === request.name || m.address === request.address || m.hostKey === request.hostKey);
        if (clash)
            throw invalidArgument(clash.name === request.name ? `a member named ${request.name} exists already (${clash.address}): node names must differ`
                : `${clash.name} is a member with that ${clash.address === request.address ? "address" : "SSH host key"} already`);
        const monmap = await cephJson<{ mons?: Array<{ public_addr?: string }> }>(["mon", "dump"], "reading the monitor map");
        const monitors = (monmap.mons ?? []).map(m => /^([0-9.]+):/.exec(m.public_addr ?? "")?.[1]).filter((a): a is string => !!a && isIPv4(a));
        // with -o the keyring alone is written (on standard output "exported keyring" may come first)
        const monKeyring = (await madePrivately(file => ceph(["auth", "get", "mon.", "-o", file], "reading the monitors' key"))).toString("utf8");
        const publicNetwork = /^\s*public network\s*=\s*(\S+)\s*$/m.exec(readConf())?.[1] ?? "";
        await ctx.auditStep("Cluster.AcceptJoin.accepted", "ok", [request.name, request.address, id]).catch(() => undefined);
        // the joining node holds its clock against this one (join.ts)
        return {
            fsid: this.local.fsid, publicNetwork, monitors, adminKeyring: fs.readFileSync(ADMIN_KEYRING, "utf8"), monKeyring, members: this.members,
            time: this.clock.now().getTime(),
        };
    }

    private async peerCall(ctx: CallContext, from: string, request: PeerRequest): Promise<unknown> {
        this.requirePeer(ctx);
        if (!this.members.some(m => m.name === from))
            this.members = await readMembers().catch(() => this.members);
        if (!this.members.some(m => m.name === from))
            throw notAuthorized(`${from} is not a member of this cluster`);
        if (request.call === "ping") // the calling node hears that this node's debvisord answers
            return { node: this.local?.name ?? "", time: this.clock.now().getTime(), machines: this.machines?.summaries() ?? [], zfsPools: this.zfsPools?.() ?? [],
                load: localLoad() };
        const handler = this.peerHandlers.get(request.call);
        if (!handler)
            throw invalidArgument(`request: this node has no call "${request.call}"`);
        return handler(ctx, from, request);
    }
}
