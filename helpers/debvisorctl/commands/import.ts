import path from "node:path";
import dbus from "dbus-next";
import { MANAGER_IFACE } from "../../../generated/dbus-contract.js";
import { UsageError } from "../args.js";
import { MANAGER_PATH } from "../bus.js";
import { NO_ASK_OPTION, type Command } from "../command.js";
import { printAndFollow } from "../job-follow.js";
import { callMethod } from "../method.js";

const UNITS: Record<string, number> = { "": 1, K: 1024, KiB: 1024, M: 1024 ** 2, MiB: 1024 ** 2, G: 1024 ** 3, GiB: 1024 ** 3, T: 1024 ** 4, TiB: 1024 ** 4 };

/* "1048576", "512K", "4M", "1GiB", "2T" → bytes (binary units). */
export function parseBytes(text: string): number {
    const m = /^(\d+)([KMGT](?:iB)?)?$/.exec(text);
    const bytes = m ? Number(m[1]) * UNITS[m[2] ?? ""] : NaN;
    if (!Number.isSafeInteger(bytes) || bytes <= 0)
        throw new UsageError(`"${text}" is not a number of bytes (e.g. 1048576, 512K, 4M, 1G)`);
    return bytes;
}

export const importImage: Command = {
    name: "import",
    args: "SOURCE NAME",
    summary: "import a disk image (qcow2, raw, vmdk, vdi, vpc, vhdx) for virtual machines, as a job",
    details: "SOURCE is a file on this host. NAME is the new image's name in /var/lib/libvirt/images; the format's\n" +
        "extension is added.\n" +
        "Prints the job's path. With --wait it shows the progress until the job ends and exits 0 only when the\n" +
        "import succeeded; Ctrl-C cancels the job (a cancelled import leaves no file behind).",
    options: {
        format: { type: "string", value: "FORMAT", help: "the new image's format: qcow2 (the default) or raw" },
        "rate-limit": { type: "string", value: "BYTES", help: "bytes per second at most (K, M, G suffixes), so guests keep their disk bandwidth" },
        wait: { type: "boolean", help: "follow the job until it ends" },
        ...NO_ASK_OPTION,
    },
    async run(values, [source, name]) {
        const options: Record<string, InstanceType<typeof dbus.Variant>> = {};
        if (values.format !== undefined)
            options.format = new dbus.Variant("s", values.format);
        if (values["rate-limit"] !== undefined)
            options["rate-limit"] = new dbus.Variant("t", BigInt(parseBytes(String(values["rate-limit"]))));
        // the daemon wants an absolute path; the user may give one relative to here
        const [jobPath] = await callMethod(MANAGER_PATH, MANAGER_IFACE, "ImportImage",
            [path.resolve(source), name], values, options) as [string];
        return printAndFollow(jobPath, values);
    },
};
