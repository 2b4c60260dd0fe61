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
