// debvisorctl backup …: restic repositories, backing a machine up and
// restoring a backup as a new machine, through the same methods as the page.
// A repository's password is read from a file or standard input, never from
// the command line (which every user can read in ps).
import fs from "node:fs";
import dbus from "dbus-next";
import { BACKUPREPOSITORY_IFACE, BACKUPS_IFACE, ROOT_PATH } from "../../../generated/dbus-contract.js";
import { unwrap } from "../../lib/variants.js";
import { UsageError } from "../args.js";
import { CliError, managedObjects, objectsWith, type Properties } from "../bus.js";
import { JSON_OPTION, NO_ASK_OPTION, type Command } from "../command.js";
import { printAndFollow } from "../job-follow.js";
import { callMethod } from "../method.js";
import { print, printJson, table } from "../output.js";
import { callMachine, findMachine } from "./machine-lookup.js";

const BACKUPS_PATH = `${ROOT_PATH}/backups`;
const WAIT_OPTION = { wait: { type: "boolean" as const, help: "wait until the job ends, with progress; Ctrl-C cancels it" } };

type Found = Properties & { Path: string };

async function repositories(): Promise<Found[]> {
    return objectsWith(await managedObjects(), BACKUPREPOSITORY_IFACE).sort((a, b) => String(a.Name).localeCompare(String(b.Name)));
}

async function findRepository(name: string): Promise<Found> {
    const found = (await repositories()).find(r => r.Name === name);
    if (!found)
        throw new CliError(`no backup repository named "${name}" (debvisorctl backup repo-list)`, "NotFound");
    return found;
}

/* The first line of a file, or of standard input for "-". */
function readSecret(file: string, what: string): string {
    let text: string;
    try {
        text = fs.readFileSync(file === "-" ? 0 : file, "utf8");
    } catch (e) {
        throw new UsageError(`cannot read the ${what} from ${file === "-" ? "standard input" : file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return text.split(/\r?\n/)[0];
}

const repoAdd: Command = {
    name: "backup repo-add",
    args: "NAME LOCATION",
    summary: "add a restic repository (a directory, sftp:USER@HOST:PATH); makes it when there is none",
    details: "The password is read from --password-file (\"-\": standard input), never from the command line. " +
        "It is stored root-only on this host and cannot be shown again: keep a copy somewhere safe, since a lost " +
        "password cannot be recovered and the backups are then unreadable.",
    options: {
        "password-file": { type: "string", value: "FILE", help: "read the repository password from FILE (\"-\": standard input)" },
        "ssh-key-file": { type: "string", value: "FILE", help: "an SFTP repository: log in with this private key" },
        create: { type: "boolean", help: "make a new repository; refuse a location that has one" },
        existing: { type: "boolean", help: "only open an existing repository; refuse a location without one" },
        ...JSON_OPTION, ...NO_ASK_OPTION,
    },
    positionals: { min: 2, max: 2 },
    async run(values, [name, location]) {
        if (typeof values["password-file"] !== "string")
            throw new UsageError("give the password with --password-file FILE (or --password-file - to read it from standard input)");
        if (values.create && values.existing)
            throw new UsageError("--create and --existing exclude each other");
        const options: Record<string, InstanceType<typeof dbus.Variant>> = {};
        if (typeof values["ssh-key-file"] === "string")
            options["ssh-private-key"] = new dbus.Variant("s", fs.readFileSync(values["ssh-key-file"], "utf8"));
        if (values.create || values.existing)
            options.create = new dbus.Variant("b", values.create === true);
        const [path, notice] = await callMethod(BACKUPS_PATH, BACKUPS_IFACE, "AddRepository",
            [name, location, readSecret(values["password-file"], "password")], values, options) as [string, string];
        if (values.json)
            printJson({ repository: path, notice });
        else
            print(notice);
        return 0;
    },
};

const repoList: Command = {
    name: "backup repo-list",
    summary: "the backup repositories: name, kind, location",
    options: JSON_OPTION,
    async run(values) {
        const list = await repositories();
        if (values.json)
            printJson(list);
        else
            print(table(["NAME", "KIND", "LOCATION"], list.map(r => [String(r.Name), String(r.Kind), String(r.Location)])));
        return 0;
    },
};

const repoRemove: Command = {
    name: "backup repo-remove",
    args: "NAME",
    summary: "forget a repository and its password; its backups stay where they are",
    options: NO_ASK_OPTION,
    positionals: { min: 1, max: 1 },
    async run(values, [name]) {
        await callMethod((await findRepository(name)).Path, BACKUPREPOSITORY_IFACE, "Remove", [], values);
        return 0;
    },
};

const backupNow: Command = {
    name: "backup now",
    args: "MACHINE REPOSITORY",
    summary: "back a machine up (running or not) into a repository; prints the job, --wait follows it",
    options: { ...WAIT_OPTION, ...NO_ASK_OPTION },
    positionals: { min: 2, max: 2 },
    async run(values, [machine, repository]) {
        const [job] = await callMachine(machine, "Backup", values, {}, [repository]) as [string];
        return printAndFollow(job, values);
    },
};

const backupList: Command = {
    name: "backup list",
    args: "REPOSITORY",
    summary: "the backups in a repository, oldest first (--machine: of one machine, also a deleted one, by UUID)",
    options: { machine: { type: "string", value: "NAME|UUID", help: "only this machine's backups" }, ...JSON_OPTION, ...NO_ASK_OPTION },
    positionals: { min: 1, max: 1 },
    async run(values, [repository]) {
        const options: Record<string, InstanceType<typeof dbus.Variant>> = {};
        if (typeof values.machine === "string") {
            const uuid = /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/.test(values.machine) ? values.machine : String((await findMachine(values.machine)).UUID);
            options["machine-uuid"] = new dbus.Variant("s", uuid);
        }
        const [raw] = await callMethod((await findRepository(repository)).Path, BACKUPREPOSITORY_IFACE, "ListBackups", [], values, options);
        const backups = unwrap(raw) as Array<Record<string, unknown>>;
        if (values.json)
            printJson(backups);
        else
            print(table(["ID", "TIME", "MACHINE", "UUID", "CONSISTENCY"], backups.map(b => [
                String(b.Id), new Date(Number(BigInt(b.Time as bigint) / 1000n)).toISOString().replace(/\.\d+Z$/, "Z"),
                String(b.MachineName), String(b.MachineUUID), String(b.Consistency),
            ])));
        return 0;
    },
};

const backupRestore: Command = {
    name: "backup restore",
    args: "REPOSITORY BACKUP-ID NEW-NAME",
    summary: "restore a backup as a new machine (new UUID and MAC addresses); prints the machine and the job",
    options: { ...WAIT_OPTION, ...NO_ASK_OPTION },
    positionals: { min: 3, max: 3 },
    async run(values, [repository, id, newName]) {
        const [machine, job] = await callMethod((await findRepository(repository)).Path, BACKUPREPOSITORY_IFACE, "Restore",
            [id, newName], values) as [string, string];
        print(machine);
        return printAndFollow(job, values);
    },
};

export const backupCommands: Command[] = [repoAdd, repoList, repoRemove, backupNow, backupList, backupRestore];
