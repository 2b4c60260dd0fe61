import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";

const dbusDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../dbus");

/* The [Service] settings of a unit file, by name. */
function serviceSettings(file: string): Map<string, string> {
    const settings = new Map<string, string>();
    const repeated = new Set(["DeviceAllow"]);
    let section = "";
    for (const line of fs.readFileSync(path.join(dbusDir, file), "utf8").split("\n")) {
        const header = /^\[(\w+)\]$/.exec(line.trim());
        if (header)
            section = header[1];
        else if (section === "Service" && /^\w+=/.test(line)) {
            const name = line.slice(0, line.indexOf("="));
            const value = line.slice(line.indexOf("=") + 1);
            settings.set(name, repeated.has(name) && settings.has(name) ? `${settings.get(name)}\n${value}` : value);
        }
    }
    return settings;
}

QUnit.module("systemd units", () => {
    QUnit.test("debvisord runs in the host's mount namespace and reaches every disk", assert => {
        // each of these makes a private mount namespace: a ZFS dataset or the CephFS debvisord
        // mounts would be invisible to the host, /etc read-only
        const isolating = ["ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices", "PrivateMounts", "ProtectKernelModules",
            "ProtectKernelLogs", "ProtectKernelTunables", "ProtectControlGroups", "ProtectProc", "ProcSubset", "ReadWritePaths",
            "ReadOnlyPaths", "InaccessiblePaths", "TemporaryFileSystem", "BindPaths", "BindReadOnlyPaths",
            "MountFlags", "RootDirectory", "RootImage"];
        const settings = serviceSettings("debvisord.service");
        assert.equal(settings.get("ExecStart"), "/usr/libexec/debvisord");
        assert.deepEqual(isolating.filter(name => settings.has(name)), [], "no option that isolates the host's mounts");
        assert.equal(settings.get("NoNewPrivileges"), "yes", "the hardening that keeps the host's view stays");
        // the device ACL: every block device (pools, OSDs, wiping) and the misc devices (/dev/zfs, /dev/fuse)
        if (settings.has("DevicePolicy") || settings.has("DeviceAllow") || settings.has("ProtectClock")) {
            const allowed = (settings.get("DeviceAllow") ?? "").split("\n");
            assert.ok(allowed.includes("block-* rw"), "every block device, read and write");
            assert.ok(allowed.includes("char-misc rw"), "/dev/zfs, /dev/fuse, /dev/loop-control");
        }
    });
});
