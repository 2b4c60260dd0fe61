// Converts between dbus-next's Variant values and plain data. Options arrive
// as a{sv} and are unwrapped before validation; dictionaries sent back as
// a{sv} get a signature inferred from each value.
import dbus from "dbus-next";

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

/* Prepares a plain value for dbus-next to send as `signature`. */
export function marshal(value: unknown, signature: string): unknown {
    if (signature === "a{sv}")
        return toVariantDict(value as Record<string, unknown>);
    if (signature.startsWith("a") && Array.isArray(value))
        return value.map(v => marshal(v, signature.slice(1)));
    return value;
}

function toVariant(value: unknown): VariantT {
    if (value instanceof Variant)
        return value;
    const signature = signatureOf(value);
    return new Variant(signature, marshal(value, signature));
}

/* A plain object as a{sv}; undefined and null members are left out. */
export function toVariantDict(object: Record<string, unknown>): Record<string, VariantT> {
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
