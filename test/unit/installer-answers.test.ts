// The installer's answers file: parsing, checking (a corpus of bad answers,
// each refused with a message naming the problem), and the files the
// installer writes from good answers (fstab, interfaces, hosts, grub.cfg).
import QUnit from "qunit";
import {
    answersFromCmdline, AnswersError, checkTypedPassword, isStrongHash, parseAnswers,
} from "../../helpers/debvisor-install/answers.js";
import { fstab, grubCfg, hosts, interfaces, partitionPath } from "../../helpers/debvisor-install/install.js";
import { clusterAnswerText, parseClusterAnswer } from "../../helpers/lib/firstboot-cluster.js";

// made for these tests with `openssl passwd -6` and libxcrypt's crypt() (yescrypt)
const SHA512 = "$6$HgSx8ZvK.z//Qgtz$XrUpMSdzcZu79Y8QXG7y5CLk7.yrzjgPW/2SU4ltbQQF9O00bw8enXObUnfIviai689dbekRQq2CFyK4rTY7N/";
const SHA512_ROUNDS = "$6$rounds=10000$abcdefgh$XrUpMSdzcZu79Y8QXG7y5CLk7.yrzjgPW/2SU4ltbQQF9O00bw8enXObUnfIviai689dbekRQq2CFyK4rTY7N/";
const YESCRYPT = "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$fBkehN8XxIjm2k.IJiAudSA8u2iI1zH8jDXmTKBsEFC";

const GOOD = `# a node
locale=en_US.UTF-8
timezone=Europe/Berlin
hostname=node1.example.org
disk=/dev/vda
root-password-hash=${SHA512}
admin-user=alice
admin-password-hash=${YESCRYPT}
profile=zfs
network=dhcp
finish=poweroff
`;

function bad(text: string): string[] {
    try {
        parseAnswers(text);
    } catch (e) {
        if (e instanceof AnswersError)
            return e.problems;
        throw e;
    }
    return [];
}

/* GOOD with one key replaced (value null: the key removed), plus extra lines */
function variant(changes: Record<string, string | null>, extra = ""): string {
    const lines = GOOD.split("\n").filter(l => {
        const key = l.split("=")[0]!;
        return !(key in changes) || changes[key] !== null;
    }).map(l => {
        const key = l.split("=")[0]!;
        return key in changes && changes[key] !== null ? `${key}=${changes[key]}` : l;
    });
    return lines.join("\n") + extra;
}

