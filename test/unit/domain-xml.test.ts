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
            { Target: "vda", Device: "disk", Bus: "virtio", Format: "qcow2", Source: "/var/lib/libvirt/images/dvt2.qcow2" },
            { Target: "sda", Device: "cdrom", Bus: "sata", Format: "raw", Source: "" },
        ]);
        assert.deepEqual(d.nics, [
            { Mac: "52:54:00:12:34:56", Type: "network", Source: "default", Model: "virtio" },
            { Mac: "52:54:00:ab:cd:ef", Type: "bridge", Source: "br0", Model: "e1000" },
        ]);
        assert.deepEqual(d.graphics, [{ Type: "vnc", Port: -1, Listen: "127.0.0.1" }]);
    });

    QUnit.test("the reader decodes entities and refuses broken documents", assert => {
        const e = parseXml("<?xml version='1.0'?><!-- c --><a x='1 &amp; 2'><b>&lt;t&#65;&gt;</b><c/></a>");
        assert.equal(e.attrs.x, "1 & 2");
        assert.equal(e.children[0].text, "<tA>");
        assert.throws(() => parseXml("<a><b></a>"), /closes/);
        assert.throws(() => parseXml("<a>"), /not closed/);
    });
});
