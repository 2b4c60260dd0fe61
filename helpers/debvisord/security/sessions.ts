// The admins' sessions: the remote ends of established TCP connections to
// this host's Cockpit (9090) and SSH (22) ports, from /proc/net/tcp{,6}.
// The bus cannot say from which address a caller came, so every such session
// counts as someone a block must not lock out.
import fs from "node:fs";
import type { Family } from "../../lib/cidr.js";
import type { Protected } from "../../lib/firewall-validation.js";

const SESSION_PORTS: Record<number, string> = { 9090: "Cockpit", 22: "SSH" };
const ESTABLISHED = "01";

/* An address from /proc/net/tcp: 32-bit groups in host (little-endian) byte order. */
function procAddress(hex: string): { family: Family; value: bigint } {
    let value = 0n;
    for (let i = 0; i < hex.length; i += 8) {
        const word = hex.slice(i, i + 8);
        const bytes = word.match(/../g) ?? [];
        value = (value << 32n) | BigInt("0x" + bytes.reverse().join(""));
    }
    if (hex.length === 8)
        return { family: 4, value };
    // IPv4 clients of a dual-stack listener appear as ::ffff:a.b.c.d
    if (value >> 32n === 0xffffn)
        return { family: 4, value: value & 0xffffffffn };
    return { family: 6, value };
}

/* Parses the text of /proc/net/tcp or tcp6. */
export function parseProcNetTcp(text: string, ports = SESSION_PORTS): Protected[] {
    const out: Protected[] = [];
    for (const line of text.split("\n").slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f.length < 4 || f[3] !== ESTABLISHED)
            continue;
        const [localAddr, localPort] = f[1].split(":");
        const [remoteAddr, remotePort] = f[2].split(":");
        const port = parseInt(localPort, 16);
        if (!(port in ports) || !localAddr || !remoteAddr || !remotePort)
            continue;
        const remote = procAddress(remoteAddr);
        out.push({ ...remote, why: `the address of an open ${ports[port]} session (port ${port})` });
    }
    return out;
}

export function adminSessions(): Protected[] {
    const out: Protected[] = [];
    for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
        try {
            out.push(...parseProcNetTcp(fs.readFileSync(file, "utf8")));
        } catch {
            // no IPv6 on this host
        }
    }
    const seen = new Set<string>();
    return out.filter(p => {
        const key = `${p.family}/${p.value}`;
        if (seen.has(key))
            return false;
        seen.add(key);
        return true;
    });
}
