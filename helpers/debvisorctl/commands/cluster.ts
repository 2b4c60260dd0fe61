// debvisorctl cluster …: creating a cluster of DebVisor nodes, join tokens,
// joining, the members' health; and the two commands other nodes run here
// over SSH (the forced commands of debvisor-peer's keys), which hand their
// call to this node's debvisord.
import fs from "node:fs";
import dbus from "dbus-next";
import { CLUSTER_IFACE, ROOT_PATH } from "../../../generated/dbus-contract.js";
import { UsageError } from "../args.js";
import { getProperties } from "../bus.js";
import { JSON_OPTION, NO_ASK_OPTION, WAIT_OPTION, type Command } from "../command.js";
import { joinProfileOptions, PROFILE_OPTIONS } from "./storage.js";
import { callCommand } from "../call-command.js";
import { callMethod } from "../method.js";
import { peerChannel } from "./cluster-peer-channel.js";
import { fields, print, printJson, table } from "../output.js";

const CLUSTER_PATH = `${ROOT_PATH}/cluster`;
/** what a forced command reads from the calling node */
const MAX_REQUEST_BYTES = 64 * 1024;

const create = callCommand({
    name: "cluster create",
    args: "ADDRESS",
    summary: "make this node the first of a cluster, its Ceph monitor on ADDRESS (this node's address the others reach)",
    options: { ...WAIT_OPTION, ...NO_ASK_OPTION },
    path: CLUSTER_PATH, iface: CLUSTER_IFACE, method: "Create", prints: "job",
});

const token: Command = {
    name: "cluster token",
    summary: "make a join token for one new node (a secret; good for one join, 15 minutes unless --lifetime says)",
    details: "Give the token and this node's address to \"debvisorctl cluster join ADDRESS TOKEN\" on the new node.",
    options: { lifetime: { type: "string", value: "SECONDS", help: "how long the token is good for (1 to 86400)" }, ...JSON_OPTION, ...NO_ASK_OPTION },
    async run(values) {
        const options: Record<string, InstanceType<typeof dbus.Variant>> = {};
        if (typeof values.lifetime === "string") {
            if (!/^\d{1,6}$/.test(values.lifetime))
                throw new UsageError("--lifetime: a number of seconds");
            options["lifetime-seconds"] = new dbus.Variant("i", Number(values.lifetime));
        }
        const [text, expires] = await callMethod(CLUSTER_PATH, CLUSTER_IFACE, "MakeJoinToken", [], values, options) as [string, number | bigint];
        const until = new Date(Number(expires) / 1000).toISOString();
        if (values.json)
            printJson({ token: text, expires: until });
        else
            print(`${text}\n(good for one join until ${until})`);
        return 0;
    },
};

const join = callCommand({
    name: "cluster join",
    args: "ADDRESS TOKEN",
    summary: "join this node to the cluster of the member at ADDRESS with its TOKEN (\"-\": read it from standard input)",
    details: "With --profile and the Wipes token of storage plan, the node's spare disks become OSDs of the cluster within the join.",
    options: { ...PROFILE_OPTIONS, ...WAIT_OPTION, ...NO_ASK_OPTION },
    path: CLUSTER_PATH, iface: CLUSTER_IFACE, method: "Join",
    callArgs: ([address, given]) => [address, given === "-" ? fs.readFileSync(0, "utf8").trim() : given],
    callOptions: joinProfileOptions, prints: "job",
});

const status: Command = {
    name: "cluster status",
    summary: "this node's cluster and every member: address, health, load (1-minute average/CPUs), machines, when last seen, maintenance",
    details: "JSON has the Cluster object's properties and, as Machines, the other members' machines (Cluster.ListMachines).",
    options: JSON_OPTION,
    async run(values) {
        const p = await getProperties(CLUSTER_PATH, CLUSTER_IFACE);
        if (values.json) {
            const [machines] = await callMethod(CLUSTER_PATH, CLUSTER_IFACE, "ListMachines", [], values);
            printJson({ ...p, Machines: machines });
            return 0;
        }
        const nodes = (p.Nodes as Array<Record<string, unknown>>) ?? [];
        print(fields([["State", p.State], ["Node", p.NodeName], ["Address", p.Address], ["Ceph fsid", p.Fsid], ...p.LastError ? [["Problem", p.LastError] as [string, unknown]] : []]));
        if (nodes.length > 0)
            print(table(["NODE", "ADDRESS", "HEALTH", "LOAD", "MACHINES", "LAST SEEN", "NOTE"], nodes.map(n => [
                `${String(n.Name)}${n.Self ? " (this node)" : ""}`, String(n.Address), String(n.Health),
                Number(n.Load) >= 0 ? `${Number(n.Load).toFixed(2)}/${String(n.Cpus)}` : "-", `${String(n.RunningMachines)}/${String(n.Machines)} running`,
                n.LastSeen ? new Date(Number(n.LastSeen) / 1000).toISOString() : "never",
                [n.Maintenance ? "in maintenance" : "", String(n.Removal ?? "")].filter(Boolean).join("; "),
            ])));
        return 0;
    },
};

function readRequest(): string {
    const text = fs.readFileSync(0, "utf8");
    if (Buffer.byteLength(text) > MAX_REQUEST_BYTES)
        throw new UsageError(`the request is larger than ${MAX_REQUEST_BYTES} bytes`);
    return text;
}

const acceptJoin: Command = {
    name: "cluster accept-join",
    args: "TOKEN-ID",
    summary: "(run by a joining node over SSH) hand its request to debvisord",
    async run(_values, [id]) {
        const [answer] = await callMethod(CLUSTER_PATH, CLUSTER_IFACE, "AcceptJoin", [id, readRequest()], { "no-ask": true }) as [string];
        process.stdout.write(`${answer}\n`);
        return 0;
    },
};

const peerCall: Command = {
    name: "cluster peer-call",
    summary: "(run by another member over SSH) hand its call to debvisord",
    options: { from: { type: "string", value: "NODE", help: "the calling member, as its key's forced command names it" } },
    async run(values) {
        if (typeof values.from !== "string")
            throw new UsageError("--from NODE is required");
        const asked = process.env.SSH_ORIGINAL_COMMAND;
        if (asked)
            return peerChannel(values.from, asked);
        const [answer] = await callMethod(CLUSTER_PATH, CLUSTER_IFACE, "PeerCall", [values.from, readRequest()], { "no-ask": true }) as [string];
        process.stdout.write(`${answer}\n`);
        return 0;
    },
};

export const clusterCommands: Command[] = [create, token, join, status, acceptJoin, peerCall];
