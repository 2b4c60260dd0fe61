// debvisorctl backup schedule …: backup schedules with retention, which
// debvisord runs itself; and vm tag, the tags a schedule may name.
import dbus from "dbus-next";
import { BACKUPSCHEDULE_IFACE, BACKUPS_IFACE, ROOT_PATH } from "../../../generated/dbus-contract.js";
import { UsageError, type Values } from "../args.js";
import { findObject, objectsByName, type Properties } from "../bus.js";
import { callCommand, listCommand } from "../call-command.js";
import { NO_ASK_OPTION, WAIT_OPTION, type Command } from "../command.js";
import { callMethod } from "../method.js";
import { print } from "../output.js";
import { callMachine, findMachine } from "./machine-lookup.js";

type Variant = InstanceType<typeof dbus.Variant>;
const KEEPS = ["last", "hourly", "daily", "weekly", "monthly", "yearly"] as const;
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const SETTING_OPTIONS = {
    machine: { type: "string" as const, value: "NAME|UUID", help: "back up this machine" },
    tag: { type: "string" as const, value: "TAG", help: "back up every machine with this tag (vm tag)" },
    daily: { type: "boolean" as const, help: "every day (the default)" },
    weekly: { type: "string" as const, value: "DAY", help: "once a week on DAY (sun, mon … sat)" },
    at: { type: "string" as const, value: "HH:MM", help: "the local time (default 02:00)" },
    verify: { type: "string" as const, value: "PERCENT", help: "after each run, restic check reads PERCENT of the data (0: no check)" },
    ...Object.fromEntries(KEEPS.map(k => [`keep-${k}`, { type: "string" as const, value: "N", help: `keep the ${k === "last" ? "N newest" : `newest of the last N ${k === "daily" ? "days" : k.replace(/ly$/, "s")}`} (0: no such rule)` }])),
};

async function findSchedule(name: string): Promise<string> {
    return (await findObject(BACKUPSCHEDULE_IFACE, s => s.Name === name, `no backup schedule named "${name}" (debvisorctl backup schedule list)`)).Path;
}

/* The command line's settings as AddSchedule's and Update's options. */
async function settingOptions(values: Values): Promise<Record<string, Variant>> {
    const o: Record<string, Variant> = {};
    if (typeof values.machine === "string" && typeof values.tag === "string")
        throw new UsageError("--machine and --tag exclude each other");
    if (typeof values.machine === "string")
        o.machine = new dbus.Variant("s", String((await findMachine(values.machine)).UUID));
    if (typeof values.tag === "string")
        o.tag = new dbus.Variant("s", values.tag);
    if (values.daily && typeof values.weekly === "string")
        throw new UsageError("--daily and --weekly exclude each other");
    if (values.daily)
        o.frequency = new dbus.Variant("s", "daily");
    if (typeof values.weekly === "string") {
        const day = WEEKDAYS.indexOf(values.weekly.slice(0, 3).toLowerCase());
        if (day < 0)
            throw new UsageError(`--weekly takes a day of the week (${WEEKDAYS.join(", ")}), not "${values.weekly}"`);
        o.frequency = new dbus.Variant("s", "weekly");
        o.weekday = new dbus.Variant("u", day);
    }
    if (typeof values.at === "string")
        o.time = new dbus.Variant("s", values.at);
    if (typeof values.verify === "string") {
        if (!/^\d+$/.test(values.verify))
            throw new UsageError("--verify takes a whole number (percent)");
        o["verify-percent"] = new dbus.Variant("u", Number(values.verify));
    }
    for (const k of KEEPS) {
        const v = values[`keep-${k}`];
        if (typeof v !== "string")
            continue;
        if (!/^\d+$/.test(v))
            throw new UsageError(`--keep-${k} takes a whole number`);
        o[`keep-${k}`] = new dbus.Variant("u", Number(v));
    }
    return o;
}

function describeWhen(s: Properties): string {
    return s.Frequency === "weekly" ? `weekly ${WEEKDAYS[Number(s.Weekday)]} ${String(s.Time)}` : `daily ${String(s.Time)}`;
}

