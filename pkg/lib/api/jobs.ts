// Calls on Job objects.
import { JOB_IFACE, type PageJobMethodResults } from "../../../generated/dbus-contract";
import { callDaemon } from "./call";

export async function jobCancel(path: string): Promise<void> {
    await callDaemon<PageJobMethodResults["Cancel"]>(path, JOB_IFACE, "Cancel", [{}]);
}
