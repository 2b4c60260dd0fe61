// Part of step 4: the management set of debvisord's firewall seeded with
// the networks of the management interface (the installer's address on br0,
// or the NIC the default route leaves by), so that no block and no
// quarantine can cut the admins' own network off. Through debvisord, which
// owns the table; networks already covered by the set are left as they are.
import dbus from "dbus-next";
import { FIREWALL_IFACE, ROOT_PATH } from "../../generated/dbus-contract.js";
import { call } from "../debvisorctl/bus.js";
import type { Network } from "./nft-baseline.js";

const FIREWALL_PATH = `${ROOT_PATH}/firewall`;
const CALL_TIMEOUT_MS = 60_000;

interface Report { Accepted?: string[]; Skipped?: string[]; Errors?: string[] }

export async function seedManagementSet(networks: Network[], device: string): Promise<string[]> {
    const cidrs = [...new Set(networks.map(n => n.cidr))];
    if (cidrs.length === 0)
        return ["warning: no network of the management interface was found; the management set is not seeded"];
    const noAsk = { "auth.no_user_interaction": new dbus.Variant("b", true) };
    const comment = new dbus.Variant("s", `seeded at first boot: the network of ${device}`);
    // a dry run first: what is in the set or overlaps it already is kept, not an error
    const [plan] = await call(FIREWALL_PATH, FIREWALL_IFACE, "AddManagement", "asa{sv}",
        [cidrs, { ...noAsk, comment, "dry-run": new dbus.Variant("b", true) }], { timeoutMs: CALL_TIMEOUT_MS }) as [Report];
    const log = [
        ...(plan.Skipped ?? []).map(s => `management set: ${s}`),
        ...(plan.Errors ?? []).map(e => `management set: kept as it is: ${e}`),
    ];
    const accepted = plan.Accepted ?? [];
    if (accepted.length > 0) {
        await call(FIREWALL_PATH, FIREWALL_IFACE, "AddManagement", "asa{sv}", [accepted, { ...noAsk, comment }], { timeoutMs: CALL_TIMEOUT_MS });
        log.push(`management set: added ${accepted.join(" ")} (the network of ${device})`);
    }
    return log;
}
