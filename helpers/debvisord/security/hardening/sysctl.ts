// Kernel settings the hardening checks want, and DebVisor's sysctl.d file.
import { parseManaged, readText, SYSCTL_FILE } from "./host-files.js";

interface SysctlRule { key: string; want: string; ok: (v: string) => boolean; title: string }

export const SYSCTL_RULES: SysctlRule[] = [
    { key: "net.ipv4.conf.all.rp_filter", want: "1", ok: v => v === "1" || v === "2", title: "Reverse path filtering" },
    { key: "net.ipv4.conf.all.accept_redirects", want: "0", ok: v => v === "0", title: "No ICMP redirects accepted" },
    { key: "net.ipv4.conf.all.send_redirects", want: "0", ok: v => v === "0", title: "No ICMP redirects sent" },
    { key: "net.ipv4.tcp_syncookies", want: "1", ok: v => v === "1", title: "TCP SYN cookies" },
    { key: "kernel.kptr_restrict", want: "1", ok: v => v === "1" || v === "2", title: "Kernel pointers hidden" },
    { key: "kernel.dmesg_restrict", want: "1", ok: v => v === "1", title: "Kernel log for root only" },
];

export const sysctlPath = (key: string) => `/proc/sys/${key.replace(/\./g, "/")}`;

export function readSysctl(root: string, key: string): string | null {
    return readText(root, sysctlPath(key))?.trim() ?? null;
}

export function sysctlContent(root: string, set: Record<string, string>): string {
    const current = parseManaged(readText(root, SYSCTL_FILE), /^([A-Za-z0-9_.\-/]+)\s*=\s*(.*)$/);
    for (const [k, v] of Object.entries(set))
        current.set(k, v);
    return "# Written by DebVisor (security hardening).\n" + [...current].map(([k, v]) => `${k} = ${v}\n`).join("");
}
