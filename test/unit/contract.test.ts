import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { interfaceXml, parseIntrospection, splitSignature } from "../../helpers/lib/dbus-xml.js";
import { ACTION_ANNOTATION } from "../../helpers/debvisord/bus/call-pipeline.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const xml = fs.readFileSync(path.join(root, "dbus/org.debvisor.DebVisor1.xml"), "utf8");
const policy = fs.readFileSync(path.join(root, "dbus/org.debvisor.policy"), "utf8");

QUnit.module("D-Bus contract", () => {
    QUnit.test("every method names an action that the polkit policy defines", assert => {
        const actions = new Set([...policy.matchAll(/<action id="([^"]+)"/g)].map(m => m[1]));
        const methods = parseIntrospection(xml).flatMap(i => i.methods.map(m => ({ i: i.name, m })));
        assert.true(methods.length >= 4);
        for (const { i, m } of methods) {
            const action = m.annotations[ACTION_ANNOTATION];
            assert.true(action !== undefined && actions.has(action), `${i}.${m.name} → ${action}`);
        }
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

    QUnit.test("signatures split into complete types; interfaces are cut out with their comment", assert => {
        assert.deepEqual(splitSignature("sa{sv}aa{sv}(iu)o"), ["s", "a{sv}", "aa{sv}", "(iu)", "o"]);
        const manager = interfaceXml(xml, "org.debvisor.DebVisor1.Manager");
        assert.true(manager.trim().startsWith("<!--"));
        assert.true(manager.trim().endsWith("</interface>"));
    });
});
