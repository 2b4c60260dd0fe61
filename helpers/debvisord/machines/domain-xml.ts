// What the Machine object shows of a libvirt domain's XML.
import { child, children, parseXml } from "../../lib/xml-tree.js";

export interface DomainDisk { Target: string; Device: string; Bus: string; Format: string; Source: string }
export interface DomainNic { Mac: string; Type: string; Source: string; Model: string }
export interface DomainGraphics { Type: string; Port: number; Listen: string }

export interface DomainDescription {
    name: string;
    uuid: string;
    vcpus: number;
    memoryMiB: number;
    emulated: boolean;
    disks: DomainDisk[];
    nics: DomainNic[];
    graphics: DomainGraphics[];
}

const UNIT_BYTES: Record<string, number> = {
    b: 1, bytes: 1, k: 1024, kib: 1024, kb: 1000, m: 1024 ** 2, mib: 1024 ** 2, mb: 1000 ** 2,
    g: 1024 ** 3, gib: 1024 ** 3, gb: 1000 ** 3, t: 1024 ** 4, tib: 1024 ** 4, tb: 1000 ** 4,
};

function mebibytes(value: string, unit = "KiB"): number {
    return Math.round(Number(value) * (UNIT_BYTES[unit.toLowerCase()] ?? 1024) / 1024 ** 2);
}

export function describeDomain(xml: string): DomainDescription {
    const domain = parseXml(xml);
    const devices = child(domain, "devices");
    const memory = child(domain, "memory");
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
    };
}
