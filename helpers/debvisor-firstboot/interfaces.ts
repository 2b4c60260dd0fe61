// /etc/network/interfaces (ifupdown) as first boot changes it: the primary
// NIC becomes a port of the bridge br0, which takes over its address
// ("inet dhcp" or "inet static" with the same address and gateway). Pure text
// in, text out: comments, other interfaces and the NIC's own link options
// stay where they were.

/** the keywords that start a stanza; every other non-comment line is an option of the iface stanza above it */
const STANZA = /^\s*(iface|auto|allow-[A-Za-z0-9_-]+|mapping|source|source-directory|rename|no-auto-down|no-scripts)(\s|$)/;
const IFACE = /^(\s*)iface\s+(\S+)\s+(\S+)\s+(\S+)(.*)$/;
/** the options that belong to the address, and so move to the bridge */
const L3_OPTIONS = /^(address|netmask|broadcast|network|gateway|metric|pointopoint|scope|hostname|leasehours|leasetime|vendor|client|dns-[A-Za-z0-9_-]+|accept_ra|autoconf|privext|dhcp|request_prefix|ll-attempts|ll-interval)$/;

export const BRIDGE = "br0";

interface IfaceStanza {
    name: string;
    family: string;
    method: string;
    /** line numbers: the header, then the option lines (comments and blank lines in between are not options) */
    header: number;
    options: number[];
    /** the last line that belongs to the stanza (its last option, or the header) */
    end: number;
}

interface Parsed {
    lines: string[];
    stanzas: IfaceStanza[];
    /** interfaces named on auto / allow-hotplug lines */
    started: Set<string>;
}

export function parseInterfaces(text: string): Parsed {
    const lines = text.split("\n");
    const stanzas: IfaceStanza[] = [];
    const started = new Set<string>();
    let current: IfaceStanza | null = null;
    for (const [i, line] of lines.entries()) {
        const trimmed = line.trim();
        if (trimmed === "" || trimmed.startsWith("#"))
            continue;
        if (STANZA.test(line)) {
            current = null;
            const m = IFACE.exec(line);
            if (m) {
                current = { name: m[2], family: m[3], method: m[4], header: i, options: [], end: i };
                stanzas.push(current);
            } else {
                const words = trimmed.split(/\s+/);
                if (words[0] === "auto" || words[0].startsWith("allow-"))
                    for (const w of words.slice(1)) started.add(w);
            }
        } else if (current) {
            current.options.push(i);
            current.end = i;
        }
    }
    return { lines, stanzas, started };
}

function optionName(line: string): string {
    return line.trim().split(/\s+/)[0];
}

function optionValues(line: string): string[] {
    return line.trim().split(/\s+/).slice(1);
}

const isPorts = (line: string) => ["bridge_ports", "bridge-ports"].includes(optionName(line));

/* The bridge whose bridge_ports name the NIC, if any. */
function bridgeOf(parsed: Parsed, nic: string): string | null {
    for (const s of parsed.stanzas)
        for (const o of s.options) {
            if (isPorts(parsed.lines[o]) && optionValues(parsed.lines[o]).includes(nic))
                return s.name;
        }
    return null;
}

/* The NIC to bridge: the one the default route leaves by when the file configures it,
 * else the first interface started at boot with an address ("inet dhcp" or "inet static").
 * A NIC the file makes a bridge port already is chosen again (the live change may be missing). */
