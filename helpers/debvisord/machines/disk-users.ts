// Which machines use a piece of storage: the query other areas ask before
// they delete, roll back or shrink it (Ceph's images today). Read fresh from
// libvirt's definitions through libvirt-dbus, not from the published objects,
// so a machine defined a moment ago counts too.
import { child, parseXml } from "../../lib/xml-tree.js";
import { describeDomain, type DomainDisk } from "./domain-xml.js";
import type { Libvirt } from "./libvirt.js";

interface DiskUse {
    machine: string;
    /* running or paused: the disk is open now */
    active: boolean;
    disk: DomainDisk;
    /* "POOL/IMAGE" when the disk is an RBD image: a network disk, or a volume of a libvirt rbd pool */
    rbd: string | null;
}

/* The Ceph pool behind a libvirt storage pool of type rbd; null for any other pool or one libvirt does not know. */
async function rbdPoolOf(libvirt: Libvirt, poolName: string): Promise<string | null> {
    const path = await libvirt.poolByName(poolName);
    if (!path)
        return null;
    const pool = parseXml(await libvirt.poolXml(path));
    if (pool.attrs.type !== "rbd")
        return null;
    return child(child(pool, "source"), "name")?.text.trim() || null;
}

/* Every disk of every machine libvirt knows, with the RBD image it is when it is one. */
async function diskUses(libvirt: Libvirt): Promise<DiskUse[]> {
    const rbdPools = new Map<string, Promise<string | null>>();
    const rbdOf = async (disk: DomainDisk): Promise<string | null> => {
        if (disk.Type === "network")
            return disk.Protocol === "rbd" ? disk.Source.replace(/@.*$/, "") : null;
        if (disk.Type !== "volume")
            return null;
        const [pool, volume] = disk.Source.split("/");
        if (!rbdPools.has(pool))
            rbdPools.set(pool, rbdPoolOf(libvirt, pool));
        const cephPool = await rbdPools.get(pool)!;
        return cephPool ? `${cephPool}/${volume}` : null;
    };
    const uses: DiskUse[] = [];
    await Promise.all((await libvirt.listDomains()).map(async path => {
        const [xml, state] = await Promise.all([libvirt.domainXml(path), libvirt.domainState(path)]);
        const d = describeDomain(xml);
        for (const disk of d.disks)
            uses.push({ machine: d.name, active: state === "running" || state === "paused", disk, rbd: await rbdOf(disk) });
    }));
    return uses;
}

/* The names of the machines (only the running and paused ones with `activeOnly`) whose disk is the RBD image POOL/IMAGE. */
export async function machinesUsingRbdImage(libvirt: Libvirt, spec: string, activeOnly: boolean): Promise<string[]> {
    const uses = await diskUses(libvirt);
    return [...new Set(uses.filter(u => u.rbd === spec && (u.active || !activeOnly)).map(u => u.machine))].sort();
}
