// cockpit.js hands a{sv} over as { key: { t: signature, v: value } }.
import type { CockpitVariant } from "../../../generated/dbus-contract";

export function unwrapDict(dict: Record<string, CockpitVariant | unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(dict)) {
        const v = value && typeof value === "object" && "t" in value && "v" in value ? (value as CockpitVariant).v : value;
        if (Array.isArray(v))
            out[key] = v.map(item => item && typeof item === "object" && !Array.isArray(item) ? unwrapDict(item as Record<string, unknown>) : item);
        else
            out[key] = v;
    }
    return out;
}

/* The contract declares each dictionary's members (generated/dbus-contract.ts: Plain<Interface><Name>);
 * these name the generated type a dictionary is read as, so a page that reads a member the contract
 * does not declare does not compile. */
export const plainDict = <T>(dict: Record<string, unknown>): T => unwrapDict(dict) as T;
export const plainDicts = <L extends unknown[]>(list: ReadonlyArray<Record<string, unknown>>): L => list.map(d => unwrapDict(d)) as L;

/** T with members narrowed to the values the contract's comments list: each a member of T, within its type. */
export type Narrowed<T, N extends { [K in keyof N]: K extends keyof T ? T[K] : never }> = Omit<T, keyof N> & N;
/** T with members a dictionary may leave out (the contract's comments say when). */
export type WithOptional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;
