import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { interfaceXml, parseIntrospection, splitSignature, type Members } from "../../helpers/lib/dbus-xml.js";
import * as z from "zod/mini";
import { HARDENING_IFACE, type PageManagerProperties, type PageMachineProperties, type PlainMachineGraphics, type PlainManagerFirstBoot } from "../../generated/dbus-contract.js";
import { plainDict, plainDicts, type Narrowed } from "../../pkg/lib/api/variants.js";
import { ACTION_ANNOTATION, contractMethods, method } from "../../helpers/debvisord/bus/call-pipeline.js";
import { optionsSchema } from "../../helpers/debvisord/validation.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const xml = fs.readFileSync(path.join(root, "dbus/org.debvisor.DebVisor1.xml"), "utf8");
const policy = fs.readFileSync(path.join(root, "dbus/org.debvisor.policy"), "utf8");
const busPolicy = fs.readFileSync(path.join(root, "dbus/org.debvisor.DebVisor1.conf"), "utf8");
const rules = fs.readFileSync(path.join(root, "dbus/50-debvisor.rules"), "utf8");
const ROLE_GROUPS = ["debvisor-admin", "debvisor-operator", "debvisor-viewer"];
const MUTATING = "org.debvisor.DebVisor1.Mutating";

/* The shipped polkit rule's verdict for a subject in `groups`, evaluated with a
 * stand-in for polkit's JavaScript API (polkitd itself is in the integration tests). */
function ruleVerdict(actionId: string, groups: string[], user = "someone"): string {
    const added: Array<(action: { id: string }, subject: { user: string; isInGroup(g: string): boolean }) => string> = [];
    const polkit = { addRule: (f: typeof added[number]) => added.push(f), Result: { YES: "yes", NO: "no", NOT_HANDLED: "not handled" } };
    new Function("polkit", rules)(polkit);
    return added[0]({ id: actionId }, { user, isInGroup: g => groups.includes(g) });
}

