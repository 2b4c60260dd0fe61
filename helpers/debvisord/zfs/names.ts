// The grammar of pool, dataset and snapshot names that may reach a zfs or
// zpool argument, and their D-Bus object path elements. Names are checked,
// never escaped: a name the grammar refuses never reaches a tool.
import { checkedBy } from "../validation.js";

/** ZFS's own limit (ZFS_MAX_DATASET_NAME_LEN is 256 with the terminating NUL). */
const MAX_NAME_LENGTH = 255;
const COMPONENT = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
/* zpool refuses these as pool names: they are vdev keywords. */
const RESERVED_POOL = /^(mirror|raidz|draid|spare|log|cache|special|dedup)/;

function componentProblem(component: string, what: string): string | null {
    if (component === "")
        return `${what} has an empty component (a leading, trailing or double "/")`;
    if (component === "." || component === ".." || component.includes(".."))
        return `${what} must not contain ".."`;
    if (!COMPONENT.test(component))
        return `${what} may contain only letters, digits, "_", "-", "." and ":", each part starting with a letter or digit (not "${component.slice(0, 40)}")`;
    return null;
}

function lengthProblem(name: string): string | null {
    if (name.length === 0)
        return "must not be empty";
    if (name.length > MAX_NAME_LENGTH)
        return `must be at most ${MAX_NAME_LENGTH} characters`;
    return null;
}

export function poolNameProblem(name: string): string | null {
    const length = lengthProblem(name);
    if (length)
        return length;
    if (!/^[A-Za-z]/.test(name))
        return "must start with a letter";
    const component = componentProblem(name, "a pool name");
    if (component)
        return component;
    if (RESERVED_POOL.test(name))
        return `must not start with a reserved word (mirror, raidz, draid, spare, log, cache, special, dedup)`;
    return null;
}

/* "pool/a/b": a pool and at least zero more components. */
export function datasetNameProblem(name: string): string | null {
    const length = lengthProblem(name);
    if (length)
        return length;
    if (name.includes("@"))
        return "is a snapshot name (with \"@\"); a dataset name has none";
    const [pool, ...rest] = name.split("/");
    const poolProblem = poolNameProblem(pool);
    if (poolProblem)
        return `pool part: ${poolProblem}`;
    return rest.map(c => componentProblem(c, "a dataset name")).find(p => p !== null) ?? null;
}

/* The part after "@". */
export function snapshotNameProblem(short: string): string | null {
    return lengthProblem(short) ?? componentProblem(short, "a snapshot name");
}

export const poolName = checkedBy(poolNameProblem);
export const datasetName = checkedBy(datasetNameProblem);
export const snapshotName = checkedBy(snapshotNameProblem);
