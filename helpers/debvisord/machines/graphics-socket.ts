// A machine's display on a UNIX socket instead of a TCP port. VNC on
// 127.0.0.1 answers every local account with screen and keyboard (RFB
// security type "none"), so DebVisor's machines listen on a socket that
// libvirt places in its per-machine directory (/var/lib/libvirt/qemu/
// domain-N-NAME, mode 0750, owned by the qemu user and group, inside
// /var/lib/libvirt/qemu, also 0750): only root and the qemu user enter it.
// libvirt makes it at each start, labels it for qemu (DAC, AppArmor) and
// removes it when the machine stops, so no stale socket or path is ours to
// manage. OpenConsole relays the caller to it.
//
// Machines DebVisor made before this (recognised by DebVisor's metadata in
// their definition) are moved over: their stored definition is rewritten
// when debvisord first reads them and again before Start, so their next
// start, also libvirt's autostart at boot, uses the socket. Machines
// defined elsewhere are left as their owner made them; their Graphics
// property says who can reach the display.
import { xmlEscape } from "./domain-builder.js";
import { describeDomain } from "./domain-xml.js";
import type { Libvirt } from "./libvirt.js";
import { parseXml } from "../../lib/xml-tree.js";

/* What <graphics type="vnc"> keeps when it moves: everything but where it listened. */
const LISTEN_ATTRIBUTES = new Set(["port", "autoport", "listen", "socket", "websocket", "websocketGenerated"]);

const GRAPHICS_ELEMENT = /<graphics\b[^>]*?\/>|<graphics\b[^>]*[^/]>[\s\S]*?<\/graphics>/g;
const LISTEN_ELEMENT = /<listen\b[^>]*?\/>|<listen\b[^>]*[^/]>[\s\S]*?<\/listen>/g;

/* The VNC display of a definition on a socket libvirt places; the other
 * devices untouched. null when no VNC display listens on TCP. */
export function vncOnSocket(xml: string): string | null {
    let changed = false;
    const moved = xml.replace(GRAPHICS_ELEMENT, element => {
        const [graphics] = describeDomain(`<domain><devices>${element}</devices></domain>`).graphics;
        if (graphics.Type !== "vnc" || (graphics.Access !== "local-users" && graphics.Access !== "network"))
            return element;
        changed = true;
        const attrs = Object.entries(parseXml(element).attrs).filter(([name]) => name !== "type" && !LISTEN_ATTRIBUTES.has(name));
        const inner = element.endsWith("/>") ? "" : element.replace(/^<graphics\b[^>]*>/, "").replace(/<\/graphics>$/, "").replace(LISTEN_ELEMENT, "");
        return `<graphics type='vnc'${attrs.map(([name, value]) => ` ${name}='${xmlEscape(value)}'`).join("")}>` +
            `<listen type='socket'/>${inner.trim()}</graphics>`;
    });
    return changed ? moved : null;
}

/* Rewrites the stored definition of a machine DebVisor made whose VNC is on
 * TCP; returns whether it did. A running machine keeps its display until it
 * stops; its next start uses the socket. */
export async function moveVncToSocket(libvirt: Libvirt, domainPath: string): Promise<boolean> {
    const stored = await libvirt.domainStoredXml(domainPath);
    if (!describeDomain(stored).createdBy)
        return false;
    const moved = vncOnSocket(stored);
    if (!moved)
        return false;
    await libvirt.defineDomain(moved);
    return true;
}
