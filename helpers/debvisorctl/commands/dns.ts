// debvisorctl dns zones|records|add|delete|keys|rotate|registrations|register-host|register-machine|add-zone|remove-zone|generate-key
import fs from "node:fs";
import dbus from "dbus-next";
import { DNS_IFACE, DNSKEY_IFACE, DNSZONE_IFACE, IN_SIGNATURES, ROOT_PATH, type ContractMethod } from "../../../generated/dbus-contract.js";
import { UsageError, wholeNumber, type Values } from "../args.js";
import { call, managedObjects, objectsByName, objectsWith } from "../bus.js";
import { callCommand, listCommand } from "../call-command.js";
import { JSON_OPTION, NO_ASK_OPTION, type Command } from "../command.js";
import { findMachine } from "./machine-lookup.js";
import { callMethod, passOptions } from "../method.js";
import { print } from "../output.js";

type Variant = InstanceType<typeof dbus.Variant>;
type RecordTuple = [string, string, number, string];
const DNS_PATH = `${ROOT_PATH}/dns`;
const PAGE = 10_000;

function dns(values: Values, member: ContractMethod<typeof DNS_IFACE>, args: unknown[], options: Record<string, Variant> = {}) {
    return callMethod(DNS_PATH, DNS_IFACE, member, args, values, options);
}

function date(micros: unknown): string {
    const n = Number(micros);
    return n > 0 ? new Date(n / 1000).toISOString().slice(0, 16).replace("T", " ") : "-";
}

const zones = listCommand({
    name: "dns zones",
    summary: "the DNS zones this node manages, with their primary, serial and last error",
    items: () => objectsByName(DNSZONE_IFACE),
    headers: ["ZONE", "PRIMARY", "LOCAL", "SERIAL", "RECORDS", "FAILED", "LAST ERROR"],
    row: z => [
        String(z.Name), `${String(z.Server)}:${String(z.Port)}`, z.Local ? "yes" : "no", String(z.Serial),
        Number(z.RecordCount) < 0 ? "-" : String(z.RecordCount), String(z.FailedUpdates), String(z.LastError) || "-",
    ],
});

const records = listCommand({
    name: "dns records",
    args: "ZONE",
    summary: "the records of a zone (read by zone transfer)",
    options: {
        name: { type: "string", value: "TEXT", help: "only names containing TEXT" },
        type: { type: "string", value: "TYPE", help: "only records of this type" },
        ...JSON_OPTION,
    },
    async items(values, [zone]) {
        const options = passOptions(values, { name: "s", type: "s" });
        const all: RecordTuple[] = [];
        for (let offset = 0, total = 1; offset < total && offset < 10_000_000; offset += PAGE) {
            const [page, count] = await call(DNS_PATH, DNS_IFACE, "ListRecords", IN_SIGNATURES[DNS_IFACE].ListRecords, [zone, offset, PAGE, options]) as [RecordTuple[], number];
            all.push(...page);
            total = count;
        }
        return all.map(([name, type, ttl, data]) => ({ name, type, ttl, data }));
    },
    headers: ["NAME", "TYPE", "TTL", "DATA"],
    row: r => [r.name, r.type, String(r.ttl), r.data],
});

/* "name type ttl data…" lines of a batch file; "#" starts a comment. */
function parseBatchFile(text: string): RecordTuple[] {
    return text.split("\n").map(l => l.trim()).filter(l => l && !l.startsWith("#")).map((line, i) => {
        const m = /^(\S+)\s+(\S+)\s+(\d+)\s+(.+)$/.exec(line);
        if (!m)
            throw new UsageError(`line ${i + 1}: write "NAME TYPE TTL DATA"`);
        return [m[1], m[2], Number(m[3]), m[4]];
    });
}

