// The one IP address parser (ipaddr.js held to DebVisor's strict forms), and
// that the firewall's ranges, the DNS records and the installer's answers read
// addresses through it alike.
import QUnit from "qunit";
import { checkCidr } from "../../helpers/debvisor-install/answers.js";
import { parseNet } from "../../helpers/lib/cidr.js";
import { expandIPv6, formatIP, isIP, isIPv4, isIPv6, parseIP } from "../../helpers/lib/ip-address.js";

QUnit.module("ip-address: one parser", () => {
    QUnit.test("what ipaddr.js alone would take is refused: short, hex, octal, long groups, zone indexes", assert => {
        for (const bad of ["10.1", "10.0.1", "167772161", "0x0a.0.0.1", "010.0.0.1", "1.2.3.04"])
            assert.false(isIPv4(bad), bad);
        for (const bad of ["::00001", "fe80::1%eth0", "::ffff:010.0.0.1", "::ffff:0x0a.0.0.1", "::ffff:10.1"])
            assert.false(isIPv6(bad), bad);
    });

    QUnit.test("malformed IPv6 that an earlier check let through is refused (extra colons, an IPv4 part before the end)", assert => {
        for (const bad of [":::", "1:::2", ":1::", "1::2:", "1::ffff:", "::ffff:", "1:1.2.3.4::", "ffff:1.2.3.4::"])
            assert.false(isIPv6(bad), bad);
        for (const bad of ["1::2:", "1:1.2.3.4::"])
            assert.notEqual(checkCidr(`${bad}/64`), null, `the installer refuses ${bad}`);
    });

    QUnit.test("an IPv4 tail is the last 32 bits: ::1.2.3.4 is not read as ::ffff:1.2.3.4", assert => {
        assert.deepEqual(parseIP("::1.2.3.4"), { family: 6, bytes: [...Array<number>(12).fill(0), 1, 2, 3, 4] });
        assert.deepEqual(parseIP("::ffff:1.2.3.4")?.bytes.slice(10), [0xff, 0xff, 1, 2, 3, 4]);
        assert.equal(expandIPv6("64:ff9b::198.51.100.7"), "0064:ff9b:0000:0000:0000:0000:c633:6407");
    });

    QUnit.test("formatting is RFC 5952; the firewall's canonical text comes from it", assert => {
        assert.equal(formatIP(parseIP("2001:DB8:0:0:1:0:0:1")!.bytes), "2001:db8::1:0:0:1");
        assert.equal(formatIP(parseIP("2001:db8:0:1:1:1:1:1")!.bytes), "2001:db8:0:1:1:1:1:1", "one zero group stays");
        assert.equal(formatIP([192, 0, 2, 1]), "192.0.2.1");
        const net = parseNet("2001:DB8:0:0::/64");
        assert.equal(net.ok ? net.net.text : net.error, "2001:db8::/64");
    });

    QUnit.test("the firewall, DNS and the installer agree on every address of a generated corpus", assert => {
        const parts = ["0", "1", "ab", "ffff", "0000", "12345", "", "1.2.3.4", "010.1.1.1", "256.1.1.1", "", "1"];
        let agreed = 0, checked = 0, valid = 0;
        for (let i = 0; i < 3000; i++) {
            const text = Array.from({ length: 1 + (i * 7) % 9 }, (_p, j) => parts[(i * 31 + j * 17 + (i >> 3)) % parts.length]).join(":");
            const accepted = isIP(text);
            checked++;
            valid += accepted ? 1 : 0;
            if (parseNet(text).ok === accepted && (checkCidr(`${text}/24`) === null) === accepted)
                agreed++;
        }
        assert.equal(agreed, checked);
        assert.true(valid > 50, `${valid} valid addresses among them`);
    });
});
