// Step 3: the storage profile the installer chose, applied through debvisord
// exactly as the Storage page does it: Manager.PlanProfile, then
// Manager.ApplyProfile with the plan's token, then the Job to its end. The
// plan goes to the step's log (and stdout, so the journal has it).
import fs from "node:fs";
import dbus from "dbus-next";
import { MANAGER_IFACE } from "../../generated/dbus-contract.js";
import { formatBytes } from "../lib/bytes.js";
import { parseProfile, PROFILE_FILE } from "../debvisord/host/facts.js";
import { call, MANAGER_PATH } from "../debvisorctl/bus.js";
import { followJob, ProgressReporter } from "../debvisorctl/job-follow.js";

type Row = Record<string, unknown>;

class StorageError extends Error {}

/* The profile the file names; null when there is no file; an error for a word that is no profile. */
export function profileFromFile(file = PROFILE_FILE): "zfs" | "ceph" | "mixed" | null {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        return null;
    }
    const profile = parseProfile(text);
    if (profile === "none") {
        const word = text.split("\n").map(l => l.trim()).find(l => l !== "" && !l.startsWith("#")) ?? "";
        throw new StorageError(`${file} names no storage profile${word ? ` (${JSON.stringify(word.slice(0, 80))})` : ""}: it must say zfs, ceph or mixed`);
    }
    return profile;
}

/* The plan in lines a person reads in the journal. */
function describePlan(plan: Row): string[] {
    const lines = [`plan for the profile ${String(plan.Profile)}:`];
    for (const s of plan.Steps as Row[])
        lines.push(`  ${s.Exists ? "kept " : "to do"} ${String(s.Id)}: ${String(s.Description)}`);
    for (const w of plan.Wipes as Row[])
        lines.push(`  wipes ${String(w.Id)} (${formatBytes(Number(w.Size))}): ${String(w.Reason)}`);
    for (const r of plan.Refused as Row[])
        lines.push(`  not used ${String(r.Id)}: ${String(r.Reason)}`);
    for (const p of plan.Problems as string[])
        lines.push(`  problem: ${p}`);
    return lines;
}

/* A node that is starting debvisord and probing its disks (or a cluster that does not answer yet) may take minutes on slow hardware. */
const CALL_TIMEOUT_MS = 300_000;
const noSpare = (problem: string) => /^no spare disk/.test(problem);

interface StorageResult { message: string; log: string[] }

export async function storageStep(profileFile = PROFILE_FILE, say: (line: string) => void = () => undefined): Promise<StorageResult> {
    const log: string[] = [];
    const note = (line: string) => {
        log.push(line);
        say(line);
    };
    const profile = profileFromFile(profileFile);
    if (!profile) {
        note(`${profileFile} is missing: no storage profile to apply`);
        return { message: `warning: no storage profile (${profileFile} is missing); nothing applied`, log };
    }
    const noAsk = { "auth.no_user_interaction": new dbus.Variant("b", true) };
    const [plan] = await call(MANAGER_PATH, MANAGER_IFACE, "PlanProfile", "sa{sv}", [profile, noAsk], { timeoutMs: CALL_TIMEOUT_MS }) as [Row];
    for (const line of describePlan(plan))
        note(line);
    const problems = plan.Problems as string[];
    if (problems.length > 0) {
        if (problems.every(noSpare))
            return { message: `warning: the profile ${profile} is not applied: ${problems.join("; ")} (a node installed on one disk keeps its VMs on it)`, log };
        throw new StorageError(`the plan for the profile ${profile} cannot be applied: ${problems.join("; ")}`);
    }
    if ((plan.Steps as Row[]).every(s => s.Exists)) {
        note(`the profile ${profile} is applied already`);
        return { message: `the profile ${profile} is applied already`, log };
    }
    const [job] = await call(MANAGER_PATH, MANAGER_IFACE, "ApplyProfile", "sa{sv}",
        [profile, { ...noAsk, token: new dbus.Variant("s", String(plan.Token)) }], { timeoutMs: CALL_TIMEOUT_MS }) as [string];
    note(`applying the profile ${profile}: job ${job}`);
    const outcome = await followJob(job, { noAsk: true, reporter: new ProgressReporter(process.stdout, false) });
    note(`job ${job} ${outcome.state}: ${outcome.message}`);
    if (outcome.state !== "succeeded")
        throw new StorageError(`applying the profile ${profile} ${outcome.state}: ${outcome.message}`);
    return { message: outcome.message, log };
}
