// Converts between dbus-next's Variant values and plain data. Options arrive
// as a{sv} and are unwrapped before validation; dictionaries sent back as
// a{sv} get each member's type from the contract (org.debvisor.DebVisor1.Members),
// or, where it declares none, a type inferred from each value.
import dbus from "dbus-next";
import type { Members } from "./dbus-xml.js";

const { Variant } = dbus;
type VariantT = InstanceType<typeof Variant>;

/* Recursively replaces Variants by their values; 64-bit integers that fit a
 * JavaScript number become numbers so that schemas can treat them uniformly. */
export function unwrap(value: unknown): unknown {
    if (value instanceof Variant)
        return unwrap(value.value);
    if (typeof value === "bigint")
        return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
    if (Array.isArray(value))
        return value.map(unwrap);
    if (value instanceof Buffer)
        return value;
    if (value && typeof value === "object")
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)]));
    return value;
}

function signatureOf(value: unknown): string {
    switch (typeof value) {
    case "string": return "s";
    case "boolean": return "b";
    case "bigint": return value < 0n ? "x" : "t";
    case "number":
        if (!Number.isInteger(value)) return "d";
        return value < 0 ? "x" : "t";
    case "object":
        if (value instanceof Variant)
            return "v";
        if (Array.isArray(value)) {
            if (value.length === 0) return "as";
            return "a" + signatureOf(value[0]);
        }
        if (value !== null) return "a{sv}";
    }
    throw new Error(`no D-Bus type for ${String(value)}`);
}

/* Prepares a plain value for dbus-next to send as `signature`; a dictionary's members as `members`
 * declares them (`where` names the dictionary in the complaint about a member it does not declare). */
export function marshal(value: unknown, signature: string, members?: Members, where = "a dictionary"): unknown {
    if (signature === "a{sv}")
        return members ? typedDict(plain(value) as Record<string, unknown>, members, where) : toVariantDict(value as Record<string, unknown>);
    if (signature.startsWith("a") && Array.isArray(plain(value)))
        return (plain(value) as unknown[]).map(v => marshal(v, signature.slice(1), members, where));
    return value;
}

/* A value without the Variant an area may have wrapped it in. */
const plain = (value: unknown): unknown => value instanceof Variant ? value.value : value;

function typedDict(object: Record<string, unknown>, members: Members, where: string): Record<string, VariantT> {
    const result: Record<string, VariantT> = {};
    for (const [key, value] of Object.entries(object)) {
        const member = Object.hasOwn(members, key) ? members[key] : undefined;
        if (plain(value) === undefined || plain(value) === null)
            continue;
        if (!member)
            result[key] = undeclared(`${where}.${key}`, value, "is not declared in the contract (org.debvisor.DebVisor1.Members)");
        else if (!carries(member.type, unwrap(value)))
            result[key] = undeclared(`${where}.${key}`, value, `is declared ${member.type}, which cannot carry ${comparable(unwrap(value)).slice(0, 40)}`);
        else if (member.type === "v")
            result[key] = toVariant(value);
        else
            result[key] = new Variant(member.type, marshal(unwrap(value), member.type, member.members, `${where}.${key}`));
    }
    return result;
}

const reported = new Set<string>();

const UNSIGNED = new Set(["y", "q", "u", "t"]);
const SIGNED = new Set(["n", "i", "x"]);

/* Whether a basic type can carry the value (dbus-next would refuse it when sending); containers are checked member by member. */
function carries(type: string, value: unknown): boolean {
    if (UNSIGNED.has(type) || SIGNED.has(type))
        return (typeof value === "bigint" || Number.isInteger(value)) && (SIGNED.has(type) || (value as number | bigint) >= 0);
    if (type === "d")
        return typeof value === "number";
    if (type === "b")
        return typeof value === "boolean";
    if (type === "s" || type === "o" || type === "g")
        return typeof value === "string";
    return true;
}

/* A member the contract does not declare, or a value its declared type cannot carry, is a bug.
 * Under test (DEBVISOR_STRICT_CONTRACT=1) it throws; a running node sends it with a guessed
 * type and says so once on stderr: a throw here, or a value dbus-next refuses when sending,
 * would take the whole property, or GetManagedObjects, away from every page. */
function undeclared(name: string, value: unknown, what: string): VariantT {
    const problem = `${name} ${what}`;
    if (process.env.DEBVISOR_STRICT_CONTRACT === "1")
        throw new Error(problem);
    if (!reported.has(name)) {
        reported.add(name);
        console.error(`${problem}: its type is guessed`);
    }
    return toVariant(value);
}

function toVariant(value: unknown): VariantT {
    if (value instanceof Variant)
        return value;
    const signature = signatureOf(value);
    return new Variant(signature, marshal(value, signature));
}

/* A plain object as a{sv}; undefined and null members are left out. */
function toVariantDict(object: Record<string, unknown>): Record<string, VariantT> {
    const result: Record<string, VariantT> = {};
    for (const [key, value] of Object.entries(object)) {
        if (value !== undefined && value !== null)
            result[key] = toVariant(value);
    }
    return result;
}

/* A value as text to compare, with int64 and uint64 values (BigInt) included. */
export function comparable(value: unknown): string {
    return JSON.stringify(value, (_key, v: unknown) => typeof v === "bigint" ? `${v}n` : v);
}
