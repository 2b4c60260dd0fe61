// The Metrics singleton (/org/debvisor/DebVisor1/metrics): history of the
// node, its machines and pools for the pages' graphs, and how long Prometheus
// keeps it (admins change it), read through debvisord
// so that the browser never talks to Prometheus and polkit decides who may
// read it (viewers and up; a user without a DebVisor role learns nothing,
// not even whether a machine exists).
import * as z from "zod/mini";
import { METRICS_IFACE } from "../../../generated/dbus-contract.js";
import { failed, invalidArgument, notFound } from "../../lib/errors.js";
import { contractMethods, method, type MethodTable } from "../bus/call-pipeline.js";
import type { ObjectServer } from "../bus/object-server.js";
import { count, machineName, optionsSchema, resourceName } from "../validation.js";
import { EngineError } from "./engine-http.js";
import { enginePaths, type EnginePaths } from "./engine-setup.js";
import { HISTORY_SERIES, history, MAX_RANGE_SECONDS, MIN_RANGE_SECONDS, seriesQuery, type Subject } from "./history.js";
import { applyRetention, DEFAULT_RETENTION_DAYS, MAX_RETENTION_DAYS, MIN_RETENTION_DAYS, readRetentionDays, writeRetentionDays } from "./retention.js";

const seriesName = z.string().check(z.refine(s => Object.hasOwn(HISTORY_SERIES, s),
    `must be one of ${Object.keys(HISTORY_SERIES).join(", ")}`));
const uuid = z.string().check(z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "must be a machine's UUID"));

const IFACE = "org.debvisor.DebVisor1.";
/** the option that names a series' subject, the interface of its objects and the property that names them */
const SUBJECTS: Record<Exclude<Subject, "node">, { option: "machine" | "pool"; iface: string; property: string; what: string }> = {
    machine: { option: "machine", iface: `${IFACE}Machine`, property: "UUID", what: "machine with the UUID" },
    "zfs-pool": { option: "pool", iface: `${IFACE}ZfsPool`, property: "Name", what: "ZFS pool named" },
    "ceph-pool": { option: "pool", iface: `${IFACE}CephPool`, property: "Name", what: "Ceph pool named" },
};

export class MetricsObject {
    readonly path: string;

    constructor(readonly server: ObjectServer, private readonly secret: () => string, readonly paths: EnginePaths = enginePaths()) {
        this.path = `${server.rootPath}/metrics`;
    }

    /* The subject's value for the query: checked against the objects the areas publish. */
    private subjectOf(series: string, options: { machine?: string; "machine-name"?: string; pool?: string }): string {
        const kind = HISTORY_SERIES[series].subject;
        const byName = options["machine-name"];
        if (kind === "node") {
            if (options.machine !== undefined || byName !== undefined || options.pool !== undefined)
                throw invalidArgument(`options: ${series} is the node's; it takes no machine or pool`);
            return "";
        }
        // a machine by its name: what a page knows from its address before it has read the machines
        if (byName !== undefined) {
            if (kind !== "machine")
                throw invalidArgument(`options: ${series} is a pool's; it takes no machine-name`);
            if (options.machine !== undefined)
                throw invalidArgument('options: name the machine by "machine" or "machine-name", not both');
            const found = this.server.objectsWith(`${IFACE}Machine`).find(o => o.props.Name === byName);
            if (!found)
                throw notFound(`machine-name: there is no machine named "${byName}"`);
            return String(found.props.UUID);
        }
        const { option, iface, property, what } = SUBJECTS[kind];
        const value = options[option];
        if (value === undefined)
            throw invalidArgument(`options: ${series} needs "${option}"`);
        if (!this.server.objectsWith(iface).some(o => o.props[property] === value))
            throw notFound(`${option}: there is no ${what} "${value}"`);
        return value;
    }

    /* The retention as saved; a file edited by hand shows with the next change or start. */
    publish(): void {
        this.server.publish(this.path, METRICS_IFACE, { Series: Object.keys(HISTORY_SERIES), HistoryRetentionDays: this.savedDays() }, () => this.methods());
    }

    private savedDays(): number {
        try {
            return readRetentionDays(this.paths.prometheusEnv);
        } catch {
            // edited by hand: SetHistoryRetention writes it anew
            return DEFAULT_RETENTION_DAYS;
        }
    }

    private methods(): MethodTable {
        return contractMethods(METRICS_IFACE, {
            History: method({
                args: z.tuple([seriesName, count(MIN_RANGE_SECONDS, MAX_RANGE_SECONDS, " seconds"),
                    optionsSchema({ machine: z.optional(uuid), "machine-name": z.optional(machineName), pool: z.optional(resourceName) })]),
                run: async (_ctx, [series, range, options]) => {
                    const query = seriesQuery(series, this.subjectOf(series, options));
                    const secret = this.secret();
                    if (!secret)
                        throw failed("history is not available: Prometheus is not installed, or its secret cannot be made");
                    try {
                        const { step, points } = await history(secret, query, range);
                        return [step, points];
                    } catch (e) {
                        throw e instanceof EngineError ? failed(e.message) : e;
                    }
                },
            }),
            SetHistoryRetention: method({
                args: z.tuple([count(MIN_RETENTION_DAYS, MAX_RETENTION_DAYS, " days"), optionsSchema({})]),
                run: async (_ctx, [days]) => {
                    const secret = this.secret();
                    if (!secret)
                        throw failed("history is not kept: Prometheus is not installed, or its secret cannot be made");
                    const before = this.savedDays();
                    writeRetentionDays(this.paths.prometheusEnv, days);
                    this.publish();
                    const problem = await applyRetention(secret, days);
                    if (problem) {
                        writeRetentionDays(this.paths.prometheusEnv, before);
                        this.publish();
                        const back = await applyRetention(secret, before);
                        throw failed(`Prometheus did not take ${days} days of history (${problem}); ${before} days are kept${back ? `, but Prometheus did not come back with them either: ${back}` : ""}`);
                    }
                    return [];
                },
            }),
        });
    }
}