export function choosePrimaryNic(text: string, defaultRouteDevice?: string): string | null {
    const parsed = parseInterfaces(text);
    const portsOf = (s: IfaceStanza) => s.options.filter(o => isPorts(parsed.lines[o])).flatMap(o => optionValues(parsed.lines[o]));
    const addressed = parsed.stanzas.filter(s => s.family === "inet" && (s.method === "dhcp" || s.method === "static") && s.name !== "lo");
    const candidates = addressed.filter(s => portsOf(s).length === 0);
    const bridges = addressed.filter(s => portsOf(s).length > 0);
    if (defaultRouteDevice) {
        if (candidates.some(s => s.name === defaultRouteDevice) || bridgeOf(parsed, defaultRouteDevice))
            return defaultRouteDevice;
        const bridged = bridges.find(s => s.name === defaultRouteDevice);
        if (bridged)
            return portsOf(bridged)[0];
    }
    const chosen = candidates.find(s => parsed.started.has(s.name)) ?? candidates[0];
    if (chosen)
        return chosen.name;
    return bridges.length > 0 ? portsOf(bridges[0])[0] : null;
}

interface Rewrite {
    text: string;
    changed: boolean;
    /** what was done or why nothing was */
    summary: string;
    /** "dhcp" or "static": how br0 gets its address */
    method: string;
}

export class InterfacesError extends Error {}

/* Makes the NIC a port of the bridge, the bridge taking over the NIC's address configuration. */
export function bridgeInterfaces(text: string, nic: string, options: { bridge?: string; mac?: string } = {}): Rewrite {
    const bridge = options.bridge ?? BRIDGE;
    const parsed = parseInterfaces(text);
    const already = bridgeOf(parsed, nic);
    if (already)
        return { text, changed: false, summary: `${nic} is a port of the bridge ${already} already`, method: "" };
    if (parsed.stanzas.some(s => s.name === bridge))
        throw new InterfacesError(`the interfaces file has a stanza for ${bridge} already, and it does not bridge ${nic}`);
    const inet = parsed.stanzas.find(s => s.name === nic && s.family === "inet");
    if (!inet)
        throw new InterfacesError(`the interfaces file has no "iface ${nic} inet" stanza`);
    if (inet.method !== "dhcp" && inet.method !== "static")
        throw new InterfacesError(`${nic} is configured "inet ${inet.method}", not dhcp or static: there is no address to keep`);
    const inet6 = parsed.stanzas.filter(s => s.name === nic && s.family === "inet6");

    const lines = parsed.lines;
    const indentOf = (s: IfaceStanza) => s.options.length > 0 ? /^(\s*)/.exec(lines[s.options[0]])![1] || "    " : "    ";
    const indent = indentOf(inet);
    const moved = inet.options.filter(o => L3_OPTIONS.test(optionName(lines[o])));
    const block: string[] = [
        "",
        `# ${bridge} carries ${nic}'s address; ${nic} is its port (set up by debvisor-firstboot)`,
        `auto ${bridge}`,
        `iface ${bridge} inet ${inet.method}${IFACE.exec(lines[inet.header])![5]}`,
        ...moved.map(o => indent + lines[o].trim()),
        `${indent}bridge_ports ${nic}`,
        `${indent}bridge_stp off`,
        `${indent}bridge_fd 0`,
        `${indent}bridge_maxwait 0`,
        ...(options.mac ? [`${indent}bridge_hw ${options.mac}`] : []),
    ];
    // the NIC's IPv6 stanzas move to the bridge, after its inet stanza
    for (const s of inet6) {
        block.push(`iface ${bridge} inet6 ${s.method}${IFACE.exec(lines[s.header])![5]}`);
        for (const o of s.options)
            block.push(indentOf(s) + lines[o].trim());
    }

    const drop = new Set<number>([...moved, ...inet6.flatMap(s => [s.header, ...s.options])]);
    const out: string[] = [];
    for (const [i, line] of lines.entries()) {
        if (i === inet.header) {
            const m = IFACE.exec(line)!;
            out.push(`${m[1]}iface ${nic} inet manual${m[5]}`);
        } else if (!drop.has(i)) {
            out.push(line);
        }
        if (i === inet.end)
            out.push(...block);
    }
    return {
        text: out.join("\n"),
        changed: true,
        summary: `${nic} became a port of ${bridge} ("iface ${nic} inet manual"); ${bridge} has ${nic}'s ${inet.method} address configuration`,
        method: inet.method,
    };
}
