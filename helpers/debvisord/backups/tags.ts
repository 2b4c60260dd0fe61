// How DebVisor's restic snapshots are tagged, so that a machine's backups can
// be listed (and restored after the machine is gone) by its UUID and name.
export const TAG = "debvisor";

/* Tags hold no "," (restic's list separator): a machine name with other characters is written %XX. */
function tagSafe(text: string): string {
    return text.replace(/[^A-Za-z0-9._-]/g, c => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

export function machineTags(uuid: string, name: string, consistency: string): string[] {
    return [TAG, `machine-uuid=${uuid}`, `machine-name=${tagSafe(name)}`, `consistency=${consistency}`];
}

export function tagValue(tags: string[] | undefined, key: string): string {
    const tag = (tags ?? []).find(t => t.startsWith(`${key}=`));
    if (!tag)
        return "";
    const value = tag.slice(key.length + 1);
    try {
        return decodeURIComponent(value);
    } catch {
        return value;
    }
}
