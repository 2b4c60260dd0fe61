// Waiting for a guest that was asked to shut down, and forcing it off when it
// does not within the time given: Machine.Shutdown's job, and through
// Machines.shutDownOrForceOff a quarantine and a node's maintenance.
import type { Libvirt } from "./libvirt.js";

const POLL_MS = 250;

/* Resolves true when the guest went off by itself, false when it was forced off after `ms`. */
export async function waitOrForceOff(libvirt: Libvirt, domainPath: string, ms: number, isOff: () => boolean | Promise<boolean>,
    signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
        if (signal?.aborted)
            throw signal.reason;
        if (await isOff())
            return true;
        await new Promise(r => setTimeout(r, POLL_MS));
    }
    await libvirt.domainCall(domainPath, "Destroy");
    return false;
}
