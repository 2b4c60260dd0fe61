// First boot's NAT network on a node with BIND: the network's dnsmasq serves
// DHCP only and hands out the bridge's address, where named answers (both on
// port 53 there, the network would not start). Once changed, left alone.
import QUnit from "qunit";
import { dnsToNamed } from "../../helpers/debvisor-firstboot/libvirt.js";

/* libvirt's own "default" network, as Debian ships it (the mac address aside). */
const DEFAULT = `<network>
  <name>default</name>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
`;

QUnit.module("first boot: the NAT network's DNS on a node with named", () => {
    QUnit.test("dnsmasq's DNS is off, guests are told the bridge's address; the rest of the network stays", assert => {
        const changed = dnsToNamed(DEFAULT);
        assert.true(changed !== null);
        assert.true(changed!.includes("<dns enable='no'/>"), changed!);
        assert.true(changed!.startsWith("<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>"), changed!);
        assert.true(changed!.includes("<dnsmasq:option value='dhcp-option=option:dns-server,192.168.122.1'/>"), changed!);
        assert.true(changed!.includes("<range start='192.168.122.2' end='192.168.122.254'/>"), "the DHCP range is kept");
        assert.strictEqual(dnsToNamed(changed!), null, "changed once");
    });

    QUnit.test("a network's own dns element is replaced; one without an IPv4 address is left", assert => {
        const withDns = DEFAULT.replace("<ip ", "<dns><forwarder addr='9.9.9.9'/></dns>\n  <ip ");
        const changed = dnsToNamed(withDns)!;
        assert.false(changed.includes("forwarder"), changed);
        assert.strictEqual((changed.match(/<dns\b/g) ?? []).length, 1, "one dns element");
        assert.strictEqual(dnsToNamed("<network><name>isolated</name></network>"), null);
    });
});
