// debvisorctl history-retention [DAYS]: how long Prometheus keeps the node's,
// its machines' and pools' history, and changing it (admins).
import { METRICS_IFACE, ROOT_PATH } from "../../../generated/dbus-contract.js";
import { unwrap } from "../../lib/variants.js";
import { UsageError } from "../args.js";
import { getProperties } from "../bus.js";
import { NO_ASK_OPTION, type Command } from "../command.js";
import { callMethod } from "../method.js";
import { print } from "../output.js";

const METRICS_PATH = `${ROOT_PATH}/metrics`;

const retention: Command = {
    name: "history-retention",
    args: "[DAYS]",
    summary: "how many days of history Prometheus keeps; with DAYS (1 to 3650), keep that many (Prometheus restarts)",
    options: NO_ASK_OPTION,
    async run(values, [days]) {
        if (days !== undefined) {
            if (!/^\d{1,4}$/.test(days))
                throw new UsageError("DAYS is a whole number of days, 1 to 3650");
            await callMethod(METRICS_PATH, METRICS_IFACE, "SetHistoryRetention", [Number(days)], values);
        }
        const props = await getProperties(METRICS_PATH, METRICS_IFACE);
        print(`${String(unwrap(props.HistoryRetentionDays))} days`);
        return 0;
    },
};

export const metricsCommands: Command[] = [retention];
