// What the Machine object shows of a libvirt domain's XML.
import { child, children, parseXml, type XmlElement } from "../../lib/xml-tree.js";
import { readTags } from "./machine-tags.js";

/* Type is libvirt's disk type (file, block, volume, network); Protocol a network disk's (rbd, nbd …), else "". */
export interface DomainDisk { Target: string; Device: string; Bus: string; Format: string; Source: string; Type: string; Protocol: string }
interface DomainNic { Mac: string; Type: string; Source: string; Model: string }
/**
 * Who can reach a display without DebVisor: "private" (a UNIX socket in
 * libvirt's per-machine directory, which only root and the qemu user can
 * enter: reached through OpenConsole alone), "local-users" (a TCP port on
 * loopback: every local account), "network" (a TCP port on another address),
 * "none" (no listener).
 */
type GraphicsAccess = "private" | "local-users" | "network" | "none";
interface DomainGraphics { Type: string; Port: number; Listen: string; Socket: string; Access: GraphicsAccess }
interface DomainCreatedBy { User: string; Uid: number; Time: string }

interface DomainDescription {
    name: string;
    uuid: string;
    vcpus: number;
    memoryMiB: number;
    emulated: boolean;
    disks: DomainDisk[];
    nics: DomainNic[];
    graphics: DomainGraphics[];
    /** the libosinfo id of the installed OS, e.g. http://debian.org/debian/12 */
    osId: string;
    createdBy: DomainCreatedBy | null;
    /** Machine.Tags */
    tags: string[];
    /** the host side of the serial console of a running domain, e.g. /dev/pts/3 */
    serialPty: string;
}

const UNIT_BYTES: Record<string, number> = {
    b: 1, bytes: 1, k: 1024, kib: 1024, kb: 1000, m: 1024 ** 2, mib: 1024 ** 2, mb: 1000 ** 2,
    g: 1024 ** 3, gib: 1024 ** 3, gb: 1000 ** 3, t: 1024 ** 4, tib: 1024 ** 4, tb: 1000 ** 4,
};

function mebibytes(value: string, unit = "KiB"): number {
    return Math.round(Number(value) * (UNIT_BYTES[unit.toLowerCase()] ?? 1024) / 1024 ** 2);
}

/* Elements in <metadata> carry the prefix their writer chose; match the local name. */
function localChild(element: XmlElement | undefined, local: string): XmlElement | undefined {
    return element?.children.find(c => c.name === local || c.name.endsWith(`:${local}`));
}

function isLoopback(address: string): boolean {
    return /^127\./.test(address) || address === "::1" || address === "localhost";
}

/* libvirt writes the first listener both as attributes of <graphics> and as
 * a <listen> child; a definition may hold either. */
function describeGraphics(g: XmlElement): DomainGraphics {
    const listen = child(g, "listen");
    const type = listen?.attrs.type ?? (g.attrs.socket ? "socket" : "address");
    const socket = listen?.attrs.socket ?? g.attrs.socket ?? "";
    const address = type === "address" || type === "network" ? listen?.attrs.address ?? g.attrs.listen ?? "" : "";
    const onTcp = type === "address" || type === "network";
    const access: GraphicsAccess = type === "socket" ? "private" : type === "none" ? "none"
        // no address: qemu.conf's vnc_listen/spice_listen, 127.0.0.1 unless changed
        : type === "address" && (address === "" || isLoopback(address)) ? "local-users" : "network";
    return {
        Type: g.attrs.type ?? "",
        // a socket has no port: never show one that does not exist
        Port: onTcp ? Number(g.attrs.port ?? -1) : -1,
        Listen: address,
        Socket: socket,
        Access: access,
    };
}

export function describeDomain(xml: string): DomainDescription {
    const domain = parseXml(xml);
    const devices = child(domain, "devices");
    const memory = child(domain, "memory");
    const metadata = child(domain, "metadata");
    const createdBy = localChild(localChild(metadata, "machine"), "created-by");
    const serial = children(devices, "serial").find(s => s.attrs.type === "pty");
    return {
        name: child(domain, "name")?.text.trim() ?? "",
        uuid: child(domain, "uuid")?.text.trim() ?? "",
        vcpus: Number(child(domain, "vcpu")?.text.trim() ?? 0),
        memoryMiB: memory ? mebibytes(memory.text.trim(), memory.attrs.unit) : 0,
        emulated: domain.attrs.type !== "kvm",
        disks: children(devices, "disk").map(d => {
            const source = child(d, "source");
            const volume = source?.attrs.pool && source.attrs.volume ? `${source.attrs.pool}/${source.attrs.volume}` : "";
            return {
                Target: child(d, "target")?.attrs.dev ?? "",
                Device: d.attrs.device ?? "disk",
                Bus: child(d, "target")?.attrs.bus ?? "",
                Format: child(d, "driver")?.attrs.type ?? "",
                Source: source?.attrs.file ?? source?.attrs.dev ?? (volume || source?.attrs.name) ?? "",
                Type: d.attrs.type ?? "file",
                Protocol: source?.attrs.protocol ?? "",
            };
        }),
        nics: children(devices, "interface").map(i => {
            const source = child(i, "source");
            return {
                Mac: child(i, "mac")?.attrs.address ?? "",
                Type: i.attrs.type ?? "",
                Source: source?.attrs.network ?? source?.attrs.bridge ?? source?.attrs.dev ?? "",
                Model: child(i, "model")?.attrs.type ?? "",
            };
        }),
        graphics: children(devices, "graphics").map(describeGraphics),
        osId: localChild(localChild(metadata, "libosinfo"), "os")?.attrs.id ?? "",
        createdBy: createdBy ? { User: createdBy.attrs.user ?? "", Uid: Number(createdBy.attrs.uid ?? -1), Time: createdBy.attrs.time ?? "" } : null,
        serialPty: child(serial, "source")?.attrs.path ?? "",
        tags: readTags(metadata),
    };
}
