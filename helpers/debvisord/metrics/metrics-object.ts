// The Metrics singleton (/org/debvisor/DebVisor1/metrics): history of the
// node for the pages' graphs, read through debvisord so that the browser
// never talks to Prometheus and polkit decides who may read it.
import * as z from "zod/mini";
import { METRICS_IFACE } from "../../../generated/dbus-contract.js";
import { failed } from "../../lib/errors.js";
import { method } from "../bus/call-pipeline.js";
import type { ObjectServer } from "../bus/object-server.js";
import { count, optionsSchema } from "../validation.js";
import { EngineError } from "./engine-http.js";
import { HISTORY_SERIES, history, MAX_RANGE_SECONDS, MIN_RANGE_SECONDS } from "./history.js";

const seriesName = z.string().check(z.refine(s => Object.hasOwn(HISTORY_SERIES, s),
    `must be one of ${Object.keys(HISTORY_SERIES).join(", ")}`));

export class MetricsObject {
    readonly path: string;

    constructor(readonly server: ObjectServer, private readonly secret: () => string) {
        this.path = `${server.rootPath}/metrics`;
    }

    export(): void {
        this.server.export(this.path, [{ name: METRICS_IFACE, properties: () => ({ Series: Object.keys(HISTORY_SERIES) }), methods: {
            History: method({
                args: z.tuple([seriesName, count(MIN_RANGE_SECONDS, MAX_RANGE_SECONDS, " seconds"), optionsSchema({})]),
                run: async (_ctx, [series, range]) => {
                    const secret = this.secret();
                    if (!secret)
                        throw failed("history is not available: Prometheus is not installed, or its secret cannot be made");
                    try {
                        const { step, points } = await history(secret, series, range);
                        return [step, points];
                    } catch (e) {
                        throw e instanceof EngineError ? failed(e.message) : e;
                    }
                },
            }),
        } }]);
    }
}
