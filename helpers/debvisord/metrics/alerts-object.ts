// The Alerts singleton (/org/debvisor/DebVisor1/alerts): the alerts that are
// active now as Alertmanager knows them, silencing them for a while (and
// ending a silence early), the notification targets (which debvisord turns
// into Alertmanager's configuration) and every notification attempt as
// Alertmanager logged it. Viewers read; admins silence and configure.
import * as z from "zod/mini";
import { ALERTS_IFACE } from "../../../generated/dbus-contract.js";
import { failed, invalidArgument, notFound } from "../../lib/errors.js";
import { groupId } from "../../lib/system-ids.js";
import { NotInstalled } from "../area-supervisor.js";
import { contractMethods, method, type MethodTable } from "../bus/call-pipeline.js";
import type { ObjectServer } from "../bus/object-server.js";
import { count, optionsSchema, resourceName } from "../validation.js";
import { AlertmanagerClient, type AmAlert } from "./alertmanager-client.js";
import { EngineError } from "./engine-http.js";
import { enginePaths, ensureEngineSecret, type EnginePaths } from "./engine-setup.js";
import { ALERTMANAGER_LOG, readNotificationLog, type NotificationAttempt } from "./notification-log.js";
import {
    readTargets, SEVERITIES, shownAddress, TARGET_KINDS, TEST_LABEL, writeAlertmanagerConfig, writeTargets, type NotificationTarget,
} from "./notification-targets.js";

const MAX_SILENCE_SECONDS = 90 * 24 * 3600;
const MAX_TARGETS = 32;

const labelName = z.string().check(z.regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/, "must be a label name (letters, digits and \"_\")"));
const labelValue = z.string().check(z.maxLength(1024, "must be at most 1024 characters"),
    z.refine(v => !/[\u0000-\u001f\u007f]/.test(v), "must not contain control characters such as newlines"));
const comment = z.string().check(z.maxLength(1024, "must be at most 1024 characters"),
    z.refine(v => !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(v), "must not contain control characters"));
const silenceId = z.string().check(z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "must be a silence's id (a UUID)"));
const email = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*$/;

/* A webhook must be an http(s) URL without credentials that change what Alertmanager shows in its logs. */
function checkAddress(kind: string, address: string): string {
    if (address.length > 2048)
        return "must be at most 2048 characters";
    if (kind === "email")
        return email.test(address) ? "" : "must be an e-mail address (user@example.org)";
    try {
        const url = new URL(address);
        if (url.protocol !== "http:" && url.protocol !== "https:")
            return "must be an http:// or https:// URL";
        if (url.username || url.password)
            return "must not contain a user name or password (put a token in the path or query)";
        return "";
    } catch {
        return "must be an http:// or https:// URL";
    }
}

function alertProperties(a: AmAlert): Record<string, unknown> {
    return {
        Name: a.labels.alertname ?? "", Severity: a.labels.severity ?? "", Summary: a.annotations.summary ?? "",
        Description: a.annotations.description ?? "", State: a.status?.state ?? "", Fingerprint: a.fingerprint,
        StartTime: BigInt(Date.parse(a.startsAt) || 0) * 1000n, Labels: a.labels,
        SilencedBy: a.status?.silencedBy ?? [],
    };
}

export class AlertsObject {
    readonly path: string;
    private secret = "";
    /** the engines' secret once the area is ready; "" before */
    readonly engineSecret = () => this.secret;
    readonly client: AlertmanagerClient;

    constructor(readonly server: ObjectServer, readonly paths: EnginePaths = enginePaths(), private readonly notificationLog = ALERTMANAGER_LOG) {
        this.path = `${server.rootPath}/alerts`;
        this.client = new AlertmanagerClient(() => this.secret);
    }

    /* The area supervisor's attempt: the secret and a configuration Alertmanager can read. */
    async probe(): Promise<void> {
        if (groupId("prometheus") === undefined)
            throw new NotInstalled("Prometheus and Alertmanager are not installed (apt install prometheus prometheus-alertmanager prometheus-node-exporter): no alerts are raised or sent");
        this.secret = await ensureEngineSecret(this.paths);
        const targets = readTargets(this.paths.targets);
        writeAlertmanagerConfig(this.paths.alertmanagerConfig, targets);
        this.publish(targets);
    }

    /* On the bus at once, before the secret and Alertmanager's configuration are made; the targets as saved
     * (read again where not given): a file edited by hand shows with the next change or start. */
    publish(targets?: NotificationTarget[]): void {
        try {
            targets ??= readTargets(this.paths.targets);
        } catch {
            // a file edited by hand: the calls say what is wrong with it
            targets = [];
        }
        this.server.publish(this.path, ALERTS_IFACE, {
            NotificationTargets: targets.map(t => ({
                Name: t.name, Kind: t.kind, Address: shownAddress(t), MinSeverity: t.minSeverity,
                AddedTime: BigInt(t.added) * 1000n, AddedByUID: t.addedByUid,
            })),
        }, () => this.methods());
    }

