// The firewall's settings (/etc/debvisor/firewall-settings.json), read at
// every check so an edit takes effect without a restart:
//   { "widestBlockIPv4": 8, "widestBlockIPv6": 32 }
// the shortest prefix a block may have without being forced.
import { readSavedFile } from "../../lib/saved-file.js";

export const DEFAULT_SETTINGS_FILE = "/etc/debvisor/firewall-settings.json";

interface FirewallSettings {
    widestBlockIPv4: number;
    widestBlockIPv6: number;
}

const DEFAULT_FIREWALL_SETTINGS: FirewallSettings = { widestBlockIPv4: 8, widestBlockIPv6: 32 };

/* The saved settings; defaults for what is missing. A damaged file is an error that names it (a guard must not quietly loosen). */
export function readFirewallSettings(file: string): FirewallSettings {
    const text = readSavedFile(file);
    if (text === null)
        return { ...DEFAULT_FIREWALL_SETTINGS };
    let saved: Partial<Record<keyof FirewallSettings, unknown>>;
    try {
        saved = JSON.parse(text) as typeof saved;
    } catch (e) {
        throw new Error(`${file} is not JSON: ${(e as Error).message}`);
    }
    const prefix = (key: keyof FirewallSettings, max: number): number => {
        const v = saved[key];
        if (v === undefined)
            return DEFAULT_FIREWALL_SETTINGS[key];
        if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > max)
            throw new Error(`${file}: ${key} must be a prefix length from 0 to ${max}`);
        return v as number;
    };
    return { widestBlockIPv4: prefix("widestBlockIPv4", 32), widestBlockIPv6: prefix("widestBlockIPv6", 128) };
}
