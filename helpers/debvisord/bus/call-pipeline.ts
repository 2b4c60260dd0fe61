// The one path every DebVisor method call takes:
//   identify the caller → polkit → validate the arguments (zod) → audit
//   → the method's own work → audit the result → reply.
// Authorization comes before validation so that an unauthorized caller learns
// nothing from the error messages. A method implementation holds only its
// own work; everything else happens here.
import { DebVisorError, failed, invalidArgument, notAuthorized } from "../../lib/errors.js";
import { unwrap } from "../../lib/variants.js";
import type { ContractMethodArgs } from "../../../generated/dbus-contract.js";
import type { MethodSpec } from "../../lib/dbus-xml.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { DenialCoalescer } from "../audit/denial-coalescer.js";
import { redact } from "../audit/redact.js";
import type { Caller, CallerResolver } from "./caller.js";
import type { IncomingCall } from "./object-server.js";
import type { Polkit } from "./polkit.js";

export const ACTION_ANNOTATION = "org.debvisor.DebVisor1.Action";
const MUTATING_ANNOTATION = "org.debvisor.DebVisor1.Mutating";
const NO_INTERACTION = "auth.no_user_interaction";

/** What a method implementation gets besides its arguments. */
export interface CallContext {
    caller: Caller;
    path: string;
    /** for checks that depend on the target, e.g. cancelling someone else's job */
    authorize(action: string): Promise<void>;
    /**
     * One step of the work in the audit log, as the caller, between the call's
     * begin and end records: `method` names the step ("ApplyProfile.step"),
     * `args` are redacted like the call's. Rejects when the log cannot take it.
     */
    auditStep(method: string, result: string, args?: unknown, where?: { object?: string; phase?: "step" | "end" }): Promise<void>;
    /** set when another member of the cluster asked this node to act for a person there (cluster/remote-roles.ts) */
    actingFor?: { node: string; user: string; role: "admin" | "operator" | "viewer" };
}

/** What the pipeline needs of an argument schema (zod's safeParse). */
interface ArgsSchema<Args> {
    safeParse(data: unknown): { success: true; data: Args } | { success: false; error: { issues: Issue[] } };
}

interface Issue { code: string; path: PropertyKey[]; message: string; keys?: string[] }

/** A method implementation: its argument schema and its work. */
export interface Method<Args extends unknown[]> {
    /** parses the method's in-arguments (options unwrapped to plain values) */
    args: ArgsSchema<Args>;
    run(ctx: CallContext, args: Args): Promise<unknown[]>;
    /** what the audit record shows of the arguments; default: all of them, secrets redacted by name */
    audit?(args: Args): unknown;
}

/* A method: its schema keeps its own type, so contractMethods() can hold it against the contract. */
export function method<Args extends unknown[], S extends ArgsSchema<Args>>(m: Method<Args> & { args: S }): Method<Args> & { args: S } {
    return m;
}

/* What a zod schema accepts, each value widened to its D-Bus kind: a schema may narrow a string to
 * some words or a dictionary to some keys, which the contract's types cannot say. */
type InputOf<M> = M extends { args: { _zod: { input: infer In } } } ? Widen<In> : never;
type Widen<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : T extends bigint ? bigint
    : T extends readonly unknown[] ? { [K in keyof T]: Widen<T[K]> } : T;

/* Each method of `T` as it is when its schema accepts the arguments the contract gives it, and
 * otherwise a type that says why not: the table does not compile. */
type HeldToContract<T, Contract> = {
    [M in keyof T]: M extends keyof Contract
        ? [Contract[M]] extends [InputOf<T[M]>] ? T[M] : { "the schema does not accept the contract's arguments": Contract[M] }
        : { "is not a method of the interface": M };
};

/* A method table (or part of one) for `iface`, checked at compile time against the contract:
 * a method's argument schema that drifts from the XML's in-arguments, or a name the interface
 * does not have, is a type error. */
export function contractMethods<I extends keyof ContractMethodArgs, T extends MethodTable>(_iface: I, table: T & HeldToContract<T, ContractMethodArgs[I]>): MethodTable {
    return table;
}

/**
 * The one way methods reach the bus: a table keyed by the contract's method
 * names, each entry `Name: method({ args, run })` written in place, made by
 * one function per interface when its object is exported — `methods()` on an
 * object of its own (Manager, Firewall, DNS …), `fooMethods(host, target)`
 * in `foo-methods.ts` over the area's host interface where an area publishes
 * many objects of a kind (Machine, ZFS pool, Ceph image …). Another area's
 * methods join an object through its `addMethods()` (Manager, Machine). Each
 * table is written as `contractMethods(IFACE, { … })`, which holds its names
 * and argument schemas to the contract's at compile time.
 */
export type MethodTable = Record<string, Method<unknown[]>>;

