import path from "node:path";
import dbus from "dbus-next";
import { BUS_NAME, JOB_IFACE, MANAGER_IFACE } from "../../../generated/dbus-contract.js";
import { unwrap } from "../../lib/variants.js";
import { parse, UsageError } from "../args.js";
import { call, MANAGER_PATH, methodOptions, systemBus } from "../bus.js";
import type { Command } from "./command.js";
import { usageOf } from "./status.js";

type DBusMessage = InstanceType<typeof dbus.Message>;

/* Follows a job until its Completed signal; Ctrl-C cancels it. Resolves to success. */
export async function followJob(jobPath: string): Promise<boolean> {
    const bus = systemBus();
    await bus.call(new dbus.Message({
        destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
        member: "AddMatch", signature: "s", body: [`type='signal',sender='${BUS_NAME}',path='${jobPath}'`],
    }));
    const tty = process.stdout.isTTY === true;
    let lastShown = -1;
    const show = (fraction: number) => {
        const percent = Math.floor(fraction * 100);
        if (percent === lastShown)
            return;
        lastShown = percent;
        if (tty) {
            const width = 30;
            const filled = Math.round(fraction * width);
            process.stdout.write(`\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${String(percent).padStart(3)}%`);
        } else {
            process.stdout.write(`progress ${percent}%\n`);
        }
    };
    return new Promise<boolean>(resolve => {
        const onSignal = (msg: DBusMessage) => {
            if (msg.type !== dbus.MessageType.SIGNAL || msg.path !== jobPath)
                return;
            if (msg.member === "PropertiesChanged") {
                const changed = unwrap(msg.body[1]) as Record<string, unknown>;
                if (changed.ProgressValid && typeof changed.Progress === "number")
                    show(changed.Progress);
            } else if (msg.member === "Completed") {
                const [success, message] = msg.body as [boolean, string];
                if (tty)
                    process.stdout.write("\n");
                (success ? process.stdout : process.stderr).write(`${success ? "" : "debvisorctl: "}${message}\n`);
                process.off("SIGINT", onInterrupt);
                resolve(success);
            }
        };
        const onInterrupt = () => {
            process.stderr.write("\ncancelling the job…\n");
            void call(jobPath, JOB_IFACE, "Cancel", "a{sv}", [{}]).catch(e => process.stderr.write(`debvisorctl: ${(e as Error).message}\n`));
        };
        bus.on("message", onSignal);
        process.on("SIGINT", onInterrupt);
        // the job may have ended before the match was in place
        void call(jobPath, "org.freedesktop.DBus.Properties", "GetAll", "s", [JOB_IFACE]).then(([props]) => {
            const p = props as Record<string, unknown>;
            if (p.State !== "running")
                onSignal({ type: dbus.MessageType.SIGNAL, path: jobPath, member: "Completed", body: [p.State === "succeeded", p.Message] } as unknown as DBusMessage);
            else if (p.ProgressValid)
                show(p.Progress as number);
        }, () => undefined);
    });
}

export const importImage: Command = {
    name: "import",
    summary: "import a disk image (qcow2, raw, vmdk, vdi, vpc, vhdx) into /var/lib/libvirt/images as a job",
    usage: "debvisorctl import SOURCE NAME [--format qcow2|raw] [--rate-limit BYTES_PER_SECOND] [--wait] [--no-ask]",
    async run(argv) {
        const { values, positionals, help } = parse(argv, {
            format: { type: "string" }, "rate-limit": { type: "string" }, wait: { type: "boolean" }, "no-ask": { type: "boolean" },
        }, { min: 2, max: 2 });
        if (help) return usageOf(this);
        const options: Record<string, InstanceType<typeof dbus.Variant>> = {};
        if (values.format !== undefined)
            options.format = new dbus.Variant("s", values.format);
        if (values["rate-limit"] !== undefined) {
            if (!/^\d+$/.test(String(values["rate-limit"])))
                throw new UsageError("--rate-limit takes a number of bytes per second");
            options["rate-limit"] = new dbus.Variant("t", BigInt(String(values["rate-limit"])));
        }
        const [jobPath] = await call(MANAGER_PATH, MANAGER_IFACE, "ImportImage", "ssa{sv}",
            [path.resolve(positionals[0]), positionals[1], methodOptions(values["no-ask"] === true, options)]) as [string];
        process.stdout.write(`${jobPath}\n`);
        if (!values.wait)
            return 0;
        return await followJob(jobPath) ? 0 : 1;
    },
};
