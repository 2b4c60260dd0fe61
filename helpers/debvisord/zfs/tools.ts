// Runs zpool and zfs (argument arrays, timeouts, never a shell) for
// zfs-fuse and OpenZFS 2.x alike, and turns their output into the parsed
// shapes of parse.ts and their failures into errors that name what failed.
// The storage profiles reuse this module; it knows nothing of D-Bus.
import { busy, failed, invalidArgument, notFound, notSupported } from "../../lib/errors.js";
import { runTool } from "../../lib/tool-run.js";
import {
    DATASET_PROPERTIES, flavorFromVersion, parseDatasetGet, parseDatasetJson, parseImportable, parsePoolList, POOL_LIST_COLUMNS, splitPoolStatuses,
    type DatasetEntry, type PoolListEntry, type PoolStatus, type ZfsFlavor,
} from "./parse.js";

const READ_TIMEOUT_MS = 60_000;
const CHANGE_TIMEOUT_MS = 120_000;
/* Right after writes, zfs-fuse answers "busy" to a destroy for a moment. */
const BUSY_RETRIES = 10, BUSY_RETRY_MS = 500;

export interface Pool extends PoolListEntry {
    status: PoolStatus | null;
}

export type Layout = "single" | "mirror" | "raidz1" | "raidz2";

/* `FLAG name=value` for each property (`-O` for a new pool's root dataset, `-o` for a new dataset). */
const propertyArgs = (flag: string, properties: Record<string, string>) => Object.entries(properties).flatMap(([k, v]) => [flag, `${k}=${v}`]);

/* A zfs/zpool failure in words: the tool's own message, first lines only. */
function toolError(what: string, stderr: string, exitCode: number | undefined) {
    const message = stderr.trim().split("\n").slice(0, 12).join("\n") || `exit code ${exitCode}`;
    if (/dataset already exists|pool already exists|already in use|name already exists|is part of (active|exported) pool/.test(message))
        return invalidArgument(`${what}: ${message}`);
    if (/no such pool|dataset does not exist|could not find any snapshots|no such dataset|cannot open '[^']*': (dataset|snapshot)/.test(message))
        return notFound(`${what}: ${message}`);
    if (/busy/.test(message))
        return busy(`${what}: ${message}`);
    return failed(`${what}: ${message}`);
}

export class ZfsTools {
    private flavorPromise: Promise<ZfsFlavor | null> | null = null;

    // found on debvisord's PATH, which has the sbin directories (search-path.ts)
    constructor(private readonly zfsBin = "zfs", private readonly zpoolBin = "zpool") {}

    /** the zpool this area runs, for the event stream */
    get zpoolPath(): string {
        return this.zpoolBin;
    }

    /* Which ZFS answers here; null when neither tool is installed. `again`: look again (it may have been installed since). */
    flavor(again = false): Promise<ZfsFlavor | null> {
        if (again)
            this.flavorPromise = null;
        this.flavorPromise ??= runTool(this.zfsBin, ["version"], "asking for the version", { timeout: READ_TIMEOUT_MS, allowFailure: true }).then(
            r => (r.missing ? null : flavorFromVersion(r.exitCode, r.stdout)),
            () => null);
        return this.flavorPromise;
    }

    private async requireFlavor(): Promise<ZfsFlavor> {
        const f = await this.flavor();
        if (!f)
            throw notSupported("ZFS is not installed on this host (zfsutils-linux or zfs-fuse)");
        return f;
    }

    private async run(bin: string, args: string[], what: string, timeout = READ_TIMEOUT_MS): Promise<string> {
        const r = await runTool(bin, args, what, { timeout, allowFailure: true });
        if (r.exitCode !== 0) {
            if (/failed to initialize ZFS library|zfs-fuse daemon is running/.test(r.stderr))
                throw failed(`${what}: the ZFS service does not answer (${r.stderr.trim().split("\n")[0]})`);
            if (r.exitCode === -1 || r.timedOut)
                throw failed(`${what}: ${bin} did not finish within ${timeout / 1000} s`);
            throw toolError(what, r.stderr, r.exitCode);
        }
        return r.stdout;
    }

    zpool(args: string[], what: string, timeout?: number): Promise<string> {
        return this.run(this.zpoolBin, args, what, timeout);
    }

    zfs(args: string[], what: string, timeout?: number): Promise<string> {
        return this.run(this.zfsBin, args, what, timeout);
    }

    /* Every pool with its size, health and `zpool status`. */
    async listPools(): Promise<Pool[]> {
        const f = await this.requireFlavor();
        const args = ["list", "-H", ...(f.parsable ? ["-p"] : []), "-o", POOL_LIST_COLUMNS[f.kind]];
        const list = parsePoolList(await this.zpool(args, "listing the pools"), f.kind);
        if (list.length === 0)
            return [];
        const statuses = splitPoolStatuses(await this.zpool(["status", ...(f.parsable ? ["-p"] : [])], "reading the pools' status"));
        return list.map(p => ({ ...p, status: statuses.get(p.name) ?? null }));
    }

    async poolNames(): Promise<string[]> {
        await this.requireFlavor();
        return (await this.zpool(["list", "-H", "-o", "name"], "listing the pools")).split("\n").filter(Boolean);
    }

