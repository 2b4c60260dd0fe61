// Machines on Ceph: libvirt starts no machine whose disk is a volume of an
// rbd pool, so a new disk on the rbd pool is written as a network disk that
// names the pool's monitors and cephx user, and the Ceph secret by its usage
// name (the same on every node a machine may move to); its image is raw.
import QUnit from "qunit";
import { diskXml } from "../../helpers/debvisord/machines/domain-builder.js";
import { describeDomain } from "../../helpers/debvisord/machines/domain-xml.js";
import { describePoolXml, diskFormat } from "../../helpers/debvisord/machines/vm-storage.js";

const RBD_POOL = `<pool type='rbd'><name>debvisor-rbd</name><source><name>rbd</name>
  <host name='10.9.0.11' port='6789'/><host name='10.9.0.12' port='6789'/>
  <auth type='ceph' username='libvirt'><secret uuid='0d3c6c6e-1111-2222-3333-444455556666'/></auth></source></pool>`;

QUnit.module("machines on Ceph", () => {
    QUnit.test("an rbd pool: its Ceph pool, monitors and user; its disks raw", assert => {
        const pool = describePoolXml("debvisor-rbd", "/org/libvirt/pool", RBD_POOL);
        assert.deepEqual(pool.rbd, { cephPool: "rbd", hosts: ["10.9.0.11", "10.9.0.12"], port: "6789", user: "libvirt", secretUuid: "0d3c6c6e-1111-2222-3333-444455556666" });
        assert.strictEqual(diskFormat(pool), "raw");
        const dir = describePoolXml("default", "/p", "<pool type='dir'><name>default</name><target><path>/var/lib/libvirt/images</path></target></pool>");
        assert.deepEqual([dir.rbd, dir.dir, diskFormat(dir)], [null, "/var/lib/libvirt/images", "qcow2"]);
    });

    QUnit.test("the network disk: rbd protocol, every monitor, the secret by usage; read back as a network disk of pool/image", assert => {
        const xml = diskXml({
            source: { rbd: { name: "rbd/web.raw", hosts: ["10.9.0.11", "10.9.0.12"], port: "6789", user: "libvirt", secretUsage: "debvisor client.libvirt" } },
            target: "vda", device: "disk", format: "raw", bus: "virtio",
        });
        assert.true(xml.startsWith("<disk type=\"network\" device=\"disk\">"), xml);
        assert.true(xml.includes("<auth username=\"libvirt\"><secret type=\"ceph\" usage=\"debvisor client.libvirt\"/></auth>"), xml);
        assert.true(xml.includes("<source protocol=\"rbd\" name=\"rbd/web.raw\"><host name=\"10.9.0.11\" port=\"6789\"/><host name=\"10.9.0.12\" port=\"6789\"/></source>"), xml);
        const [disk] = describeDomain(`<domain><name>web</name><uuid>8d0c7b5e-1f2a-4c3d-9e8f-0a1b2c3d4e5f</uuid><devices>${xml}</devices></domain>`).disks;
        assert.deepEqual([disk.Type, disk.Protocol, disk.Source, disk.Format], ["network", "rbd", "rbd/web.raw", "raw"]);
    });
});