QUnit.module("installer: answers", () => {
    QUnit.test("good answers: every key as given, the host name split in name and domain", assert => {
        const a = parseAnswers(GOOD);
        assert.deepEqual(a, {
            locale: "en_US.UTF-8", timezone: "Europe/Berlin", hostname: "node1", domain: "example.org", disk: "/dev/vda",
            rootPasswordHash: SHA512, adminUser: "alice", adminPasswordHash: YESCRYPT, profile: "zfs",
            network: { mode: "dhcp" }, iface: "", finish: "poweroff", overwrite: false, cluster: "none",
        });
    });

    QUnit.test("cluster: none unless the answers say create; create needs IPv4; any other word refused", assert => {
        assert.strictEqual(parseAnswers(GOOD).cluster, "none", "absent: none");
        assert.strictEqual(parseAnswers(variant({}, "\ncluster=create\n")).cluster, "create");
        assert.strictEqual(parseAnswers(variant({}, "\ncluster=none\n")).cluster, "none");
        assert.deepEqual(bad(variant({}, "\ncluster=join\n")), ['cluster: "join" is not none or create']);
        const static6 = "\naddress=2001:db8::10/64\ngateway=2001:db8::1\ndns=2001:db8::53\n";
        assert.deepEqual(bad(variant({ network: "static" }, `${static6}cluster=create\n`)),
            ["cluster=create needs an IPv4 address: the cluster's members reach each other on IPv4"]);
        assert.strictEqual(parseAnswers(variant({ network: "static" }, static6)).cluster, "none", "IPv6 alone is fine without a cluster");
        assert.strictEqual(parseAnswers(variant({ network: "static" }, "\naddress=192.0.2.10/24\ngateway=192.0.2.1\ndns=192.0.2.53\ncluster=create\n")).cluster,
            "create", "IPv4 with a cluster");
        // the file first boot reads, as the installer writes it
        assert.strictEqual(parseClusterAnswer(clusterAnswerText("create")), "create");
        assert.strictEqual(parseClusterAnswer("# made by hand\ncluster = \"none\"\n"), "none");
        assert.strictEqual(parseClusterAnswer("CLUSTER=join\n"), null, "a word first boot does not know");
        assert.strictEqual(parseClusterAnswer(""), null);
    });

    QUnit.test("overwrite: no unless the answers say yes", assert => {
        assert.false(parseAnswers(GOOD).overwrite, "absent: no");
        assert.false(parseAnswers(variant({}, "\noverwrite=no\n")).overwrite);
        assert.false(parseAnswers(variant({}, "\noverwrite=\n")).overwrite, "empty: no");
        assert.true(parseAnswers(variant({}, "\noverwrite=yes\n")).overwrite);
        assert.true(parseAnswers(variant({}, "\nOVERWRITE = \"yes\"\n")).overwrite, "key case and quotes as for every key");
    });

    QUnit.test("defaults, quotes, CRLF, comments; static network", assert => {
        const a = parseAnswers([
            "hostname = Node-2", "disk=\"/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001\"", `root-password-hash=${SHA512_ROUNDS}`,
            "admin-user=ops_1", `admin-password-hash=${YESCRYPT}`, "profile=mixed", "network=static", "interface=enp1s0",
            "address=192.0.2.10/24", "gateway=192.0.2.1", "dns=192.0.2.53, 2001:db8::53", "  # done", "",
        ].join("\r\n"));
        assert.strictEqual(a.hostname, "node-2");
        assert.strictEqual(a.domain, "");
        assert.strictEqual(a.locale, "C.UTF-8");
        assert.strictEqual(a.timezone, "Etc/UTC");
        assert.strictEqual(a.finish, "reboot");
        assert.strictEqual(a.disk, "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001");
        assert.deepEqual(a.network, { mode: "static", address: "192.0.2.10/24", gateway: "192.0.2.1", dns: ["192.0.2.53", "2001:db8::53"] });
        assert.strictEqual(a.iface, "enp1s0");
    });

    const corpus: Array<[string, string, RegExp]> = [
        ["empty file", "", /disk is missing/],
        ["disk missing", variant({ disk: null }), /^disk is missing$/],
        ["disk empty", variant({ disk: "" }), /disk is missing/],
        ["disk not under /dev", variant({ disk: "vda" }), /disk: .*not a disk device path/],
        ["disk with ..", variant({ disk: "/dev/../etc/passwd" }), /disk: .*not a disk device path/],
        ["disk with a leading -", variant({ disk: "-rf" }), /disk: .*not a disk device path/],
        ["disk with spaces", variant({ disk: "/dev/sda /dev/sdb" }), /disk: .*not a disk device path/],
        ["root password empty", variant({ "root-password-hash": "" }), /root-password-hash is missing/],
        ["root password locked", variant({ "root-password-hash": "!" }), /root-password-hash: not a sha512/],
        ["root password *", variant({ "root-password-hash": "*" }), /root-password-hash: not a sha512/],
        ["admin password plain text", variant({ "admin-password-hash": "secret123" }), /admin-password-hash: not a sha512/],
        ["admin password MD5", variant({ "admin-password-hash": "$1$abcdefgh$abcdefghijklmnopqrstuv" }), /admin-password-hash: not a sha512/],
        ["admin password DES", variant({ "admin-password-hash": "abJnggxhB/yWI" }), /admin-password-hash: not a sha512/],
        ["admin password sha256", variant({ "admin-password-hash": `$5$abcdefgh$${"a".repeat(43)}` }), /admin-password-hash: not a sha512/],
        ["sha512 hash cut short", variant({ "admin-password-hash": SHA512.slice(0, -1) }), /admin-password-hash: not a sha512/],
        ["sha512 hash with a bad character", variant({ "admin-password-hash": SHA512.replace("X", "*") }), /admin-password-hash: not a sha512/],
        ["yescrypt hash with a trailing space inside quotes", variant({ "admin-password-hash": `"${YESCRYPT} "` }), /admin-password-hash: not a sha512/],
        ["the same hash for root and admin", variant({ "admin-password-hash": SHA512 }), /the same hash/],
        ["a plain password key", variant({}, "\nroot-password=hunter22\n"), /root-password is not accepted: give the password as a crypt\(3\) hash/],
        ["unknown profile", variant({ profile: "lvm" }), /profile: "lvm" is not a storage profile/],
        ["profile in capitals", variant({ profile: "ZFS" }), /profile: "ZFS" is not a storage profile/],
        ["profile missing", variant({ profile: null }), /profile is missing/],
        ["host name with an underscore", variant({ hostname: "node_1" }), /hostname: .*not a valid host name/],
        ["host name with a leading -", variant({ hostname: "-node" }), /hostname: .*not a valid host name/],
        ["host name with a trailing -", variant({ hostname: "node-" }), /hostname: .*not a valid host name/],
        ["host name with an empty label", variant({ hostname: "node..example" }), /hostname: .*not a valid host name/],
        ["host name with a quote", variant({ hostname: "no'de" }), /hostname: .*not a valid host name/],
        ["host name all digits", variant({ hostname: "1234" }), /hostname: .*first label is all digits/],
        ["host name label of 64", variant({ hostname: "a".repeat(64) }), /hostname: .*not a valid host name/],
        ["host name of 254", variant({ hostname: Array(51).fill("abcd").join(".") }), /hostname: .*longer than 253/],
        ["admin user root", variant({ "admin-user": "root" }), /admin-user: "root" is reserved/],
        ["admin user with capitals", variant({ "admin-user": "Alice" }), /admin-user: .*not a valid user name/],
        ["admin user with a leading -", variant({ "admin-user": "-alice" }), /admin-user: .*not a valid user name/],
        ["admin user too long", variant({ "admin-user": "a".repeat(33) }), /admin-user: .*not a valid user name/],
        ["admin user with a slash", variant({ "admin-user": "../etc" }), /admin-user: .*not a valid user name/],
        ["locale not UTF-8", variant({ locale: "en_US.ISO-8859-1" }), /locale: .*not a UTF-8 locale/],
        ["locale with a path", variant({ locale: "../../x.UTF-8" }), /locale: .*not a UTF-8 locale/],
        ["time zone with ..", variant({ timezone: "../../etc/passwd" }), /timezone: .*not a time zone/],
        ["time zone absolute", variant({ timezone: "/etc/localtime" }), /timezone: .*not a time zone/],
        ["time zone with a space", variant({ timezone: "Europe/Berlin x" }), /timezone: .*not a time zone/],
        ["network unknown", variant({ network: "wifi" }), /network: "wifi" is not dhcp or static/],
        ["static without address", variant({ network: "static" }, "\ngateway=192.0.2.1\ndns=192.0.2.1\n"), /address is missing/],
        ["static without gateway and dns", variant({ network: "static" }, "\naddress=192.0.2.10/24\n"), /gateway is missing/],
        ["static address without prefix", variant({ network: "static" }, "\naddress=192.0.2.10\ngateway=192.0.2.1\ndns=192.0.2.1\n"), /address: .*prefix length/],
        ["static address 256", variant({ network: "static" }, "\naddress=192.0.2.256/24\ngateway=192.0.2.1\ndns=192.0.2.1\n"), /not an IP address/],
        ["static prefix /33", variant({ network: "static" }, "\naddress=192.0.2.10/33\ngateway=192.0.2.1\ndns=192.0.2.1\n"), /prefix length \/33 is out of range/],
        ["static gateway a name", variant({ network: "static" }, "\naddress=192.0.2.10/24\ngateway=router\ndns=192.0.2.1\n"), /gateway: "router" is not an IP address/],
        ["static dns bad IPv6", variant({ network: "static" }, "\naddress=192.0.2.10/24\ngateway=192.0.2.1\ndns=2001:db8:::1\n"), /dns: .*not an IP address/],
        ["address with dhcp", variant({}, "\naddress=192.0.2.10/24\n"), /address is only used with network=static/],
        ["interface with a slash", variant({}, "\ninterface=../eth0\n"), /interface: .*not a network interface name/],
        ["interface too long", variant({}, "\ninterface=abcdefghijklmnopq\n"), /interface: .*not a network interface name/],
        ["finish unknown", variant({ finish: "halt" }), /finish: "halt" is not one of reboot, poweroff, none/],
        ["overwrite true", variant({}, "\noverwrite=true\n"), /overwrite: "true" is not yes or no/],
        ["overwrite YES", variant({}, "\noverwrite=YES\n"), /overwrite: "YES" is not yes or no/],
        ["overwrite 1", variant({}, "\noverwrite=1\n"), /overwrite: "1" is not yes or no/],
        ["overwrite twice", variant({}, "\noverwrite=no\noverwrite=yes\n"), /line \d+: overwrite is given twice/],
        ["overwrite with a newline trick", variant({}, "\noverwrite=no\\nyes\n"), /overwrite: .*is not yes or no/],
        ["unknown key (a typo)", variant({}, "\nhostnme=x\n"), /line \d+: unknown key "hostnme"/],
        ["a key twice", variant({}, "\nprofile=ceph\n"), /line \d+: profile is given twice/],
        ["a line without =", variant({}, "\njust words\n"), /line \d+: expected key=value/],
        ["a line starting with =", variant({}, "\n=zfs\n"), /line \d+: expected key=value/],
        ["a NUL byte", variant({}, "\n\0\n"), /NUL byte/],
        ["a control character in a value", variant({ hostname: "node\x1b[2J" }), /hostname contains a control character/],
        ["huge file", variant({}, `\n# ${"x".repeat(70_000)}\n`), /larger than 64 KiB/],
    ];
    for (const [name, text, want] of corpus) {
        QUnit.test(`bad answers: ${name}`, assert => {
            const problems = bad(text);
            assert.ok(problems.length > 0, "refused");
            assert.ok(problems.some(p => want.test(p)), `${want} in:\n${problems.join("\n")}`);
        });
    }

    QUnit.test("every problem is listed at once", assert => {
        const problems = bad(variant({ disk: null, profile: "lvm", hostname: "-x" }));
        assert.strictEqual(problems.length, 3, problems.join("\n"));
    });

    QUnit.test("crypt hashes: sha512 and yescrypt only", assert => {
        assert.true(isStrongHash(SHA512));
        assert.true(isStrongHash(SHA512_ROUNDS));
        assert.true(isStrongHash(YESCRYPT));
        for (const h of ["", "!", "*", "!$6$x", "$6$$", `$6$${"a".repeat(17)}$${"b".repeat(86)}`, "$2b$12$" + "a".repeat(53), `${SHA512}\n`])
            assert.false(isStrongHash(h), JSON.stringify(h));
    });

    QUnit.test("kernel command line: debvisor.answers=", assert => {
        assert.strictEqual(answersFromCmdline("BOOT_IMAGE=/live/vmlinuz boot=live debvisor.answers=http://192.0.2.1/a.conf quiet\n"), "http://192.0.2.1/a.conf");
        assert.strictEqual(answersFromCmdline("boot=live debvisor.answers=/run/a.conf"), "/run/a.conf");
        assert.strictEqual(answersFromCmdline("boot=live debvisor.answers="), null);
        assert.strictEqual(answersFromCmdline("boot=live quiet"), null);
    });

    QUnit.test("typed passwords: length, user name, repetition", assert => {
        assert.ok(checkTypedPassword("short", "alice"));
        assert.ok(checkTypedPassword("alice2024!", "alice"));
        assert.ok(checkTypedPassword("aaaaaaaaaa", "alice"));
        assert.ok(checkTypedPassword("good pass\nword", "alice"));
        assert.strictEqual(checkTypedPassword("correct horse battery", "alice"), null);
    });
});