    private requireSecret(): void {
        if (!this.secret)
            throw failed("alerts are not set up yet: the metrics engines (prometheus, prometheus-alertmanager) are not installed, or their secret cannot be made");
    }

    private engineCall<T>(work: () => Promise<T>): Promise<T> {
        this.requireSecret();
        return work().catch((e: unknown) => {
            throw e instanceof EngineError ? failed(e.message) : e;
        });
    }

    /* Saves the targets, makes Alertmanager's configuration from them and has Alertmanager read it. */
    private async applyTargets(targets: NotificationTarget[]): Promise<void> {
        writeTargets(this.paths.targets, targets);
        writeAlertmanagerConfig(this.paths.alertmanagerConfig, targets);
        this.publish(targets);
        await this.engineCall(() => this.client.reload());
    }

    private methods(): MethodTable {
        return contractMethods(ALERTS_IFACE, {
            ListAlerts: method({
                args: z.tuple([optionsSchema({})]),
                run: async () => {
                    const alerts = await this.engineCall(() => this.client.alerts());
                    return [alerts.filter(a => !a.labels[TEST_LABEL]).map(alertProperties)];
                },
            }),
            ListNotifications: method({
                args: z.tuple([optionsSchema({})]),
                run: async () => {
                    let attempts: NotificationAttempt[];
                    try {
                        attempts = readNotificationLog(this.notificationLog);
                    } catch (e) {
                        throw failed((e as Error).message);
                    }
                    return [attempts.map(a => ({
                        Time: BigInt(a.time) * 1000n, Target: a.target, Kind: a.kind, Alerts: a.alerts,
                        Outcome: a.outcome, Error: a.error, Attempts: a.attempts,
                    }))];
                },
            }),
            Silence: method({
                args: z.tuple([z.record(labelName, labelValue), count(60, MAX_SILENCE_SECONDS, " seconds"), comment, optionsSchema({})]),
                run: async (ctx, [matchers, seconds, text]) => {
                    if (Object.keys(matchers).length === 0)
                        throw invalidArgument("matchers: name at least one label (e.g. alertname), or every alert would be silenced");
                    const id = await this.engineCall(() => this.client.silence(
                        Object.entries(matchers).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
                        new Date(Date.now() + seconds * 1000), ctx.caller.user, text || `silenced with DebVisor by ${ctx.caller.user}`));
                    return [id];
                },
            }),
            Unsilence: method({
                args: z.tuple([silenceId, optionsSchema({})]),
                run: async (_ctx, [id]) => {
                    if (!await this.engineCall(() => this.client.unsilence(id)))
                        throw notFound(`silence_id: Alertmanager has no silence "${id}" in force`);
                    return [];
                },
            }),
            AddNotificationTarget: method({
                args: z.tuple([resourceName, z.enum(TARGET_KINDS), z.string(), z.enum(SEVERITIES), optionsSchema({})]),
                // a webhook's URL can hold a token: the audit log keeps its origin only
                audit: ([name, kind, address, severity]) => [name, kind, kind === "webhook" ? shownAddress({ kind, address } as NotificationTarget) : address, severity],
                run: async (ctx, [name, kind, address, severity]) => {
                    const problem = checkAddress(kind, address);
                    if (problem)
                        throw invalidArgument(`address: ${problem}`);
                    this.requireSecret();
                    const targets = readTargets(this.paths.targets);
                    if (targets.some(t => t.name === name))
                        throw invalidArgument(`name: a notification target named "${name}" exists already`);
                    if (targets.length >= MAX_TARGETS)
                        throw invalidArgument(`name: there are ${MAX_TARGETS} notification targets already; remove one first`);
                    await this.applyTargets([...targets, { name, kind, address, minSeverity: severity, added: Date.now(), addedByUid: ctx.caller.uid }]);
                    return [];
                },
            }),
            RemoveNotificationTarget: method({
                args: z.tuple([resourceName, optionsSchema({})]),
                run: async (_ctx, [name]) => {
                    const targets = readTargets(this.paths.targets);
                    if (!targets.some(t => t.name === name))
                        throw notFound(`name: there is no notification target named "${name}"`);
                    await this.applyTargets(targets.filter(t => t.name !== name));
                    return [];
                },
            }),
            TestNotificationTarget: method({
                args: z.tuple([resourceName, optionsSchema({})]),
                run: async (ctx, [name]) => {
                    const target = readTargets(this.paths.targets).find(t => t.name === name);
                    if (!target)
                        throw notFound(`name: there is no notification target named "${name}"`);
                    // resolved a minute later, so the target also hears how a resolved alert looks
                    await this.engineCall(() => this.client.postAlerts([{
                        labels: { alertname: "DebVisorTestNotification", severity: target.minSeverity, [TEST_LABEL]: name },
                        annotations: { summary: `A test notification for "${name}"`, description: `Sent by ${ctx.caller.user} with DebVisor's "send a test".` },
                        endsAt: new Date(Date.now() + 60_000).toISOString(),
                    }]));
                    return [];
                },
            }),
        });
    }
}
