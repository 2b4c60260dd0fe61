// debvisorctl backup …: restic repositories, backing a machine up and
// restoring a backup as a new machine, through the same methods as the page.
// A repository's password is read from a file or standard input, never from
// the command line (which every user can read in ps).
import fs from "node:fs";
import dbus from "dbus-next";
import { BACKUPREPOSITORY_IFACE, BACKUPS_IFACE, MACHINE_IFACE, ROOT_PATH } from "../../../generated/dbus-contract.js";
import { formatBytes } from "../../lib/bytes.js";
import { unwrap } from "../../lib/variants.js";
import { UsageError } from "../args.js";
import { findObject, objectsByName } from "../bus.js";
import { JSON_OPTION, NO_ASK_OPTION, WAIT_OPTION, type Command } from "../command.js";
import { printAndFollow } from "../job-follow.js";
import { callCommand, listCommand } from "../call-command.js";
import { callMethod, passOptions } from "../method.js";
import { print, printJson, printList, tableOf, timeText } from "../output.js";
import { findMachine, machinePath } from "./machine-lookup.js";

const BACKUPS_PATH = `${ROOT_PATH}/backups`;

const findRepository = (name: string) =>
    findObject(BACKUPREPOSITORY_IFACE, r => r.Name === name, `no backup repository named "${name}" (debvisorctl backup repo-list)`);

