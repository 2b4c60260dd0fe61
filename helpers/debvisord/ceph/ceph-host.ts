// What the Ceph method modules (ceph-methods.ts, provision-methods.ts) need of
// the Ceph area, so they depend on this and not on the area's class (which
// imports them).
import type { JobRegistry } from "../jobs/jobs.js";
import type { Libvirt } from "../machines/libvirt.js";
import type { RbdImage, Report } from "./parse.js";
import type { CephTools } from "./tools.js";

export type CephState = "not-installed" | "none" | "bootstrapping" | "reachable" | "unreachable";

export interface CephHost {
    readonly path: string;
    readonly tools: CephTools;
    readonly jobs: JobRegistry;
    /* asked which machines use an image before it is deleted or rolled back; null without libvirt */
    readonly libvirt: Libvirt | null;
    readonly state: CephState;
    /* the last report read; null before the first one */
    readonly report: Report | null;
    /* resolves after the first read; methods wait for it */
    readonly ready: Promise<void>;
    /* set by the provisioning methods while they create a cluster */
    bootstrapping: boolean;
    poolPath(name: string): string;
    imagePath(pool: string, name: string): string;
    /* re-reads the cluster (`full`: the slow tier too); resolves when the objects are current */
    refresh(full?: boolean): Promise<void>;
    refreshImages(pool: string): Promise<void>;
    /* a pool Ceph has confirmed deleted: off the bus now */
    forgetPool(name: string): void;
    /* a call found the cluster silent: said at once */
    markUnreachable(message: string): void;
    /* the pools the CephFS uses */
    cephFsPools(): string[];
    pool(name: string): Report["pools"][number] | undefined;
    image(pool: string, name: string): RbdImage | undefined;
}
