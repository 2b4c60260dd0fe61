// The machines a quarantine stops: those running that start automatically
// with the host (servers, as opposed to something an admin started by hand
// to investigate). Shut down through libvirt, forced off after a timeout.
import type { Libvirt } from "../machines/libvirt.js";
import { waitOrForceOff } from "../machines/shutdown.js";
import type { StoppedMachine } from "./firewall-state.js";

export interface MachineControl {
    autostartedRunning(): Promise<Array<StoppedMachine & { path: string }>>;
    stop(path: string): Promise<void>;
    startByUuid(uuid: string): Promise<void>;
}

const SHUTDOWN_WAIT_MS = 60_000;

export class LibvirtMachineControl implements MachineControl {
    constructor(private readonly libvirt: Libvirt) {}

    async autostartedRunning(): Promise<Array<StoppedMachine & { path: string }>> {
        const out: Array<StoppedMachine & { path: string }> = [];
        for (const path of await this.libvirt.listDomains()) {
            const p = await this.libvirt.domainProperties(path);
            if (p.Autostart && p.Active)
                out.push({ name: p.Name, uuid: p.UUID, path });
        }
        return out;
    }

    async stop(path: string): Promise<void> {
        await this.libvirt.domainCall(path, "Shutdown");
        await waitOrForceOff(this.libvirt, path, SHUTDOWN_WAIT_MS, async () => !(await this.libvirt.domainProperties(path)).Active);
    }

    async startByUuid(uuid: string): Promise<void> {
        for (const path of await this.libvirt.listDomains()) {
            const p = await this.libvirt.domainProperties(path);
            if (p.UUID === uuid) {
                if (!p.Active)
                    await this.libvirt.domainCall(path, "Create");
                return;
            }
        }
        throw new Error(`machine ${uuid} no longer exists`);
    }
}
