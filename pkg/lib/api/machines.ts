// Calls on Machine objects, as the logged-in user.
import { MACHINE_IFACE } from "../../../generated/dbus-contract";
import { dbusClient } from "../dbus-store";

export type MachineAction = "Start" | "Shutdown" | "Reboot" | "ForceOff" | "Pause" | "Resume";

export async function machineCall(path: string, action: MachineAction): Promise<void> {
    await dbusClient().call(path, MACHINE_IFACE, action, [{}]);
}

export async function machineDelete(path: string, options: { deleteDisks: boolean; force: boolean }): Promise<void> {
    await dbusClient().call(path, MACHINE_IFACE, "Delete", [{
        "delete-disks": { t: "b", v: options.deleteDisks },
        force: { t: "b", v: options.force },
    }]);
}
