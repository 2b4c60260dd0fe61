// libosinfo ids (stored in a domain's metadata, as virt-install and
// cockpit-machines write them) in words for the Machine's OsInfo.
const FAMILIES: Array<[RegExp, string]> = [
    [/^http:\/\/debian\.org\/debian\/([\w.]+)$/, "Debian $1"],
    [/^http:\/\/ubuntu\.com\/ubuntu\/([\w.]+)$/, "Ubuntu $1"],
    [/^http:\/\/fedoraproject\.org\/fedora\/([\w.]+)$/, "Fedora $1"],
    [/^http:\/\/redhat\.com\/rhel\/([\w.]+)$/, "Red Hat Enterprise Linux $1"],
    [/^http:\/\/rockylinux\.org\/rocky\/([\w.]+)$/, "Rocky Linux $1"],
    [/^http:\/\/almalinux\.org\/almalinux\/([\w.]+)$/, "AlmaLinux $1"],
    [/^http:\/\/opensuse\.org\/opensuse\/([\w.]+)$/, "openSUSE $1"],
    [/^http:\/\/alpinelinux\.org\/alpinelinux\/([\w.]+)$/, "Alpine Linux $1"],
    [/^http:\/\/archlinux\.org\/archlinux\/rolling$/, "Arch Linux"],
    [/^http:\/\/freebsd\.org\/freebsd\/([\w.]+)$/, "FreeBSD $1"],
    [/^http:\/\/microsoft\.com\/win\/([\w.]+)$/, "Windows $1"],
    [/^http:\/\/libosinfo\.org\/linux\/([\w.]+)$/, "Linux ($1)"],
];

export function osName(id: string): string {
    for (const [pattern, name] of FAMILIES) {
        const match = pattern.exec(id);
        if (match)
            return name.replace("$1", match[1] ?? "");
    }
    return id;
}
