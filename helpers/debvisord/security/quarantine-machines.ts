// The machines a quarantine stops: those running that start automatically
// with the host (servers, as opposed to something an admin started by hand
// to investigate). Shut down through the machines area, forced off after a
// timeout; started again through it on release.
import type { Machines } from "../machines/machines.js";
import type { StoppedMachine } from "./firewall-state.js";

export interface MachineControl {
    autostartedRunning(): Promise<Array<StoppedMachine & { path: string }>>;
    stop(path: string): Promise<void>;
    startByUuid(uuid: string): Promise<void>;
}

const SHUTDOWN_WAIT_MS = 60_000;

export class MachinesAreaControl implements MachineControl {
    constructor(private readonly machines: Machines) {}

    async autostartedRunning(): Promise<Array<StoppedMachine & { path: string }>> {
        return this.machines.list().filter(m => m.running && m.autostart).map(m => ({ name: m.name, uuid: m.uuid, path: m.path }));
    }

    async stop(path: string): Promise<void> {
        await this.machines.shutDownOrForceOff(path, SHUTDOWN_WAIT_MS);
    }

    async startByUuid(uuid: string): Promise<void> {
        const m = this.machines.list().find(f => f.uuid === uuid);
        if (!m)
            throw new Error(`machine ${uuid} no longer exists`);
        if (!m.running)
            await this.machines.lifecycle(m.path, "Start");
    }
}