function describeKeep(keep: unknown): string {
    const k = (keep ?? {}) as Record<string, number>;
    return KEEPS.filter(x => k[x]).map(x => `${x}=${k[x]}`).join(",") || "all";
}

const scheduleAdd: Command = {
    name: "backup schedule add",
    args: "NAME REPOSITORY",
    summary: "back a machine (--machine) or every machine with a tag (--tag) up daily or weekly, keeping what --keep-* says",
    details: "debvisord runs the schedule itself. After each run, the schedule's own backups beyond the --keep-* counts " +
        "are forgotten and pruned (restic forget --prune); backups made by hand are never pruned.",
    options: { ...SETTING_OPTIONS, ...NO_ASK_OPTION },
    async run(values, [name, repository]) {
        print(String((await callMethod(`${ROOT_PATH}/backups`, BACKUPS_IFACE, "AddSchedule", [name, repository], values, await settingOptions(values)))[0]));
        return 0;
    },
};

const scheduleSet: Command = {
    name: "backup schedule set",
    args: "NAME",
    summary: "change a backup schedule (what is given replaces what was set)",
    options: { repository: { type: "string", value: "REPOSITORY", help: "back up to another repository" }, ...SETTING_OPTIONS, ...NO_ASK_OPTION },
    async run(values, [name]) {
        const o = await settingOptions(values);
        if (typeof values.repository === "string")
            o.repository = new dbus.Variant("s", values.repository);
        if (Object.keys(o).length === 0)
            throw new UsageError("give at least one setting to change");
        await callMethod(await findSchedule(name), BACKUPSCHEDULE_IFACE, "Update", [], values, o);
        return 0;
    },
};

const when = (us: unknown) => BigInt(us as bigint) === 0n ? "" : new Date(Number(BigInt(us as bigint) / 1000n)).toISOString().replace(/:\d\d\.\d+Z$/, "Z");

const scheduleList = listCommand({
    name: "backup schedule list",
    summary: "the backup schedules: what, when, retention, next and last run",
    items: () => objectsByName(BACKUPSCHEDULE_IFACE),
    headers: ["NAME", "REPOSITORY", "MACHINES", "WHEN", "KEEP", "NEXT", "LAST", "RESULT"],
    row: s => [
        String(s.Name), String(s.Repository), s.Tag ? `tag ${String(s.Tag)}` : String(s.Machine), describeWhen(s), describeKeep(s.Keep),
        when(s.NextRun), when(s.LastRun), s.Running ? "running" : String(s.LastResult),
    ],
});

const schedulePath = ([name]: string[]) => findSchedule(name);

const scheduleRun = callCommand({
    name: "backup schedule run",
    args: "NAME",
    summary: "run a backup schedule now (its backups, then its pruning); prints the job, --wait follows it",
    options: { ...WAIT_OPTION, ...NO_ASK_OPTION },
    path: schedulePath, iface: BACKUPSCHEDULE_IFACE, method: "RunNow", callArgs: () => [], prints: "job",
});

const scheduleRemove = callCommand({
    name: "backup schedule remove",
    args: "NAME",
    summary: "remove a backup schedule; the backups it made stay",
    options: NO_ASK_OPTION,
    path: schedulePath, iface: BACKUPSCHEDULE_IFACE, method: "Remove", callArgs: () => [],
});

const vmTag: Command = {
    name: "vm tag",
    args: "NAME [TAG…]",
    summary: "set a machine's tags (none: remove them all); without --set, print them",
    options: { set: { type: "boolean", help: "replace the tags with the TAGs given" }, ...NO_ASK_OPTION },
    positionals: { min: 1, max: 33 },
    async run(values, [name, ...tags]) {
        if (!values.set) {
            if (tags.length)
                throw new UsageError("give --set to change the tags");
            print(((await findMachine(name)).Tags as string[] ?? []).join("\n"));
            return 0;
        }
        await callMachine(name, "SetTags", values, {}, [tags]);
        return 0;
    },
};

export const backupScheduleCommands: Command[] = [scheduleAdd, scheduleList, scheduleSet, scheduleRun, scheduleRemove, vmTag];
