// debvisorctl cluster maintenance|remove|leave: changes to a node of the
// cluster. Each shows its plan with --plan and changes nothing then; without
// it the change runs as a Job when its plan has no refusal (debvisord checks
// the plan again and refuses, naming every reason, when it has one).
import dbus from "dbus-next";
import { CLUSTER_IFACE, ROOT_PATH } from "../../../generated/dbus-contract.js";
import { UsageError, type Values } from "../args.js";
import { getProperties } from "../bus.js";
import { JSON_OPTION, NO_ASK_OPTION, WAIT_OPTION, type Command } from "../command.js";
import { printAndFollow } from "../job-follow.js";
import { callMethod } from "../method.js";
import { print, printJson } from "../output.js";

const CLUSTER_PATH = `${ROOT_PATH}/cluster`;
const PLAN_OPTION = { plan: { type: "boolean" as const, help: "show what would be done and why it would be refused; change nothing" } };

interface Plan { Node: string; Change: string; Steps: string[]; Refusals: string[]; Machines: string[]; MachinesKnown: boolean }

/* The plan in words; exit status 0 when the change could be made, 1 when it would be refused. */
async function showPlan(node: string, change: string, values: Values, options: Record<string, InstanceType<typeof dbus.Variant>> = {}): Promise<number> {
    const [plan] = await callMethod(CLUSTER_PATH, CLUSTER_IFACE, "PlanNodeChange", [node, change], values, options) as [Plan];
    if (values.json)
        printJson(plan);
    else {
        print(`Plan: ${change} ${node}`);
        print(`Machines running there: ${!plan.MachinesKnown ? "not known (it does not answer)" : plan.Machines.length > 0 ? plan.Machines.join(", ") : "none"}`);
        print(plan.Steps.map((s, i) => `  ${i + 1}. ${s}`).join("\n"));
        print(plan.Refusals.length > 0 ? `Refused:\n${plan.Refusals.map(r => `  - ${r}`).join("\n")}` : "It can be done.");
    }
    return plan.Refusals.length > 0 ? 1 : 0;
}

const maintenance: Command = {
    name: "cluster maintenance",
    args: "NODE on|off",
    summary: "put a node in maintenance (Ceph's noout on its host, its mark in the cluster) or take it out again",
    details: "Refused while machines run on the node, unless --move-machines says to move them to the other members\n" +
        "(live, spread over those up and out of maintenance) or --shut-down-machines says to shut them down cleanly.\n" +
        "For another member, that member plans and does it itself, asked over the cluster's channel.",
    options: {
        ...PLAN_OPTION,
        "move-machines": { type: "boolean", help: "move the machines that run there to other members first, live" },
        "shut-down-machines": { type: "boolean", help: "shut the machines that run there down cleanly first" },
        ...WAIT_OPTION, ...JSON_OPTION, ...NO_ASK_OPTION,
    },
    async run(values, [node, onOff]) {
        if (onOff !== "on" && onOff !== "off")
            throw new UsageError("the second argument is \"on\" (into maintenance) or \"off\" (out of it)");
        const options: Record<string, InstanceType<typeof dbus.Variant>> = {};
        for (const flag of ["shut-down-machines", "move-machines"])
            if (values[flag])
                options[flag] = new dbus.Variant("b", true);
        if (values.plan)
            return showPlan(node, onOff === "on" ? "enter-maintenance" : "leave-maintenance", values, options);
        const [job] = await callMethod(CLUSTER_PATH, CLUSTER_IFACE, onOff === "on" ? "EnterMaintenance" : "LeaveMaintenance", [node], values, options) as [string];
        return printAndFollow(job, values);
    },
};

const remove: Command = {
    name: "cluster remove",
    args: "NODE",
    summary: "remove a node that is gone from the cluster: its OSDs, CRUSH host, manager key, monitor and member record",
    details: "A node that still runs leaves by itself: \"debvisorctl cluster leave\" on it.",
    options: { ...PLAN_OPTION, ...WAIT_OPTION, ...JSON_OPTION, ...NO_ASK_OPTION },
    async run(values, [node]) {
        if (values.plan)
            return showPlan(node, "remove", values);
        const [job] = await callMethod(CLUSTER_PATH, CLUSTER_IFACE, "RemoveNode", [node], values) as [string];
        return printAndFollow(job, values);
    },
};

const leave: Command = {
    name: "cluster leave",
    summary: "take this node out of its cluster: its Ceph daemons go, it is in no cluster then",
    options: { ...PLAN_OPTION, ...WAIT_OPTION, ...JSON_OPTION, ...NO_ASK_OPTION },
    async run(values) {
        if (values.plan)
            return showPlan(String((await getProperties(CLUSTER_PATH, CLUSTER_IFACE)).NodeName), "leave", values);
        const [job] = await callMethod(CLUSTER_PATH, CLUSTER_IFACE, "Leave", [], values) as [string];
        return printAndFollow(job, values);
    },
};

export const clusterNodeCommands: Command[] = [maintenance, remove, leave];
