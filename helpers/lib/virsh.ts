// virsh against the system libvirt, for the few things debvisord does through
// the CLI rather than its libvirt connection (storage pools and secrets that
// a profile or the Ceph bootstrap defines once).
import { runTool, type RunOptions, type RunResult } from "./tool-run.js";

const LIBVIRT_URI = "qemu:///system";

export function virsh(args: string[], what: string, options: RunOptions = {}): Promise<RunResult> {
    return runTool("virsh", ["-c", LIBVIRT_URI, "-q", ...args], what, options);
}
