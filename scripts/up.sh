#!/bin/sh
# Brings up a DebVisor console on this Debian host: installs what is needed,
# builds and installs the .debs, starts the services, and says where to log in.
set -eu
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
    echo "up: DebVisor installs system packages; run it as root (sudo npm run up)" >&2
    exit 1
fi

sh scripts/deps.sh
npm run deb
apt-get install -y -q --reinstall ./build/debs/*.deb

bus_owner_pid() {
    busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        GetConnectionUnixProcessID s "$1" 2>/dev/null | awk '{print $2}'
}

# A daemon that died (or was killed) leaves its pid file, and dbus-daemon and
# zfs-fuse then refuse to start: a pid file whose process is gone is removed.
drop_stale_pid_file() {
    pid=$(cat "$1" 2>/dev/null || true)
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then rm -f "$1"; fi
}

libvirt_answers() {
    virsh -c qemu:///system version >/dev/null 2>&1
}

wait_for_libvirt() {
    for _ in $(seq 60); do
        if libvirt_answers; then return 0; fi
        sleep 1
    done
    echo "up: libvirtd did not answer within 60 s" >&2
    return 1
}

# Without systemd nothing starts virtlogd and libvirtd (running ones are kept).
# Where /dev/kvm exists but libvirt finds it unusable, libvirt probes QEMU
# again on every change (tens of seconds each): libvirtd then runs in a
# private mount namespace where /dev/kvm is an empty file, and machines run
# emulated, as they would anyway.
start_libvirt() {
    if ! pgrep -x virtlogd >/dev/null; then
        /usr/sbin/virtlogd -d
    fi
    if libvirt_answers; then
        return 0
    fi
    mkdir -p /run/libvirt
    /usr/sbin/libvirtd -d --pid-file /run/libvirt/debvisor-up-libvirtd.pid
    wait_for_libvirt
    if [ -e /dev/kvm ] && ! virsh -c qemu:///system capabilities | grep -q "<domain type='kvm'"; then
        echo "up: /dev/kvm is not usable here; starting libvirtd without it (machines run emulated)"
        pid=$(cat /run/libvirt/debvisor-up-libvirtd.pid)
        kill "$pid"
        for _ in $(seq 30); do
            if ! kill -0 "$pid" 2>/dev/null; then break; fi
            sleep 1
        done
        dir=/run/debvisor-libvirt
        mkdir -p "$dir"
        install -m 000 /dev/null "$dir/no-kvm"
        { cat /etc/libvirt/qemu.conf; echo 'namespaces = [ ]'; } > "$dir/qemu.conf"
        unshare -m --propagation private sh -c "mount --bind $dir/no-kvm /dev/kvm && \
            mount --bind $dir/qemu.conf /etc/libvirt/qemu.conf && exec /usr/sbin/libvirtd -d"
        wait_for_libvirt
    fi
}

# Without systemd nothing starts zfs-fuse either (its package's unit does that
# elsewhere): the storage profile's pool needs it, unless a ZFS already answers.
start_zfs_fuse() {
    if ! command -v zfs-fuse >/dev/null || zpool list -H -o name >/dev/null 2>&1; then
        return 0
    fi
    mkdir -p /var/run/zfs
    drop_stale_pid_file /run/debvisor-up-zfs-fuse.pid
    zfs-fuse -p /run/debvisor-up-zfs-fuse.pid --no-kstat-mount
    for _ in $(seq 30); do
        if zpool list -H -o name >/dev/null 2>&1; then return 0; fi
        sleep 1
    done
    echo "up: zfs-fuse did not answer within 30 s" >&2
    return 1
}

if [ -d /run/systemd/system ]; then
    systemctl reload dbus || true
    systemctl try-restart debvisord.service || true
    systemctl enable --now cockpit.socket
    url="https://$(hostname -f 2>/dev/null || hostname):9090"
else
    # No systemd as PID 1 (a container or a minimal VM): start the parts by hand.
    if ! busctl --system status org.freedesktop.DBus >/dev/null 2>&1; then
        mkdir -p /run/dbus
        rm -f /run/dbus/system_bus_socket
        drop_stale_pid_file /run/dbus/pid
        dbus-daemon --system --fork
    fi
    busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig
    if [ -z "$(bus_owner_pid org.freedesktop.PolicyKit1)" ]; then
        /usr/lib/polkit-1/polkitd --no-debug >/dev/null 2>&1 &
    fi
    start_libvirt
    start_zfs_fuse
    # a daemon from before the install answers with old code: the bus starts the new one on the next call
    old=$(bus_owner_pid org.debvisor.DebVisor1)
    if [ -n "$old" ]; then kill "$old"; fi
    if ! node -e 'require("net").connect(9090, "127.0.0.1").on("connect", () => process.exit(0)).on("error", () => process.exit(1))'; then
        # without TLS, so only on the loopback address: reach it through an SSH tunnel
        /usr/lib/cockpit/cockpit-ws --no-tls --address 127.0.0.1 --port 9090 >/dev/null 2>&1 &
    fi
    url="http://127.0.0.1:9090 (from another machine: ssh -L 9090:127.0.0.1:9090 root@$(hostname))"
fi

admin=${SUDO_USER:-}
if [ -n "$admin" ] && [ "$admin" != root ]; then
    usermod -aG debvisor-admin "$admin"
    who="as $admin (now in the group debvisor-admin) with your password"
else
    who="as a local user with a password who is in the group debvisor-admin
  (add one: adduser alice && usermod -aG debvisor-admin,sudo alice)"
fi

debvisorctl status || true
cat <<MSG

DebVisor is up.
  Open:    $url
  Log in:  $who
  Then choose "DebVisor" in Cockpit's menu.
  Roles:   debvisor-admin (everything), debvisor-operator (VM lifecycle), debvisor-viewer (read only)
MSG