/* The lines of a file, or of standard input for "-". */
function readLines(file: string, what: string): string[] {
    try {
        return fs.readFileSync(file === "-" ? 0 : file, "utf8").split(/\r?\n/);
    } catch (e) {
        throw new UsageError(`cannot read the ${what} from ${file === "-" ? "standard input" : file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
}

const readSecret = (file: string, what: string) => readLines(file, what)[0];

/* A REST server's user and password, or S3's access key id and secret access key: the first two
 * lines of a file (never the command line, which every user can read in ps). */
function readCredentials(file: string): [string, string] {
    const [first = "", second = ""] = readLines(file, "credentials");
    if (!first || !second)
        throw new UsageError(`${file}: the credentials file has two lines: the user (or S3 access key id), then the password (or S3 secret access key)`);
    return [first, second];
}

/* The options a repository of each kind takes beside its password. */
function credentialOptions(location: string, values: Record<string, unknown>): Record<string, InstanceType<typeof dbus.Variant>> {
    const options: Record<string, InstanceType<typeof dbus.Variant>> = {};
    if (typeof values["ssh-key-file"] === "string")
        options["ssh-private-key"] = new dbus.Variant("s", fs.readFileSync(values["ssh-key-file"], "utf8"));
    if (typeof values["credentials-file"] === "string") {
        const [user, secret] = readCredentials(values["credentials-file"]);
        const [userOption, secretOption] = location.startsWith("s3:") ? ["s3-access-key-id", "s3-secret-access-key"] : ["rest-user", "rest-password"];
        options[userOption] = new dbus.Variant("s", user);
        options[secretOption] = new dbus.Variant("s", secret);
    }
    if (typeof values["ca-file"] === "string")
        options["ca-certificate"] = new dbus.Variant("s", fs.readFileSync(values["ca-file"], "utf8"));
    return options;
}

const repoAdd: Command = {
    name: "backup repo-add",
    args: "NAME LOCATION",
    summary: "add a restic repository (a directory, sftp:USER@HOST:PATH, rest:https://HOST:PORT/PATH, s3:https://HOST/BUCKET); makes it when there is none",
    details: "The password is read from --password-file (\"-\": standard input), never from the command line. " +
        "It is stored root-only on this host and cannot be shown again: keep a copy somewhere safe, since a lost " +
        "password cannot be recovered and the backups are then unreadable. A REST server's user and password and " +
        "S3's keys are read from --credentials-file and stored root-only as well; the location never holds them.",
    options: {
        "password-file": { type: "string", value: "FILE", help: "read the repository password from FILE (\"-\": standard input)" },
        "ssh-key-file": { type: "string", value: "FILE", help: "an SFTP repository: log in with this private key" },
        "credentials-file": { type: "string", value: "FILE", help: "a REST server: its user and password; S3: the access key id and secret access key (two lines; \"-\": standard input)" },
        "ca-file": { type: "string", value: "FILE", help: "https: the PEM certificate of the CA that signed the server's certificate" },
        create: { type: "boolean", help: "make a new repository; refuse a location that has one" },
        existing: { type: "boolean", help: "only open an existing repository; refuse a location without one" },
        ...JSON_OPTION, ...NO_ASK_OPTION,
    },
    async run(values, [name, location]) {
        if (typeof values["password-file"] !== "string")
            throw new UsageError("give the password with --password-file FILE (or --password-file - to read it from standard input)");
        if (values.create && values.existing)
            throw new UsageError("--create and --existing exclude each other");
        if (values["password-file"] === "-" && values["credentials-file"] === "-")
            throw new UsageError("only one of --password-file and --credentials-file can read standard input");
        const options = credentialOptions(location, values);
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

const repoList = listCommand({
    name: "backup repo-list",
    summary: "the backup repositories: name, kind, location",
    items: () => objectsByName(BACKUPREPOSITORY_IFACE),
    headers: ["NAME", "KIND", "LOCATION"],
    row: r => [String(r.Name), String(r.Kind), String(r.Location)],
});

/* The repository's path for a command whose first argument names it. */
const repositoryPath = async ([name]: string[]) => (await findRepository(name)).Path;

const repoRemove = callCommand({
    name: "backup repo-remove",
    args: "NAME",
    summary: "forget a repository and its password; its backups stay where they are",
    options: NO_ASK_OPTION,
    path: repositoryPath, iface: BACKUPREPOSITORY_IFACE, method: "Remove", callArgs: () => [],
});

const backupNow = callCommand({
    name: "backup now",
    args: "MACHINE REPOSITORY",
    summary: "back a machine up (running or not) into a repository; prints the job, --wait follows it",
    options: { ...WAIT_OPTION, ...NO_ASK_OPTION },
    path: machinePath, iface: MACHINE_IFACE, method: "Backup", callArgs: ([, repository]) => [repository], prints: "job",
});

const backupList: Command = {
    name: "backup list",
    args: "REPOSITORY",
    summary: "the backups in a repository, oldest first (--machine: of one machine, also a deleted one, by UUID)",
    options: { machine: { type: "string", value: "NAME|UUID", help: "only this machine's backups" }, ...JSON_OPTION, ...NO_ASK_OPTION },
    async run(values, [repository]) {
        const options: Record<string, InstanceType<typeof dbus.Variant>> = {};
        if (typeof values.machine === "string") {
            const uuid = /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/.test(values.machine) ? values.machine : String((await findMachine(values.machine)).UUID);
            options["machine-uuid"] = new dbus.Variant("s", uuid);
        }
        const [raw] = await callMethod((await findRepository(repository)).Path, BACKUPREPOSITORY_IFACE, "ListBackups", [], values, options);
        const backups = unwrap(raw) as Array<Record<string, unknown>>;
        return printList(values, backups, tableOf(["ID", "TIME", "MACHINE", "UUID", "CONSISTENCY", "SIZE"], b => [
            String(b.Id), timeText(b.Time).replace(/\.\d+Z$/, "Z"),
            String(b.MachineName), String(b.MachineUUID), String(b.Consistency), b.Size === undefined ? "-" : formatBytes(Number(b.Size)),
        ]));
    },
};

const backupRestore: Command = {
    name: "backup restore",
    args: "REPOSITORY BACKUP-ID [NEW-NAME]",
    summary: "restore a backup as a new machine (new UUID and MAC addresses), or with --over-original over the machine it was made of",
    details: "As a new machine it prints the machine and the job. --over-original (admins only) puts the backup back over the " +
        "shut-off machine it was made of, and first prints what is lost: each disk's writes since the backup, the disks the " +
        "backup does not have (detached, their files kept), the settings changed since; --disk vdb (or vda,vdb) puts back only " +
        "those disks' contents; --dry-run prints what would be lost and changes nothing.",
    options: {
        "over-original": { type: "boolean", help: "restore over the machine the backup was made of (it must be shut off)" },
        disk: { type: "string", value: "TARGET[,TARGET…]", help: "with --over-original: only these disks (e.g. vdb)" },
        "dry-run": { type: "boolean", help: "with --over-original: print what would be lost, change nothing" },
        ...WAIT_OPTION, ...NO_ASK_OPTION,
    },
    async run(values, [repository, id, newName]) {
        const path = (await findRepository(repository)).Path;
        if (!values["over-original"]) {
            if (newName === undefined)
                throw new UsageError("give the new machine's name (or --over-original to restore over the machine the backup was made of)");
            if (values.disk !== undefined || values["dry-run"])
                throw new UsageError("--disk and --dry-run go with --over-original");
            const [machine, job] = await callMethod(path, BACKUPREPOSITORY_IFACE, "Restore", [id, newName], values) as [string, string];
            print(machine);
            return printAndFollow(job, values);
        }
        if (newName !== undefined)
            throw new UsageError("--over-original keeps the machine's name: leave out NEW-NAME");
        const options: Record<string, InstanceType<typeof dbus.Variant>> = {};
        if (typeof values.disk === "string")
            options.disks = new dbus.Variant("as", values.disk.split(","));
        if (values["dry-run"])
            options["dry-run"] = new dbus.Variant("b", true);
        const [job, lost] = await callMethod(path, BACKUPREPOSITORY_IFACE, "RestoreOverOriginal", [id], values, options) as [string, string[]];
        print(`${values["dry-run"] ? "Would lose" : "Lost"}:\n${lost.map(l => `  ${l}`).join("\n")}`);
        return values["dry-run"] ? 0 : printAndFollow(job, values);
    },
};

const backupRestoreDisk = callCommand({
    name: "backup restore-disk",
    args: "REPOSITORY BACKUP-ID DISK",
    summary: "restore one disk of a backup (e.g. vdb) as a new volume in the pool for new disks; prints the volume and the job",
    details: "--attach also attaches it to the machine the backup was made of, as its next free disk. " +
        "To put a disk back over the machine's own, use: backup restore REPOSITORY BACKUP-ID --over-original --disk DISK.",
    options: {
        name: { type: "string", value: "NAME", help: "the new volume's name, without extension (default MACHINE-DISK-ID)" },
        attach: { type: "boolean", help: "attach it to the machine the backup was made of" },
        ...WAIT_OPTION, ...NO_ASK_OPTION,
    },
    path: repositoryPath, iface: BACKUPREPOSITORY_IFACE, method: "RestoreDisk",
    callArgs: ([, id, disk]) => [id, disk], callOptions: values => passOptions(values, { name: "s", attach: "b" }),
    prints: "job",
});

const backupFiles = listCommand({
    name: "backup files",
    args: "REPOSITORY BACKUP-ID DISK [PATH]",
    summary: "list a directory of a backed-up disk (ext2/3/4; the disk is read, never mounted or restored)",
    details: "PATH defaults to /. On a disk with partitions, / lists them and /1/etc is /etc of partition 1. " +
        "The first call on a disk takes it out of the repository, which takes as long as reading the disk.",
    options: { ...JSON_OPTION, ...NO_ASK_OPTION },
    async items(values, [repository, id, disk, path = "/"]) {
        const [raw] = await callMethod(await repositoryPath([repository]), BACKUPREPOSITORY_IFACE, "ListFiles", [id, disk, path], values);
        return unwrap(raw) as Array<Record<string, unknown>>;
    },
    headers: ["TYPE", "SIZE", "MODE", "NAME"],
    row: e => [
        String(e.Type) + (e.FsType !== undefined ? ` (${String(e.FsType) || "unknown"})` : ""), formatBytes(Number(e.Size)),
        Number(e.Mode).toString(8).padStart(4, "0"), JSON.stringify(String(e.Name)).slice(1, -1),
    ],
});

const backupDownload: Command = {
    name: "backup download",
    args: "REPOSITORY BACKUP-ID DISK PATH",
    summary: "write one file of a backed-up disk to standard output (backup download … > FILE); files up to 64 MiB",
    options: NO_ASK_OPTION,
    async run(values, [repository, id, disk, path]) {
        if (process.stdout.isTTY)
            throw new UsageError("the file goes to standard output: redirect it to a file (> FILE)");
        const where = await repositoryPath([repository]);
        // bounded: every answer brings at least one byte or ends the loop, and the daemon caps the size
        for (let offset = 0n, size = 1n; offset < size;) {
            const [data, total] = await callMethod(where, BACKUPREPOSITORY_IFACE, "ReadFile", [id, disk, path, offset], values) as [Buffer, bigint];
            size = BigInt(total);
            if (data.length === 0)
                break;
            offset += BigInt(data.length);
            if (!process.stdout.write(data))
                await new Promise(resolve => process.stdout.once("drain", resolve));
        }
        return 0;
    },
};

export const backupCommands: Command[] = [repoAdd, repoList, repoRemove, backupNow, backupList, backupRestore, backupRestoreDisk, backupFiles, backupDownload];