QUnit.module("D-Bus contract", () => {
    QUnit.test("a method table is held to the contract when it compiles", assert => {
        const table = contractMethods(HARDENING_IFACE, {
            Recheck: method({ args: z.tuple([optionsSchema({})]), run: async () => [] }),
            // @ts-expect-error Fix takes a check id (s) first, not a number: a schema that drifts from the XML does not compile
            Fix: method({ args: z.tuple([z.number(), optionsSchema({})]), run: async () => [] }),
            // @ts-expect-error the interface has no such method
            Repair: method({ args: z.tuple([optionsSchema({})]), run: async () => [] }),
        });
        assert.deepEqual(Object.keys(table), ["Recheck", "Fix", "Repair"], "the table itself is unchanged");
    });

    QUnit.test("every method names an action that the polkit policy defines", assert => {
        const actions = new Set([...policy.matchAll(/<action id="([^"]+)"/g)].map(m => m[1]));
        const methods = parseIntrospection(xml).flatMap(i => i.methods.map(m => ({ i: i.name, m })));
        assert.true(methods.length >= 4);
        for (const { i, m } of methods) {
            const action = m.annotations[ACTION_ANNOTATION];
            assert.true(action !== undefined && actions.has(action), `${i}.${m.name} → ${action}`);
        }
    });

    QUnit.test("the bus admits root and the DebVisor groups only, and refuses everyone else's calls and signal delivery", assert => {
        const policies = [...busPolicy.matchAll(/<policy ([a-z]+)="([^"]+)">([\s\S]*?)<\/policy>/g)].map(m => ({ kind: m[1], name: m[2], body: m[3] }));
        const admitted = policies.filter(p => p.body.includes('<allow send_destination="org.debvisor.DebVisor1"/>') &&
            p.body.includes('<allow receive_sender="org.debvisor.DebVisor1"/>')).map(p => `${p.kind}:${p.name}`);
        assert.deepEqual(admitted.sort(), ["group:debvisor-admin", "group:debvisor-operator", "group:debvisor-viewer", "user:root"]);
        const fallback = policies.find(p => p.kind === "context" && p.name === "default")?.body ?? "";
        assert.true(fallback.includes('<deny send_destination="org.debvisor.DebVisor1" send_type="method_call"/>'), "others may not call");
        // the bus checks send_destination for the signals it delivers to debvisord too: libvirt-dbus's domain events must reach it
        assert.false(/<deny send_destination="org\.debvisor\.DebVisor1"\s*\/>/.test(busPolicy), "signals from other services to debvisord are not refused");
        assert.true(fallback.includes('<deny receive_sender="org.debvisor.DebVisor1" receive_type="signal"/>'), "others hear no signal");
        assert.false(/<allow/.test(fallback), "the default context allows nothing");
        assert.false(/group="sudo"|context="mandatory"|at_console/.test(busPolicy), "administrative access is not a role");
        // the other nodes of a cluster (forced SSH commands as debvisor-peer): their two methods only
        const peer = policies.find(p => p.kind === "user" && p.name === "debvisor-peer")?.body ?? "";
        assert.deepEqual([...peer.matchAll(/<allow ([^>]*)\/>/g)].map(m => m[1]), ["AcceptJoin", "PeerCall"].map(member =>
            `send_destination="org.debvisor.DebVisor1" send_interface="org.debvisor.DebVisor1.Cluster" send_member="${member}"`));
    });

    QUnit.test("properties hold only what every admitted role may read: each reading method asks for a .read action, and the viewer role has them all", assert => {
        // properties carry the same data the reading methods return, to every admitted role;
        // that holds while every such method's action is one the viewer role is given
        const reading = parseIntrospection(xml).flatMap(i => i.methods.filter(m => m.annotations[MUTATING] !== "true")
            .map(m => ({ name: `${i.name}.${m.name}`, action: m.annotations[ACTION_ANNOTATION] ?? "" })));
        // OpenConsole gives access to a guest's console, not data; it is the operator's. PeerCall answers
        // the other nodes of a cluster only (org.debvisor.cluster.peer is given to the user debvisor-peer alone).
        // ListFiles and ReadFile take a guest's files out of a backup: a restore, the operator's
        const notRead = reading.filter(m => !m.action.endsWith(".read")).map(m => m.name);
        assert.deepEqual(notRead, ["org.debvisor.DebVisor1.Machine.OpenConsole", "org.debvisor.DebVisor1.BackupRepository.ListFiles",
            "org.debvisor.DebVisor1.BackupRepository.ReadFile", "org.debvisor.DebVisor1.Cluster.PeerCall"]);
        const actions = [...policy.matchAll(/<action id="([^"]+)"/g)].map(m => m[1]);
        for (const action of actions.filter(a => a.endsWith(".read"))) {
            for (const group of ROLE_GROUPS)
                assert.equal(ruleVerdict(action, [group]), "yes", `${group} may ${action}`);
        }
        assert.equal(ruleVerdict("org.debvisor.audit.export", ["debvisor-viewer"]), "not handled", "the stand-in tells roles apart");
        // the other nodes' calls: the peer user alone, which gets nothing else
        assert.equal(ruleVerdict("org.debvisor.cluster.peer", [], "debvisor-peer"), "yes");
        assert.equal(ruleVerdict("org.debvisor.cluster.peer", ["debvisor-admin"], "alice"), "no", "not even an admin answers as a node");
        assert.equal(ruleVerdict("org.debvisor.cluster.read", [], "debvisor-peer"), "no");
    });

    QUnit.test("every member and argument is named and documented", assert => {
        for (const iface of parseIntrospection(xml)) {
            assert.notEqual(iface.doc, "", iface.name);
            for (const m of [...iface.methods, ...iface.signals]) {
                assert.notEqual(m.doc, "", `${iface.name}.${m.name} has a doc comment`);
                for (const a of m.args)
                    assert.true(a.name.length > 0 && m.doc.includes(`@${a.name}`), `${m.name}(${a.name}) is documented`);
            }
            for (const p of iface.properties)
                assert.true(p.doc.startsWith(`${p.name}:`), `${iface.name}.${p.name} is documented`);
        }
    });

    QUnit.test("every dictionary the service sends declares its members' types, a nested dictionary's as well", assert => {
        const undeclared: string[] = [];
        const dictionary = (type: string) => type === "a{sv}" || type === "aa{sv}";
        const check = (where: string, members?: Members) => {
            if (!members)
                return undeclared.push(where);
            for (const [name, m] of Object.entries(members))
                if (dictionary(m.type))
                    check(`${where}.${name}`, m.members);
        };
        for (const iface of parseIntrospection(xml)) {
            for (const p of iface.properties.filter(p => dictionary(p.type)))
                check(`${iface.name}.${p.name}`, p.members);
            for (const m of iface.methods)
                for (const a of m.args.filter(a => a.direction === "out" && dictionary(a.type)))
                    check(`${iface.name}.${m.name} ${a.name}`, a.members);
        }
        assert.deepEqual(undeclared, []);
    });

    QUnit.test("a page reads a dictionary as the contract declares it, and no member the contract does not declare", assert => {
        // Machine.Graphics as cockpit.js hands it to a page: every member a variant, 64-bit numbers as numbers
        const wrapped: PageMachineProperties["Graphics"] = [{
            Type: { t: "s", v: "vnc" }, Port: { t: "x", v: -1 }, Listen: { t: "s", v: "" }, Socket: { t: "s", v: "/run/vnc" }, Access: { t: "s", v: "private" },
        }];
        const [graphics] = plainDicts<PlainMachineGraphics>(wrapped);
        assert.deepEqual([graphics.Type, graphics.Port, graphics.Socket], ["vnc", -1, "/run/vnc"], "declared members, unwrapped");
        // @ts-expect-error Graphics declares no Password: a page that reads a member the contract does not declare does not compile
        assert.strictEqual(graphics.Password, undefined);

        // a list of dictionaries inside one (FirstBoot's Steps) is unwrapped too, as its generated type says
        const firstBoot: PageManagerProperties["FirstBoot"] = {
            State: { t: "s", v: "done" }, Finished: { t: "t", v: 5 },
            Steps: { t: "aa{sv}", v: [{ Id: { t: "s", v: "bridge" }, Log: { t: "as", v: ["br0"] } }] },
        };
        const state = plainDict<PlainManagerFirstBoot>(firstBoot);
        assert.deepEqual([state.Steps[0].Id, state.Steps[0].Log], ["bridge", ["br0"]]);
        // @ts-expect-error a step declares no Output
        assert.strictEqual(state.Steps[0].Output, undefined);

        // a page may narrow a member to the values the contract lists, but not invent one
        type Narrow = Narrowed<PlainMachineGraphics[number], { Access: "private" | "network" }>;
        // @ts-expect-error Graphics declares no Password, so it cannot be narrowed either
        type Invented = Narrowed<PlainMachineGraphics[number], { Password: string }>;
        const narrowed: Narrow = { ...graphics, Access: "private" };
        const invented: Partial<Invented> = {};
        assert.deepEqual([narrowed.Access, Object.keys(invented)], ["private", []]);
    });

    QUnit.test("signatures split into complete types; interfaces are cut out with their comment", assert => {
        assert.deepEqual(splitSignature("sa{sv}aa{sv}(iu)o"), ["s", "a{sv}", "aa{sv}", "(iu)", "o"]);
        const manager = interfaceXml(xml, "org.debvisor.DebVisor1.Manager");
        assert.true(manager.trim().startsWith("<!--"));
        assert.true(manager.trim().endsWith("</interface>"));
    });
});
