// What the Machine method modules (snapshots, devices, clone, console …)
// need of the machines area, so each stays a small module of its own work.
import { busy, invalidArgument } from "../../lib/errors.js";
import type { JobRegistry } from "../jobs/jobs.js";
import type { ZfsTools } from "../zfs/tools.js";
import type { Libvirt } from "./libvirt.js";

export interface MachineHost {
    readonly libvirt: Libvirt;
    readonly jobs: JobRegistry;
    /* the ZFS tools the zvol disks are made and destroyed with */
    readonly zfsTools: ZfsTools;
    objectPath(uuid: string): string;
    /* re-reads one domain into its object; resolves when the object is current */
    refresh(domainPath: string): Promise<void>;
    kvmAvailable(): Promise<boolean>;
    /* libvirt's object path for one of ours; Failed when the machine is gone */
    domainOf(path: string): string;
    name(path: string): string;
    state(path: string): string;
}

/* The stored definition: what the machine boots with next, not what runs now. */
export function storedDefinition(host: MachineHost, path: string): Promise<string> {
    return host.libvirt.domainStoredXml(host.domainOf(path));
}

/* A new machine name must be free in libvirt. */
export async function requireFreeName(host: MachineHost, name: string, argument: string): Promise<void> {
    if (await host.libvirt.domainByName(name))
        throw invalidArgument(`${argument}: a machine named ${name} exists already`);
}

/* The machine must be shut off for this change; the error says what to do. */
export function requireShutOff(host: MachineHost, path: string, what: string): void {
    const state = host.state(path);
    if (state !== "shutoff")
        throw busy(`${host.name(path)} is ${state}: shut it down before ${what}`);
}
