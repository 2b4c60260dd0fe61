import { MANAGER_IFACE } from "../../../generated/dbus-contract.js";
import { formatBytes } from "../../lib/bytes.js";
import { MANAGER_PATH } from "../bus.js";
import { JSON_OPTION, NO_ASK_OPTION, type Command } from "../command.js";
import { callMethod } from "../method.js";
import { printList, tableOf } from "../output.js";

type Disk = Record<string, unknown>;

export const disksTable = tableOf<Disk>(["NAME", "SIZE", "ROLE", "MODEL", "SERIAL", "REASON"], d => [
    String(d.Name), formatBytes(Number(d.Size)), String(d.Role), String(d.Model || "-"), String(d.Serial || "-"), String(d.RoleReason ?? ""),
]);

export const disks: Command = {
    name: "disks",
    summary: "the host's disks: which holds the OS, which are in use, which are free spares",
    details: "JSON has every field of Manager.GetDisks (paths by id, partitions, mount points).",
    options: { ...JSON_OPTION, ...NO_ASK_OPTION },
    async run(values) {
        const [list] = await callMethod(MANAGER_PATH, MANAGER_IFACE, "GetDisks", [], values) as [Disk[]];
        return printList(values, list, disksTable);
    },
};
