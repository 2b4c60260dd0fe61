// debvisorctl storage plan|apply: what a storage profile would do on this
// host, and applying it with the token of the plan that was shown.
import dbus from "dbus-next";
import { MANAGER_IFACE } from "../../../generated/dbus-contract.js";
import { formatBytes } from "../../lib/bytes.js";
import { UsageError } from "../args.js";
import { MANAGER_PATH } from "../bus.js";
import { JSON_OPTION, NO_ASK_OPTION, type Command } from "../command.js";
import { printAndFollow } from "../job-follow.js";
import { callMethod } from "../method.js";
import { print, printJson, table } from "../output.js";

type Row = Record<string, unknown>;
const PROFILES = ["zfs", "ceph", "mixed"];

function profileOf(word: string): string {
    if (!PROFILES.includes(word))
        throw new UsageError(`the profile must be one of ${PROFILES.join(", ")}`);
    return word;
}

function includeOptions(values: Record<string, unknown>): Record<string, InstanceType<typeof dbus.Variant>> {
    const include = values.include === undefined ? [] : String(values.include).split(",").filter(Boolean);
    return include.length > 0 ? { include: new dbus.Variant("as", include) } : {};
}

const INCLUDE_OPTION = {
    include: { type: "string" as const, value: "DISK,…", help: "disks in use (not the OS disk, not mounted) to wipe anyway, by path, by-id path or serial" },
};

export const PROFILE_OPTIONS = {
    profile: { type: "string" as const, value: "ceph|mixed", help: "once a member, apply this storage profile: the spare disks become the cluster's OSDs" },
    "profile-wipes": { type: "string" as const, value: "TOKEN", help: "with --profile: the Wipes token storage plan printed for it" },
};

/* Join's "profile" and "profile-wipes" options, from --profile and --profile-wipes. */
export function joinProfileOptions(values: Record<string, unknown>): Record<string, InstanceType<typeof dbus.Variant>> {
    if (values.profile === undefined && values["profile-wipes"] === undefined)
        return {};
    if (typeof values.profile !== "string" || !["ceph", "mixed"].includes(values.profile) || typeof values["profile-wipes"] !== "string")
        throw new UsageError("--profile ceph|mixed and --profile-wipes TOKEN go together: run storage plan PROFILE first and pass its Wipes token");
    return { profile: new dbus.Variant("s", values.profile), "profile-wipes": new dbus.Variant("s", values["profile-wipes"]) };
}

const storagePlan: Command = {
    name: "storage plan",
    summary: "what applying a storage profile (zfs, ceph, mixed) would do; changes nothing",
    details: "Prints the steps (kept or to do), the disks that would be wiped, the disks not used and why, and the token that storage apply needs.",
    options: { ...JSON_OPTION, ...INCLUDE_OPTION, ...NO_ASK_OPTION },
    positionals: { min: 1, max: 1 },
    async run(values, [word]) {
        const [plan] = await callMethod(MANAGER_PATH, MANAGER_IFACE, "PlanProfile", [profileOf(word)], values, includeOptions(values)) as [Row];
        if (values.json) {
            printJson(plan);
            return 0;
        }
        const steps = plan.Steps as Row[], wipes = plan.Wipes as Row[], refused = plan.Refused as Row[], problems = plan.Problems as string[];
        print(table(["STEP", "STATE", "WHAT"], steps.map(s => [String(s.Id), s.Exists ? "kept" : "to do", String(s.Description)])));
        if (wipes.length > 0)
            print(`\nWiped (everything on them is lost):\n${table(["DISK", "SIZE", "MODEL", "SERIAL", "BECOMES"], wipes.map(w => [
                String(w.Id), formatBytes(Number(w.Size)), String(w.Model || "-"), String(w.Serial || "-"), String(w.Reason)]))}`);
        if (refused.length > 0)
            print(`\nNot used:\n${table(["DISK", "WHY"], refused.map(r => [String(r.Id), String(r.Reason)]))}`);
        for (const p of problems)
            print(`\nProblem: ${p}`);
        print(`\nToken: ${String(plan.Token)}`);
        if (wipes.length > 0 && word !== "zfs")
            print(`Wipes token: ${String(plan.WipesToken)} (for cluster join --profile ${word} --profile-wipes: the same disks, given to Ceph within the join)`);
        return 0;
    },
};

const storageApply: Command = {
    name: "storage apply",
    summary: "apply a storage profile with the token from storage plan",
    details: "Refused when the disks changed since the plan was shown: plan again. Applying again changes nothing.",
    options: {
        token: { type: "string", value: "TOKEN", help: "the Token storage plan printed (required)" },
        ...INCLUDE_OPTION,
        wait: { type: "boolean", help: "follow the job until it ends" },
        ...NO_ASK_OPTION,
    },
    positionals: { min: 1, max: 1 },
    async run(values, [word]) {
        if (typeof values.token !== "string" || values.token === "")
            throw new UsageError("--token is required: run storage plan first and pass its token");
        const [job] = await callMethod(MANAGER_PATH, MANAGER_IFACE, "ApplyProfile", [profileOf(word)], values,
            { token: new dbus.Variant("s", values.token), ...includeOptions(values) }) as [string];
        return printAndFollow(job, values);
    },
};

export const storageCommands: Command[] = [storagePlan, storageApply];
