import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";

const dbusDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../dbus");

/* The [Service] settings of a unit file, by name. */
function serviceSettings(file: string): Map<string, string> {
    const settings = new Map<string, string>();
    let section = "";
    for (const line of fs.readFileSync(path.join(dbusDir, file), "utf8").split("\n")) {
        const header = /^\[(\w+)\]$/.exec(line.trim());
        if (header)
            section = header[1];
        else if (section === "Service" && /^\w+=/.test(line))
            settings.set(line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1));
    }
    return settings;
}

QUnit.module("systemd units", () => {
    QUnit.test("debvisord runs in the host's mount namespace with the host's devices", assert => {
        // each of these makes a private mount namespace or a device filter: a ZFS dataset debvisord
        // mounts would be invisible to the host, /dev/zfs and the disks out of reach, /etc read-only
        const isolating = ["ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices", "PrivateMounts", "ProtectKernelModules",
            "ProtectKernelLogs", "ProtectKernelTunables", "ProtectControlGroups", "ProtectClock", "ProtectProc", "ReadWritePaths",
            "ReadOnlyPaths", "InaccessiblePaths", "TemporaryFileSystem", "BindPaths", "BindReadOnlyPaths", "DeviceAllow", "DevicePolicy",
            "MountFlags", "RootDirectory", "RootImage"];
        const settings = serviceSettings("debvisord.service");
        assert.equal(settings.get("ExecStart"), "/usr/libexec/debvisord");
        assert.deepEqual(isolating.filter(name => settings.has(name)), [], "no option that isolates the host's mounts or devices");
        assert.equal(settings.get("NoNewPrivileges"), "yes", "the hardening that keeps the host's view stays");
    });
});
