#!/bin/sh
# Installs what building, running and testing DebVisor needs on a Debian 12/13
# host: Debian packages with apt, then the npm dependencies from the lock file.
set -eu
cd "$(dirname "$0")/.."

APT_PACKAGES="
  dbus polkitd
  cockpit-ws cockpit-bridge cockpit-system
  qemu-utils util-linux passwd
  libvirt-daemon-system libvirt-dbus qemu-system-x86
  xorriso isolinux syslinux-common cpio
  debhelper dpkg-dev fakeroot lintian
  chromium
  rsyslog
  bind9 bind9-utils bind9-dnsutils dnsmasq-base
  nftables iproute2
  zfs-fuse
  ceph-mon ceph-mgr ceph-osd ceph-mds ceph-common ceph-fuse radosgw
  libvirt-daemon-driver-storage-rbd
  qemu-block-extra
  fail2ban
  restic openssh-client openssh-server fdisk rclone
  prometheus prometheus-alertmanager prometheus-node-exporter curl
  live-build
  iputils-ping bridge-utils
  systemd-container debootstrap
  reprepro gpg
  gdisk parted dosfstools e2fsprogs squashfs-tools rsync whiptail grub-pc-bin grub-efi-amd64-bin grub2-common mtools
"

missing=""
for p in $APT_PACKAGES; do
    dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "deps: installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "deps: installing npm packages (npm ci)"
    npm ci --no-audit --no-fund
fi
