// What the cluster's modules (join, removal, maintenance, node changes,
// migration, machine calls) need of the cluster area, and the requests members
// send each other, so they depend on this and not on the area's class (which
// imports them).
import * as z from "zod/mini";
import { invalidArgument } from "../../lib/errors.js";
import { isIPv4 } from "../../lib/ip-address.js";
import type { CallContext } from "../bus/call-pipeline.js";
import type { Clock } from "../clock.js";
import type { JobRegistry } from "../jobs/jobs.js";
import type { LocalMachines, MachineMover } from "./local-machines.js";
import type { LocalState, Member } from "./membership.js";
import { NODE_NAME } from "./ssh-channel.js";
import { isHostKey } from "./token.js";

/* What a member sent (a peer call's arguments, an answer) as `schema` says, or an InvalidArgument naming each problem. */
export function peerValue<T>(schema: z.ZodMiniType<T>, value: unknown, what: string): T {
    const r = schema.safeParse(value);
    if (!r.success)
        throw invalidArgument(`${what}: ${r.error.issues.map(i => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    return r.data;
}

export type ClusterState = "none" | "creating" | "joining" | "member";

export const ipv4Address = z.string().check(z.refine(isIPv4, "must be an IPv4 address such as 192.168.1.10"));

export const joinRequest = z.object({
    name: z.string().check(z.regex(NODE_NAME, "must be a host name")),
    address: ipv4Address,
    nodeKey: z.string().check(z.refine(isHostKey, "must be an Ed25519 public key")),
    hostKey: z.string().check(z.refine(isHostKey, "must be an Ed25519 public key")),
});
export type JoinRequest = z.infer<typeof joinRequest>;

export const peerRequest = z.object({
    /** "ping", or a call another module added (addPeerCalls) */
    call: z.string().check(z.regex(/^[a-z][a-z-]{0,39}$/, "must be a call's name")),
    /** the acting user on the calling node ("debvisord" for its own rounds) */
    user: z.string().check(z.maxLength(256)),
    /** the acting user's role there, for calls that act for a person */
    role: z.optional(z.enum(["admin", "operator", "viewer"])),
    /** the call's own arguments, checked by its handler */
    args: z.optional(z.unknown()),
});
export type PeerRequest = z.infer<typeof peerRequest>;
/** A call another member makes on this node: the calling member's name, the request; its answer. */
export type PeerHandler = (ctx: CallContext, from: string, request: PeerRequest) => Promise<unknown>;

/* The storage profiles, for a join that gives the node's spare disks to Ceph (storage/profiles.ts). */
export interface JoinStorage {
    /* refuses (InvalidArgument) unless the profile's plan on this node wipes exactly the disks its WipesToken named */
    checkForJoin(profile: "ceph" | "mixed", wipesToken: string): Promise<void>;
    /* applies the profile, once more checking the disks; what it did */
    applyAfterJoin(ctx: CallContext, profile: "ceph" | "mixed", wipesToken: string, progress: (f: number) => void, signal: AbortSignal): Promise<string>;
}

export interface ClusterHost {
    readonly path: string;
    readonly jobs: JobRegistry;
    /* this node's time (a test gives a node one that is off) */
    readonly clock: Clock;
    readonly state: ClusterState;
    /* this node's own record; null outside a cluster */
    readonly local: LocalState | null;
    members: Member[];
    /* this node's machines (set once the machines area is there) */
    readonly machines: LocalMachines | null;
    /* moving this node's running machines to other members, for maintenance */
    readonly moves: MachineMover | null;
    /* the storage profiles, for a join that applies one */
    readonly storage: JoinStorage | null;
    health(name: string): "up" | "down" | "unknown";
    node(name: string): { member: Member; self: boolean; health: string; problem: string } | undefined;
    /* one peer call to another member over the SSH channel */
    call(m: Member, request: PeerRequest, timeoutMs?: number): Promise<unknown>;
    /* re-reads the members and pings them; resolves when the object is current */
    refresh(): Promise<void>;
    reloadMembers(): Promise<void>;
    /* throws when this node is in a cluster already or on its way into one */
    requireNoCluster(): void;
    nodeName(): string;
    setState(state: ClusterState, local?: LocalState | null): void;
}
