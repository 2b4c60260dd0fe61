import { parse } from "../args.js";
import { call, MANAGER_PATH, methodOptions } from "../bus.js";
import { formatBytes } from "../../lib/bytes.js";
import { printJson, table } from "../output.js";
import type { Command } from "./command.js";
import { usageOf } from "./status.js";
import { MANAGER_IFACE } from "../../../generated/dbus-contract.js";

export const disks: Command = {
    name: "disks",
    summary: "the host's disks: which holds the OS, which are in use, which are free spares",
    usage: "debvisorctl disks [--json] [--no-ask]",
    async run(argv) {
        const { values, help } = parse(argv, { json: { type: "boolean" }, "no-ask": { type: "boolean" } }, { min: 0, max: 0 });
        if (help) return usageOf(this);
        const [list] = await call(MANAGER_PATH, MANAGER_IFACE, "GetDisks", "a{sv}", [methodOptions(values["no-ask"] === true)]) as [Array<Record<string, unknown>>];
        if (values.json) {
            printJson(list);
            return 0;
        }
        process.stdout.write(table(["NAME", "SIZE", "ROLE", "MODEL", "SERIAL", "WHY"],
            list.map(d => [String(d.Name), formatBytes(Number(d.Size)), String(d.Role), String(d.Model || "-"), String(d.Serial || "-"), String(d.RoleReason)])) + "\n");
        return 0;
    },
};