    /* Every dataset, volume and snapshot, exact bytes, in one command: JSON from
     * OpenZFS 2.3 on (`zfs get`'s lines if that JSON is not what we expect),
     * `zfs get -H -p` before it and on zfs-fuse. */
    async listDatasets(): Promise<DatasetEntry[]> {
        const f = await this.requireFlavor();
        if (f.json) {
            const out = await this.zfs(["list", "-j", "--json-int", "-t", "filesystem,volume,snapshot", "-o", ["name", ...DATASET_PROPERTIES].join(",")],
                "listing the datasets");
            try {
                return parseDatasetJson(out);
            } catch (e) {
                process.stderr.write(`debvisord: zfs list -j: ${(e as Error).message}; reading zfs get instead\n`);
            }
        }
        return parseDatasetGet(await this.zfs(["get", "-H", "-p", "-o", "name,property,value", DATASET_PROPERTIES.join(",")],
            "listing the datasets"));
    }

    async createPool(name: string, layout: Layout, devices: string[], properties: Record<string, string>, mountpoint?: string): Promise<void> {
        await this.requireFlavor();
        const group = layout === "single" ? [] : [layout];
        await this.zpool(["create", ...propertyArgs("-O", properties), ...(mountpoint ? ["-m", mountpoint] : []), "--", name, ...group, ...devices],
            `creating the pool ${name}`, CHANGE_TIMEOUT_MS);
    }

    async importable(directory?: string): Promise<Array<{ name: string; id: string; state: string }>> {
        await this.requireFlavor();
        const r = await runTool(this.zpoolBin, ["import", ...(directory ? ["-d", directory] : [])], "listing importable pools", { timeout: READ_TIMEOUT_MS, allowFailure: true });
        // "no pools available to import" is exit code 1 on some versions
        return parseImportable(r.stdout);
    }

    async importPool(name: string, directory?: string): Promise<void> {
        await this.requireFlavor();
        await this.zpool(["import", ...(directory ? ["-d", directory] : []), "--", name], `importing the pool ${name}`, CHANGE_TIMEOUT_MS);
    }

    async exportPool(name: string): Promise<void> {
        await this.retryBusy(() => this.zpool(["export", "--", name], `exporting the pool ${name}`, CHANGE_TIMEOUT_MS));
    }

    async destroyPool(name: string): Promise<void> {
        await this.retryBusy(() => this.zpool(["destroy", "--", name], `destroying the pool ${name}`, CHANGE_TIMEOUT_MS));
    }

    async scrub(name: string, stop: boolean): Promise<void> {
        await this.zpool(["scrub", ...(stop ? ["-s"] : []), "--", name], `${stop ? "stopping the scrub of" : "scrubbing"} ${name}`);
    }

    async createDataset(name: string, properties: Record<string, string>): Promise<void> {
        await this.zfs(["create", ...propertyArgs("-o", properties), "--", name], `creating ${name}`, CHANGE_TIMEOUT_MS);
    }

    async createVolume(name: string, size: bigint, properties: Record<string, string>): Promise<void> {
        const f = await this.requireFlavor();
        if (!f.volumes)
            throw notSupported("zfs-fuse cannot make volumes (zvols): it runs in user space without block devices; OpenZFS can");
        await this.zfs(["create", "-V", String(size), ...propertyArgs("-o", properties), "--", name], `creating the volume ${name}`, CHANGE_TIMEOUT_MS);
    }

    async setProperties(name: string, properties: Record<string, string>): Promise<void> {
        // one call per property: zfs-fuse's `zfs set` takes one property=value only, and no "--"
        // (the name grammar already refuses a leading "-")
        for (const [k, v] of Object.entries(properties))
            await this.zfs(["set", `${k}=${v}`, name], `setting ${k} of ${name}`);
    }

    async destroy(name: string, recursive: boolean): Promise<void> {
        await this.retryBusy(() => this.zfs(["destroy", ...(recursive ? ["-r"] : []), "--", name], `destroying ${name}`, CHANGE_TIMEOUT_MS));
    }

    async snapshot(name: string, recursive: boolean): Promise<void> {
        await this.zfs(["snapshot", ...(recursive ? ["-r"] : []), "--", name], `taking the snapshot ${name}`);
    }

    async rollback(snapshot: string, destroyNewer: boolean): Promise<void> {
        await this.retryBusy(() => this.zfs(["rollback", ...(destroyNewer ? ["-r"] : []), "--", snapshot], `rolling back to ${snapshot}`,
            CHANGE_TIMEOUT_MS));
    }

    async clone(snapshot: string, target: string): Promise<void> {
        await this.zfs(["clone", "--", snapshot, target], `cloning ${snapshot} as ${target}`, CHANGE_TIMEOUT_MS);
    }

    private async retryBusy(work: () => Promise<unknown>): Promise<void> {
        for (let attempt = 0; ; attempt++) {
            try {
                await work();
                return;
            } catch (e) {
                if (attempt >= BUSY_RETRIES || (e as { errorName?: string }).errorName !== "Busy")
                    throw e;
                await new Promise(r => setTimeout(r, BUSY_RETRY_MS));
            }
        }
    }
}