/* zod's issues in words, with the D-Bus argument names: "image_name: …". */
function describeIssues(error: { issues: Issue[] }, spec: MethodSpec): string {
    const names = spec.args.filter(a => a.direction === "in").map(a => a.name);
    return error.issues.map(issue => {
        const [index, ...rest] = issue.path;
        const where = [typeof index === "number" ? names[index] ?? `argument ${index}` : String(index ?? "arguments"),
            ...rest.map(String)].join(".");
        if (issue.code === "unrecognized_keys")
            return `${where}: unknown option${(issue.keys ?? []).length > 1 ? "s" : ""} ${(issue.keys ?? []).map(k => JSON.stringify(k)).join(", ")}`;
        return `${where}: ${issue.message}`;
    }).join("; ");
}

export class CallPipeline {
    constructor(
        private readonly callers: CallerResolver,
        private readonly polkit: Polkit,
        private readonly audit: AuditLog,
        private readonly denials: DenialCoalescer,
    ) {}

    dispatch = async (call: IncomingCall): Promise<unknown[]> => {
        const spec = call.method;
        const action = spec.annotations[ACTION_ANNOTATION];
        const mutating = spec.annotations[MUTATING_ANNOTATION] === "true";
        const implementation = call.implementation as Method<unknown[]>;
        const methodName = `${call.iface.split(".").pop()}.${spec.name}`;
        if (!action)
            throw failed(`${methodName} names no polkit action`);

        const caller = await this.callers.resolve(call.sender);
        const optionsIndex = spec.args.filter(a => a.direction === "in").findIndex(a => a.name === "options");
        let allowInteraction = true;
        const takeOptions = (raw: unknown[]) => {
            if (optionsIndex < 0)
                return true;
            const options = raw[optionsIndex] as Record<string, unknown>;
            const interactive = options[NO_INTERACTION] !== true;
            delete options[NO_INTERACTION];
            return interactive;
        };
        // large arguments are read only once polkit allowed the call (large-bodies.ts), so their
        // auth.no_user_interaction is not known before it is asked: it is asked as without the option
        let raw = call.body === null ? null : unwrap(call.body) as unknown[];
        if (raw)
            allowInteraction = takeOptions(raw);
        const entry = (phase: "begin" | "end" | "step" | "denied" | "invalid", result: string, args?: unknown) => ({
            uid: caller.uid, loginuid: caller.loginuid, user: caller.user, loginuser: caller.loginUser,
            method: methodName, object: call.path, phase, result, args,
        });
        const record = (phase: "begin" | "end" | "denied" | "invalid", result: string, args?: unknown) =>
            this.audit.append(entry(phase, result, args));
        // a refused caller hears NotAuthorized even when the log cannot take the record (AuditProblem says why)
        const recordDenial = (result: string) => this.denials.record(entry("denied", result)).catch(() => undefined);

        const authorize = async (actionId: string): Promise<void> => {
            let allowed = false;
            try {
                allowed = (await this.polkit.check(caller, actionId,
                    { "debvisor.method": methodName, "debvisor.object": call.path }, allowInteraction)).authorized;
            } catch (e) {
                await recordDenial(`${actionId}: polkit did not answer: ${(e as Error).message}`);
                throw notAuthorized(`Cannot check authorization for ${methodName}: polkit did not answer (${(e as Error).message})`);
            }
            if (!allowed) {
                await recordDenial(actionId);
                throw notAuthorized(`${caller.user} is not authorized to call ${methodName} (polkit action ${actionId})`);
            }
        };
        await authorize(action);
        if (!raw) {
            try {
                raw = unwrap((call.readBody as () => unknown[])()) as unknown[];
            } catch (e) {
                throw invalidArgument(`the arguments of ${methodName} cannot be read: ${(e as Error).message}`);
            }
            takeOptions(raw);
        }

        const parsed = implementation.args.safeParse(raw);
        if (!parsed.success) {
            const message = describeIssues(parsed.error, spec);
            if (mutating)
                await record("invalid", message);
            throw invalidArgument(message);
        }
        const args = parsed.data;
        const auditArgs = redact(implementation.audit ? implementation.audit(args) : args);
        if (mutating)
            await record("begin", "", auditArgs);
        try {
            const auditStep = (stepMethod: string, result: string, stepArgs?: unknown, where: { object?: string; phase?: "step" | "end" } = {}) =>
                this.audit.append({
                    ...entry(where.phase ?? "end", result, stepArgs === undefined ? undefined : redact(stepArgs)),
                    method: stepMethod, object: where.object ?? call.path,
                }).then(() => undefined);
            const out = await implementation.run({ caller, path: call.path, authorize, auditStep }, args);
            if (mutating)
                await record("end", "ok");
            return out;
        } catch (e) {
            const error = e instanceof DebVisorError ? e : failed((e as Error)?.message ?? String(e));
            if (mutating)
                await record("end", `${error.errorName}: ${error.message}`);
            throw error;
        }
    };
}
