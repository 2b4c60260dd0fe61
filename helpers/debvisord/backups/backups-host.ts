// What the backup, restore, file and schedule modules need of the backups
// area, so they depend on this and not on the area's class (which imports them).
import type { ObjectServer } from "../bus/object-server.js";
import type { MachineHost } from "../machines/machine-host.js";
import type { MachineFacts } from "../machines/machines.js";
import type { RepositoryRecord, RepositoryStore } from "./repositories.js";
import type { RepositoryAccess, Restic, ResticSnapshot } from "./restic.js";
import type { SwapJournals } from "./swap-journal.js";

export interface BackupsHost {
    readonly path: string;
    readonly server: ObjectServer;
    /* the machines area: what is backed up and restored */
    readonly host: MachineHost & { list(): MachineFacts[] };
    readonly restic: Restic;
    readonly store: RepositoryStore;
    /* the journals of restores over an original machine, for recovery after a crash */
    readonly swaps: SwapJournals;
    /* restic's version; "" while restic is missing */
    readonly version: string;
    repositoryPath(name: string): string;
    /* a saved repository and how to reach it; NotFound when there is none of that name */
    repository(name: string): { record: RepositoryRecord; access: RepositoryAccess };
    /* throws NotSupported while restic is missing */
    requireRestic(): void;
    /* runs `work` with the repository marked in use, so it is not removed meanwhile */
    using<T>(name: string, work: () => Promise<T>): Promise<T>;
    snapshots(name: string, machineUuid?: string): Promise<ResticSnapshot[]>;
}
