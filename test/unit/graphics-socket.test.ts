import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { domainXml } from "../../helpers/debvisord/machines/domain-builder.js";
import { describeDomain } from "../../helpers/debvisord/machines/domain-xml.js";
import { vncOnSocket } from "../../helpers/debvisord/machines/graphics-socket.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures");
const read = (name: string) => fs.readFileSync(path.join(fixtures, name), "utf8");
const withoutGraphics = (xml: string) => xml.replace(/<graphics\b[^>]*\/>|<graphics\b[^>]*[^/]>[\s\S]*?<\/graphics>/g, "");

QUnit.module("VNC display on a private socket", () => {
    QUnit.test("a new machine's display has no TCP port", assert => {
        const xml = domainXml({
            name: "web01", uuid: "46db15e1-015a-4493-a279-20f8d3a02890", kvm: false, vcpus: 1, memoryMiB: 256,
            createdBy: { user: "alice", uid: 1000, time: "2026-01-01T00:00:00Z" }, bootFromCdrom: false, disks: [], nics: [],
        });
        assert.deepEqual(describeDomain(xml).graphics, [{ Type: "vnc", Port: -1, Listen: "", Socket: "", Access: "private" }]);
        assert.equal(vncOnSocket(xml), null, "nothing to move");
    });

    QUnit.test("recorded: VNC on 127.0.0.1 moves to a socket, the rest of the definition unchanged", assert => {
        const old = read("virsh-dumpxml-defined-disks-nics-vnc.xml");
        const moved = vncOnSocket(old);
        assert.notEqual(moved, null);
        if (!moved) return;
        assert.deepEqual(describeDomain(moved).graphics, [{ Type: "vnc", Port: -1, Listen: "", Socket: "", Access: "private" }]);
        assert.false(/port=|autoport|127\.0\.0\.1/.test(moved.match(/<graphics[\s\S]*?<\/graphics>/)![0]));
        assert.equal(withoutGraphics(moved), withoutGraphics(old), "only <graphics> changed");
        assert.equal(vncOnSocket(moved), null, "moving twice changes nothing");
    });

    QUnit.test("keeps what is not about listening; leaves other displays alone", assert => {
        const xml = "<domain><devices>" +
            "<graphics type='vnc' port='5900' autoport='no' websocket='5700' listen='0.0.0.0' keymap='de' sharePolicy='force-shared'><listen type='address' address='0.0.0.0'/></graphics>" +
            "<graphics type='spice' autoport='yes'><listen type='address' address='127.0.0.1'/><image compression='off'/></graphics>" +
            "<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>" +
            "</devices></domain>";
        const moved = vncOnSocket(xml)!;
        assert.equal(moved, "<domain><devices>" +
            "<graphics type='vnc' keymap='de' sharePolicy='force-shared'><listen type='socket'/></graphics>" +
            "<graphics type='spice' autoport='yes'><listen type='address' address='127.0.0.1'/><image compression='off'/></graphics>" +
            "<graphics type='vnc'><listen type='socket'/></graphics>" +
            "</devices></domain>");
        assert.equal(vncOnSocket("<domain><devices><graphics type='vnc'><listen type='none'/></graphics></devices></domain>"), null, "no listener stays so");
        assert.equal(vncOnSocket("<domain><devices><graphics type='vnc' keymap='a&amp;b&apos;' port='5900'/></devices></domain>"),
            "<domain><devices><graphics type='vnc' keymap='a&amp;b&apos;'><listen type='socket'/></graphics></devices></domain>", "values stay escaped");
    });
});
