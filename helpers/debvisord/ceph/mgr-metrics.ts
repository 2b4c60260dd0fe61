// ceph-mgr's prometheus module, where the shipped Ceph alerts (CephHealthWarning,
// CephOsdDown, CephPoolNearlyFull) get their figures: Prometheus's "ceph" job
// scrapes 127.0.0.1:9283. DebVisor enables it on loopback only, for a cluster
// it makes (a bootstrap step) and for one it finds when the node runs
// Prometheus. A module an admin enabled already is kept as it is (whatever
// address it has): only a disabled one is configured and enabled.
import { failed } from "../../lib/errors.js";

export const MGR_METRICS_ADDRESS = "127.0.0.1";
export const MGR_METRICS_PORT = 9283;
const MODULE = "prometheus";
/** a manager that has just started reports its modules within seconds */
const MODULES_REPORTED_WITHIN_MS = 60_000;

/** `ceph ARGS` as the caller runs it; its stdout */
export type CephRun = (args: string[], what: string) => Promise<string>;

interface ModuleList {
    enabled_modules?: string[];
    /** a list, or (in mgr dump) a list per release */
    always_on_modules?: string[] | Record<string, string[]>;
    disabled_modules?: Array<{ name?: string; can_run?: boolean; error_string?: string }>;
}

export type ModuleState = { state: "enabled" } | { state: "disabled" } | { state: "cannot-run"; why: string } | { state: "unreported" };

/* From `ceph mgr module ls -f json`: where the prometheus module stands. Listed nowhere: no manager has reported its modules yet. */
export function prometheusModuleState(json: string): ModuleState {
    let list: ModuleList;
    try {
        list = JSON.parse(json) as ModuleList;
    } catch {
        throw failed("ceph mgr module ls answered no JSON");
    }
    const alwaysOn = Array.isArray(list.always_on_modules) ? list.always_on_modules : Object.values(list.always_on_modules ?? {}).flat();
    if (list.enabled_modules?.includes(MODULE) || alwaysOn.includes(MODULE))
        return { state: "enabled" };
    const disabled = list.disabled_modules?.find(m => m.name === MODULE);
    if (!disabled)
        return { state: "unreported" };
    return disabled.can_run === false ? { state: "cannot-run", why: disabled.error_string || "no reason given" } : { state: "disabled" };
}

/* Enables the module on loopback unless it is on: "kept" when it was, "ok" when enabled now. */
export async function ensureMgrMetrics(ceph: CephRun, reportedWithinMs = MODULES_REPORTED_WITHIN_MS): Promise<"ok" | "kept"> {
    const deadline = Date.now() + reportedWithinMs;
    const read = async () => prometheusModuleState(await ceph(["mgr", "module", "ls", "-f", "json"], "listing ceph-mgr's modules"));
    let module = await read();
    while (module.state === "unreported" && Date.now() < deadline) {
        await new Promise(r => setTimeout(r, 1000));
        module = await read();
    }
    switch (module.state) {
    case "enabled":
        return "kept";
    case "unreported":
        throw failed(`no ceph-mgr reported its modules within ${reportedWithinMs / 1000} s: is a manager running?`);
    case "cannot-run":
        throw failed(`ceph-mgr cannot run its prometheus module: ${module.why}`);
    }
    // the address first: enabled with Ceph's default it would listen on every address
    await ceph(["config", "set", "mgr", "mgr/prometheus/server_addr", MGR_METRICS_ADDRESS], "binding ceph-mgr's prometheus module to loopback");
    await ceph(["config", "set", "mgr", "mgr/prometheus/server_port", String(MGR_METRICS_PORT)], "setting the port of ceph-mgr's prometheus module");
    await ceph(["mgr", "module", "enable", MODULE], "enabling ceph-mgr's prometheus module");
    return "ok";
}
