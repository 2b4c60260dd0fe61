// Where a new NIC plugs in. A host bridge br0 (made by first boot on the
// primary NIC) puts VMs on the LAN; without one, libvirt's NAT network
// "default" is used and started if it is not running.
import fs from "node:fs";
import * as z from "zod/mini";
import { failed, invalidArgument } from "../../lib/errors.js";
import { NETWORK_CHOICE } from "../../lib/machine-rules.js";
import type { NicSource } from "./domain-builder.js";
import type { Libvirt } from "./libvirt.js";

const HOST_BRIDGE = "br0";
const DEFAULT_NETWORK = "default";

/* "bridge:NAME", "network:NAME", or "none" for a machine without a NIC. */
export const NETWORK_OPTION = z.string().check(
    z.regex(NETWORK_CHOICE,
        "must be \"bridge:NAME\" (a host bridge), \"network:NAME\" (a libvirt network) or \"none\""));

function bridgeExists(name: string): boolean {
    return fs.existsSync(`/sys/class/net/${name}/bridge`);
}

export async function nicSourceFor(libvirt: Libvirt, option?: string): Promise<NicSource> {
    if (option?.startsWith("bridge:")) {
        const bridge = option.slice("bridge:".length);
        if (!bridgeExists(bridge))
            throw invalidArgument(`network: there is no bridge ${bridge} on this host`);
        return { bridge };
    }
    if (!option && bridgeExists(HOST_BRIDGE))
        return { bridge: HOST_BRIDGE };
    const network = option?.startsWith("network:") ? option.slice("network:".length) : DEFAULT_NETWORK;
    const path = await libvirt.networkByName(network);
    if (!path)
        throw invalidArgument(`network: libvirt has no network named ${network}`);
    if (!await libvirt.networkActive(path)) {
        try {
            await libvirt.startNetwork(path);
        } catch (e) {
            throw failed(`the libvirt network ${network} is not running and cannot be started: ${(e as Error).message}`);
        }
    }
    return { network };
}