const add: Command = {
    name: "dns add",
    args: "ZONE [NAME TYPE DATA]",
    summary: "add or replace records: one from the arguments, or a batch from a file as one update",
    details: "An added record replaces the records of the same name and type. --file reads lines \"NAME TYPE TTL DATA\"\n" +
        "(\"-\" reads standard input); the whole batch goes to the server as one update message.",
    options: {
        ttl: { type: "string", value: "SECONDS", help: "time to live (default 300)" },
        file: { type: "string", value: "FILE", help: "a batch of records" },
        ptr: { type: "boolean", help: "keep the PTR records of A and AAAA records in step" },
        ...NO_ASK_OPTION,
    },
    async run(values, [zone, name, type, data]) {
        let batch: RecordTuple[];
        if (values.file !== undefined) {
            if (name !== undefined)
                throw new UsageError("give either NAME TYPE DATA or --file");
            batch = parseBatchFile(fs.readFileSync(values.file === "-" ? 0 : String(values.file), "utf8"));
        } else {
            if (data === undefined)
                throw new UsageError("give NAME TYPE DATA, or --file");
            batch = [[name, type, values.ttl === undefined ? 300 : wholeNumber(values.ttl, "--ttl"), data]];
        }
        await dns(values, "UpsertRecords", [zone, batch], passOptions(values, { ptr: "b" }));
        print(`${batch.length} record${batch.length === 1 ? "" : "s"} written to ${zone}`);
        return 0;
    },
};

const remove = callCommand({
    name: "dns delete",
    args: "ZONE NAME [TYPE [DATA]]",
    summary: "delete records: one (with DATA), a whole set (with TYPE), or every record of a name",
    options: { ptr: { type: "boolean", help: "remove the PTR records of deleted addresses too" }, ...NO_ASK_OPTION },
    path: DNS_PATH, iface: DNS_IFACE, method: "DeleteRecords",
    callArgs: ([zone, name, type, data]) => [zone, [[name, type ?? "ANY", 0, data ?? ""]]], callOptions: values => passOptions(values, { ptr: "b" }),
    prints: (_reply, [zone]) => `deleted from ${zone}`,
});

const keys = listCommand({
    name: "dns keys",
    summary: "the TSIG keys: scope, age, when rotation is due, zones using them (never the secrets)",
    items: () => objectsByName(DNSKEY_IFACE),
    headers: ["KEY", "TSIG NAME", "SCOPE", "CREATED", "ROTATION DUE", "STATE", "ZONES"],
    row: k => [
        String(k.Name), String(k.TsigName), String(k.Scope), date(k.Created), date(k.RotationDue),
        k.Rotation ? `rotation stopped before "${String(k.Rotation)}"` : k.Overdue ? "OVERDUE" : "ok",
        (k.Zones as string[]).join(", ") || "-",
    ],
});

const rotate = callCommand({
    name: "dns rotate",
    args: "KEY",
    summary: "rotate a key without downtime: both secrets valid while clients switch (a job, each step audited)",
    options: {
        overlap: { type: "string", value: "SECONDS", help: "how long both secrets stay valid after the switch (default 5)" },
        wait: { type: "boolean", help: "follow the job until it ends" },
        ...NO_ASK_OPTION,
    },
    path: DNS_PATH, iface: DNS_IFACE, method: "RotateKey", prints: "job",
    callOptions: (values): Record<string, Variant> => values.overlap === undefined ? {} : { "overlap-seconds": new dbus.Variant("u", wholeNumber(values.overlap, "--overlap")) },
});

const registerHost: Command = {
    name: "dns register-host",
    summary: "write this host's A/AAAA records (and PTR where a reverse zone is managed)",
    options: {
        zone: { type: "string", value: "ZONE", help: "the zone (default: the only one, or the first local one)" },
        name: { type: "string", value: "NAME", help: "the host's name in the zone (default: its host name)" },
        addresses: { type: "string", value: "A,B", help: "the addresses (default: the host's global addresses)" },
        ...NO_ASK_OPTION,
    },
    async run(values) {
        const o = passOptions(values, { zone: "s", name: "s" });
        passAddresses(values, o);
        await dns(values, "RegisterHost", [], o);
        print("registered");
        return 0;
    },
};

/* --addresses A,B as the call's "addresses" option. */
function passAddresses(values: Values, options: Record<string, Variant>): void {
    if (values.addresses !== undefined)
        options.addresses = new dbus.Variant("as", String(values.addresses).split(",").map(a => a.trim()).filter(Boolean));
}

