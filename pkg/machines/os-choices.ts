// Operating systems offered in the Create dialog, as libosinfo ids (what
// virt-install and cockpit-machines write into a domain's metadata).
import { _ } from "../lib/gettext";

export const OS_CHOICES: Array<{ id: string; name: string }> = [
    { id: "http://debian.org/debian/13", name: "Debian 13" },
    { id: "http://debian.org/debian/12", name: "Debian 12" },
    { id: "http://ubuntu.com/ubuntu/24.04", name: "Ubuntu 24.04" },
    { id: "http://ubuntu.com/ubuntu/22.04", name: "Ubuntu 22.04" },
    { id: "http://fedoraproject.org/fedora/41", name: "Fedora 41" },
    { id: "http://redhat.com/rhel/9.4", name: "Red Hat Enterprise Linux 9.4" },
    { id: "http://rockylinux.org/rocky/9", name: "Rocky Linux 9" },
    { id: "http://almalinux.org/almalinux/9", name: "AlmaLinux 9" },
    { id: "http://alpinelinux.org/alpinelinux/3.20", name: "Alpine Linux 3.20" },
    { id: "http://freebsd.org/freebsd/14.1", name: "FreeBSD 14.1" },
    { id: "http://microsoft.com/win/11", name: "Windows 11" },
    { id: "http://microsoft.com/win/2k22", name: "Windows Server 2022" },
    { id: "http://libosinfo.org/linux/2022", name: _("Other Linux") },
];
