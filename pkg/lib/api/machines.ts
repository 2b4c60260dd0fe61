// Calls on Machine objects, as the logged-in user.
import { MACHINE_IFACE } from "../../../generated/dbus-contract";
import { callDaemon } from "./call";

export type MachineAction = "Start" | "Shutdown" | "Reboot" | "ForceOff" | "Pause" | "Resume";

export async function machineCall(path: string, action: MachineAction): Promise<void> {
    await callDaemon(path, MACHINE_IFACE, action, [{}]);
}

export async function machineDelete(path: string, options: { deleteDisks: boolean; force: boolean }): Promise<void> {
    await callDaemon(path, MACHINE_IFACE, "Delete", [{
        "delete-disks": { t: "b", v: options.deleteDisks },
        force: { t: "b", v: options.force },
    }]);
}
