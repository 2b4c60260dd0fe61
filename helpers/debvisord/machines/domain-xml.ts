// What the Machine object shows of a libvirt domain's XML.
import { child, children, parseXml, type XmlElement } from "../../lib/xml-tree.js";

export interface DomainDisk { Target: string; Device: string; Bus: string; Format: string; Source: string }
export interface DomainNic { Mac: string; Type: string; Source: string; Model: string }
export interface DomainGraphics { Type: string; Port: number; Listen: string }
export interface DomainCreatedBy { User: string; Uid: number; Time: string }

export interface DomainDescription {
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
        graphics: children(devices, "graphics").map(g => ({
            Type: g.attrs.type ?? "",
            Port: Number(g.attrs.port ?? -1),
            Listen: g.attrs.listen ?? child(g, "listen")?.attrs.address ?? "",
        })),
        osId: localChild(localChild(metadata, "libosinfo"), "os")?.attrs.id ?? "",
        createdBy: createdBy ? { User: createdBy.attrs.user ?? "", Uid: Number(createdBy.attrs.uid ?? -1), Time: createdBy.attrs.time ?? "" } : null,
        serialPty: child(serial, "source")?.attrs.path ?? "",
    };
}
