import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { describeDomain } from "../../helpers/debvisord/machines/domain-xml.js";
import { parseXml } from "../../helpers/lib/xml-tree.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures");
const read = (name: string) => fs.readFileSync(path.join(fixtures, name), "utf8");

QUnit.module("libvirt domain XML", () => {
    QUnit.test("recorded: a running TCG domain without disks", assert => {
        const d = describeDomain(read("virsh-dumpxml-tcg-running.xml"));
        assert.equal(d.name, "dvt1");
        assert.equal(d.uuid, "46db15e1-015a-4493-a279-20f8d3a02890");
        assert.equal(d.vcpus, 1);
        assert.equal(d.memoryMiB, 32);
        assert.true(d.emulated);
        assert.deepEqual(d.disks, []);
    });

    QUnit.test("recorded: disks, a cdrom, network and bridge NICs, VNC", assert => {
        const d = describeDomain(read("virsh-dumpxml-defined-disks-nics-vnc.xml"));
        assert.equal(d.memoryMiB, 512);
        assert.equal(d.vcpus, 2);
        assert.deepEqual(d.disks, [
            { Target: "vda", Device: "disk", Bus: "virtio", Format: "qcow2", Source: "/var/lib/libvirt/images/dvt2.qcow2", Type: "file", Protocol: "" },
            { Target: "sda", Device: "cdrom", Bus: "sata", Format: "raw", Source: "", Type: "file", Protocol: "" },
        ]);
        assert.deepEqual(d.nics, [
            { Mac: "52:54:00:12:34:56", Type: "network", Source: "default", Model: "virtio" },
            { Mac: "52:54:00:ab:cd:ef", Type: "bridge", Source: "br0", Model: "e1000" },
        ]);
        assert.deepEqual(d.graphics, [{ Type: "vnc", Port: -1, Listen: "127.0.0.1", Socket: "", Access: "local-users" }]);
    });

    QUnit.test("disks: an RBD network disk (a snapshot's name kept as written) and a pool volume say what they are", assert => {
        const d = describeDomain(`<domain><devices>
<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='rbd' name='rbd/vm1-disk'><host name='127.0.0.1' port='3300'/></source><target dev='vda' bus='virtio'/></disk>
<disk type="volume" device="disk"><driver name="qemu" type="raw"/><source pool="debvisor-rbd" volume="vm1-data"/><target dev="vdb" bus="virtio"/></disk>
<disk type="block" device="disk"><source dev="/dev/zvol/tank/vm1"/><target dev="vdc" bus="virtio"/></disk>
</devices></domain>`);
        assert.deepEqual(d.disks.map(x => [x.Type, x.Protocol, x.Source]), [
            ["network", "rbd", "rbd/vm1-disk"],
            ["volume", "", "debvisor-rbd/vm1-data"],
            ["block", "", "/dev/zvol/tank/vm1"],
        ]);
    });

    QUnit.test("graphics: who can reach a display, and no port where there is none", assert => {
        const graphics = (inner: string) => describeDomain(`<domain><devices>${inner}</devices></domain>`).graphics;
        // as libvirt formats a running machine's display on a socket it placed
        const sock = "/var/lib/libvirt/qemu/domain-3-web/vnc.sock";
        assert.deepEqual(graphics(`<graphics type='vnc' socket='${sock}'><listen type='socket' socket='${sock}'/></graphics>`),
            [{ Type: "vnc", Port: -1, Listen: "", Socket: sock, Access: "private" }]);
        assert.deepEqual(graphics("<graphics type='vnc'><listen type='socket'/></graphics>"),
            [{ Type: "vnc", Port: -1, Listen: "", Socket: "", Access: "private" }], "stored: libvirt picks the path at start");
        assert.deepEqual(graphics("<graphics type='vnc' port='5901' autoport='yes' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/></graphics>"),
            [{ Type: "vnc", Port: 5901, Listen: "127.0.0.1", Socket: "", Access: "local-users" }]);
        assert.deepEqual(graphics("<graphics type='spice' port='5902' autoport='yes' listen='0.0.0.0'><listen type='address' address='0.0.0.0'/></graphics>"),
            [{ Type: "spice", Port: 5902, Listen: "0.0.0.0", Socket: "", Access: "network" }]);
        assert.deepEqual(graphics("<graphics type='vnc' port='5903' autoport='yes'/>")[0].Access, "local-users", "no address: qemu.conf's loopback default");
        assert.deepEqual(graphics("<graphics type='vnc' port='5904'><listen type='address' address='::1'/></graphics>")[0].Access, "local-users");
        assert.deepEqual(graphics("<graphics type='vnc' port='5905'><listen type='network' network='default' address='192.168.122.1'/></graphics>")[0].Access, "network");
        assert.deepEqual(graphics("<graphics type='vnc'><listen type='none'/></graphics>")[0], { Type: "vnc", Port: -1, Listen: "", Socket: "", Access: "none" });
    });

    QUnit.test("the reader decodes entities and refuses broken documents", assert => {
        const e = parseXml("<?xml version='1.0'?><!-- c --><a x='1 &amp; 2'><b>&lt;t&#65;&gt;</b><c/></a>");
        assert.equal(e.attrs.x, "1 & 2");
        assert.equal(e.children[0].text, "<tA>");
        assert.throws(() => parseXml("<a><b></a>"), /XML: Unexpected close tag/);
        assert.throws(() => parseXml("<a>"), /XML: Unclosed root tag/);
    });
});
