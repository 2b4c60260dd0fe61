// How DebVisor's restic snapshots are tagged, so that a machine's backups can
// be listed (and restored after the machine is gone) by its UUID and name.
export const TAG = "debvisor";

/* Tags hold no "," (restic's list separator) nor spaces: a machine name is written URI-encoded. */
function tagSafe(text: string): string {
    return encodeURIComponent(text);
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