QUnit.module("installer: the files it writes", () => {
    const a = parseAnswers(GOOD);
    QUnit.test("fstab by UUID: root ext4 and the EFI partition", assert => {
        const t = fstab({ rootUuid: "0b5a8f46-1e3c-4d0a-9d4e-2f9b1c1d2e3f", efiUuid: "ABCD-1234" });
        assert.ok(/^UUID=0b5a8f46-1e3c-4d0a-9d4e-2f9b1c1d2e3f\s+\/\s+ext4\s+errors=remount-ro\s+0\s+1$/m.test(t), t);
        assert.ok(/^UUID=ABCD-1234\s+\/boot\/efi\s+vfat\s+umask=0077\s+0\s+1$/m.test(t), t);
    });

    QUnit.test("interfaces: plain ifupdown, DHCP or static", assert => {
        assert.ok(interfaces("ens3", a).includes("auto ens3\niface ens3 inet dhcp\n"));
        const s = parseAnswers(variant({ network: "static" }, "\naddress=192.0.2.10/24\ngateway=192.0.2.1\ndns=192.0.2.53 192.0.2.54\n"));
        const t = interfaces("enp1s0", s);
        assert.ok(t.includes("auto enp1s0\niface enp1s0 inet static\n    address 192.0.2.10/24\n    gateway 192.0.2.1\n    dns-nameservers 192.0.2.53 192.0.2.54\n"), t);
        assert.ok(hosts(s).includes("192.0.2.10\tnode1.example.org node1\n"), hosts(s));
        assert.ok(hosts(a).includes("127.0.1.1\tnode1.example.org node1\n"), hosts(a));
    });

    QUnit.test("grub.cfg: the root by UUID, the kernel links, the serial console", assert => {
        const t = grubCfg("0b5a8f46-1e3c-4d0a-9d4e-2f9b1c1d2e3f", { kernel: "/vmlinuz", initrd: "/initrd.img" }, "ttyS0,115200n8");
        assert.ok(t.includes("serial --unit=0 --speed=115200\n"), t);
        assert.ok(t.includes("search --no-floppy --fs-uuid --set=root 0b5a8f46-1e3c-4d0a-9d4e-2f9b1c1d2e3f\n"), t);
        assert.ok(t.includes("    linux /vmlinuz root=UUID=0b5a8f46-1e3c-4d0a-9d4e-2f9b1c1d2e3f ro quiet console=tty0 console=ttyS0,115200n8\n"), t);
        assert.ok(t.includes("    initrd /initrd.img\n"), t);
        assert.false(grubCfg("u", { kernel: "/vmlinuz", initrd: "/initrd.img" }, null).includes("serial"));
    });

    QUnit.test("partition names", assert => {
        assert.strictEqual(partitionPath("/dev/sda", 3), "/dev/sda3");
        assert.strictEqual(partitionPath("/dev/vda", 2), "/dev/vda2");
        assert.strictEqual(partitionPath("/dev/nvme0n1", 3), "/dev/nvme0n1p3");
        assert.strictEqual(partitionPath("/dev/loop7", 1), "/dev/loop7p1");
    });
});
