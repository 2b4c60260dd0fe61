// Calls on Job objects.
import { JOB_IFACE } from "../../../generated/dbus-contract";
import { dbusClient } from "../dbus-store";

export async function jobCancel(path: string): Promise<void> {
    await dbusClient().call(path, JOB_IFACE, "Cancel", [{}]);
}