const registrations = listCommand({
    name: "dns registrations",
    summary: "the names this node wrote for itself and its machines; a machine that moved to another member with the node it runs on",
    async items() {
        const [object] = objectsWith(await managedObjects(), DNS_IFACE);
        return ((object?.Registrations ?? []) as Array<Record<string, unknown>>).sort((a, b) => String(a.Name).localeCompare(String(b.Name)));
    },
    headers: ["NAME", "KIND", "ADDRESSES", "NODE", "STATUS"],
    row: r => [String(r.Name), String(r.Kind), (r.Addresses as string[]).join(",") || "-", String(r.Node ?? "") || "-", String(r.Error) || "written"],
});

const registerMachine: Command = {
    name: "dns register-machine",
    args: "MACHINE",
    summary: "write a machine's A/AAAA records (and PTR where a reverse zone is managed)",
    options: {
        zone: { type: "string", value: "ZONE", help: "the zone (default: the one machines register in)" },
        addresses: { type: "string", value: "A,B", help: "the addresses (default: those the machine reports)" },
        ...NO_ASK_OPTION,
    },
    async run(values, [name]) {
        const o = passOptions(values, { zone: "s" });
        passAddresses(values, o);
        await dns(values, "RegisterMachine", [(await findMachine(name)).Path], o);
        print("registered");
        return 0;
    },
};

const addZone = callCommand({
    name: "dns add-zone",
    args: "ZONE SERVER",
    summary: "manage a zone: on this node's named (--local) or on another primary with an existing key",
    options: {
        port: { type: "string", value: "PORT", help: "the primary's DNS port (default 53)" },
        local: { type: "boolean", help: "this node's named is the primary: create the zone and its keys" },
        "zone-key": { type: "string", value: "KEY", help: "the key that may update any record" },
        "transfer-key": { type: "string", value: "KEY", help: "the key for zone transfers (listing)" },
        "node-key": { type: "string", value: "KEY", help: "the key for node* names" },
        "vm-key": { type: "string", value: "KEY", help: "the key for vm* names" },
        "register-machines": { type: "boolean", help: "virtual machines get their records in this zone" },
        ...NO_ASK_OPTION,
    },
    path: DNS_PATH, iface: DNS_IFACE, method: "AddZone",
    callArgs: ([zone, server], values) => [zone, server, values.port === undefined ? 53 : wholeNumber(values.port, "--port")],
    callOptions: values => passOptions(values, { local: "b", "register-machines": "b", "zone-key": "s", "transfer-key": "s", "node-key": "s", "vm-key": "s" }),
    prints: ([path]) => String(path),
});

const removeZone = callCommand({
    name: "dns remove-zone",
    args: "ZONE",
    summary: "stop managing a zone (and serving it, when local)",
    options: { "delete-data": { type: "boolean", help: "delete a local zone's file too" }, ...NO_ASK_OPTION },
    path: DNS_PATH, iface: DNS_IFACE, method: "RemoveZone", callOptions: values => passOptions(values, { "delete-data": "b" }),
    prints: (_reply, [zone]) => `${zone} removed`,
});

const generateKey = callCommand({
    name: "dns generate-key",
    args: "KEY",
    summary: "make a TSIG key (its file for clients: /etc/debvisor/dns/keys/KEY.key)",
    options: {
        scope: { type: "string", value: "SCOPE", help: "zone, node, vm or transfer (default zone)" },
        algorithm: { type: "string", value: "ALG", help: "hmac-sha256 (default), hmac-sha384 or hmac-sha512" },
        "rotation-days": { type: "string", value: "DAYS", help: "rotation period (default 90; 0 never due)" },
        ...NO_ASK_OPTION,
    },
    path: DNS_PATH, iface: DNS_IFACE, method: "GenerateKey",
    callOptions: values => ({
        ...passOptions(values, { scope: "s", algorithm: "s" }),
        ...values["rotation-days"] === undefined ? {} : { "rotation-days": new dbus.Variant("u", wholeNumber(values["rotation-days"], "--rotation-days")) },
    }),
    prints: ([path]) => String(path),
});

export const dnsCommands: Command[] = [zones, records, add, remove, keys, rotate, registrations, registerHost, registerMachine, addZone, removeZone, generateKey];
