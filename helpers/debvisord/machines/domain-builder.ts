// libvirt XML for what DebVisor defines: new domains, disks and NICs to
// attach. Every value is escaped here, once; the callers pass validated
// values but a path may still hold "&" or quotes.

const DEBVISOR_XMLNS = "https://debvisor.org/xmlns/machine/1";
const LIBOSINFO_XMLNS = "http://libosinfo.org/xmlns/libvirt/domain/1.0";

export function xmlEscape(value: string | number): string {
    return String(value).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;" })[c]!);
}

/* An RBD image as a network disk: libvirt cannot start a machine whose disk is a volume of an rbd pool. */
interface RbdDisk {
    /** "cephpool/image" */
    name: string;
    /** the monitors librbd asks first (the pool's own list) */
    hosts: string[];
    port: string;
    user: string;
    /** the libvirt secret with the user's key, by its usage name: the same name on every node */
    secretUsage: string;
}

/* A disk as a volume of a libvirt pool (dir or ZFS directory), an RBD image, a plain file, or a block device (a zvol). */
export type DiskSource = { pool: string; volume: string } | { rbd: RbdDisk } | { file: string } | { device: string };

export interface DiskSpec {
    source: DiskSource;
    target: string;             // vda, vdb … or sda for a cdrom
    device: "disk" | "cdrom";
    format: string;             // qcow2, raw
    bus: "virtio" | "sata" | "scsi";
}

/* Where a NIC plugs in: a host bridge (br0) or a libvirt network (default). */
export type NicSource = { bridge: string } | { network: string };

export interface NicSpec { source: NicSource; model: string; mac?: string }

interface DomainSpec {
    name: string;
    uuid: string;
    kvm: boolean;
    vcpus: number;
    memoryMiB: number;
    osId?: string;              // a libosinfo id, e.g. http://debian.org/debian/12
    createdBy: { user: string; uid: number; time: string };
    bootFromCdrom: boolean;
    disks: DiskSpec[];
    nics: NicSpec[];
}

function sourceXml(source: DiskSource): { type: string; xml: string } {
    if ("file" in source)
        return { type: "file", xml: `<source file="${xmlEscape(source.file)}"/>` };
    if ("device" in source)
        return { type: "block", xml: `<source dev="${xmlEscape(source.device)}"/>` };
    if ("rbd" in source) {
        const r = source.rbd;
        return {
            type: "network",
            xml: `<auth username="${xmlEscape(r.user)}"><secret type="ceph" usage="${xmlEscape(r.secretUsage)}"/></auth>` +
                `<source protocol="rbd" name="${xmlEscape(r.name)}">${r.hosts.map(h => `<host name="${xmlEscape(h)}" port="${xmlEscape(r.port)}"/>`).join("")}</source>`,
        };
    }
    return { type: "volume", xml: `<source pool="${xmlEscape(source.pool)}" volume="${xmlEscape(source.volume)}"/>` };
}

export function diskXml(d: DiskSpec): string {
    const source = sourceXml(d.source);
    return `<disk type="${source.type}" device="${d.device}">` +
        `<driver name="qemu" type="${xmlEscape(d.format)}"${d.device === "disk" ? " discard=\"unmap\"" : ""}/>` +
        source.xml +
        `<target dev="${xmlEscape(d.target)}" bus="${d.bus}"/>` +
        (d.device === "cdrom" ? "<readonly/>" : "") +
        "</disk>";
}

export function nicXml(n: NicSpec): string {
    const [type, source] = "bridge" in n.source
        ? ["bridge", `<source bridge="${xmlEscape(n.source.bridge)}"/>`]
        : ["network", `<source network="${xmlEscape(n.source.network)}"/>`];
    return `<interface type="${type}">` +
        (n.mac ? `<mac address="${xmlEscape(n.mac)}"/>` : "") +
        source + `<model type="${xmlEscape(n.model)}"/></interface>`;
}

export function domainXml(s: DomainSpec): string {
    const metadata = `<metadata>` +
        `<debvisor:machine xmlns:debvisor="${DEBVISOR_XMLNS}">` +
        `<debvisor:created-by user="${xmlEscape(s.createdBy.user)}" uid="${s.createdBy.uid}" time="${xmlEscape(s.createdBy.time)}"/>` +
        `</debvisor:machine>` +
        (s.osId ? `<libosinfo:libosinfo xmlns:libosinfo="${LIBOSINFO_XMLNS}"><libosinfo:os id="${xmlEscape(s.osId)}"/></libosinfo:libosinfo>` : "") +
        `</metadata>`;
    const boot = (s.bootFromCdrom ? `<boot dev="cdrom"/>` : "") + `<boot dev="hd"/>`;
    return `<domain type="${s.kvm ? "kvm" : "qemu"}">` +
        `<name>${xmlEscape(s.name)}</name><uuid>${xmlEscape(s.uuid)}</uuid>` + metadata +
        `<memory unit="MiB">${s.memoryMiB}</memory><currentMemory unit="MiB">${s.memoryMiB}</currentMemory>` +
        `<vcpu placement="static">${s.vcpus}</vcpu>` +
        `<os><type arch="x86_64" machine="pc">hvm</type>${boot}</os>` +
        `<features><acpi/><apic/></features>` +
        (s.kvm ? `<cpu mode="host-passthrough"/>` : "") +
        `<clock offset="utc"/><on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>` +
        `<devices>` +
        s.disks.map(diskXml).join("") +
        s.nics.map(nicXml).join("") +
        // serial on a pty: the console the page and `debvisorctl vm console` attach to
        `<serial type="pty"><target port="0"/></serial><console type="pty"><target type="serial" port="0"/></console>` +
        `<channel type="unix"><target type="virtio" name="org.qemu.guest_agent.0"/></channel>` +
        // VNC on a socket in libvirt's per-machine directory, no TCP port: the browser
        // and debvisorctl reach it through debvisord's per-caller socket (graphics-socket.ts)
        `<graphics type="vnc"><listen type="socket"/></graphics>` +
        `<video><model type="vga"/></video>` +
        `<memballoon model="virtio"/>` +
        `</devices></domain>`;
}
