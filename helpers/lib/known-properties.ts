// One object's properties as a client last knew them, the D-Bus way: all of
// them at the start (GetAll, or InterfacesAdded), then each PropertiesChanged
// merged in. A PropertiesChanged names only the properties whose value
// changed (debvisord's object server sends nothing else), so a value that a
// signal leaves out is still the one known before it.

export type PropertyValues = Readonly<Record<string, unknown>>;

export class KnownProperties {
    private current: PropertyValues = {};

    /** the values as now known; a property never heard of is missing */
    get values(): PropertyValues {
        return this.current;
    }

    /* All of the object's values (GetAll, InterfacesAdded): they replace whatever was known. */
    replace(all: PropertyValues): void {
        this.current = { ...all };
    }

    /* One PropertiesChanged: its values replace those known; its invalidated names are no longer known. */
    merge(changed: PropertyValues, invalidated: readonly string[] = []): void {
        const next: Record<string, unknown> = { ...this.current, ...changed };
        for (const name of invalidated)
            delete next[name];
        this.current = next;
    }
}

/* A job's progress from its known values: the fraction while ProgressValid is true, otherwise null. */
export function jobProgress(job: PropertyValues): number | null {
    return job.ProgressValid === true && typeof job.Progress === "number" ? job.Progress : null;
}

/* Whether a job's PropertiesChanged may have changed its progress (the fraction, or whether it is known). */
export function touchesProgress(changed: PropertyValues): boolean {
    return "Progress" in changed || "ProgressValid" in changed;
}
