// /org/debvisor/DebVisor1/hardening: the host's hardening checks and their
// fixes, SSH MFA and fail2ban. Thin glue over the modules beside it; every change
// takes "dry-run" to show the exact change first.
import * as z from "zod/mini";
import { failed, invalidArgument } from "../../../lib/errors.js";
import { isIP } from "../../../lib/ip-address.js";
import { runTool } from "../../../lib/tool-run.js";
import { contractMethods, method, type MethodTable } from "../../bus/call-pipeline.js";
import type { ObjectServer } from "../../bus/object-server.js";
import { flag, optionsSchema } from "../../validation.js";
import { applyPlan, planFix, runChecks } from "./checks.js";
import { fail2banArgs, fail2banStatus, type Fail2banStatus, jailName } from "./fail2ban.js";
import type { Check, HardeningEnv } from "./host-files.js";
import { applyMfa, mfaStatus, type MfaStatus, planMfa } from "./ssh-mfa.js";
import { HARDENING_IFACE } from "../../../../generated/dbus-contract.js";
import { oneAtATime } from "../../../lib/one-at-a-time.js";

const REFRESH_MS = 60_000;
const TOOL_TIMEOUT_MS = 30_000;

const hostEnv: HardeningEnv = {
    root: "/",
    run: async (cmd, args) => {
        const r = await runTool(cmd, args, cmd, { timeout: TOOL_TIMEOUT_MS, allowFailure: true });
        // a tool that did not run or did not exit by itself: code 1, and why in place of its stderr
        return r.exitCode < 0 ? { code: 1, stdout: r.stdout, stderr: r.problem } : { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
    },
    signal: (pid, signal) => process.kill(pid, signal),
    // tests point debvisord at a fail2ban-server of their own
    fail2banSocket: process.env.DEBVISOR_FAIL2BAN_SOCKET || undefined,
};

const checkId = z.string().check(z.minLength(1, "must not be empty"), z.maxLength(128, "must be at most 128 characters"));
const text = (what: string) => z.string().check(z.maxLength(256, `is too long to be ${what}`));

export class Hardening {
    readonly path: string;
    private checks: Check[] = [];
    private mfa: MfaStatus = { configured: false, pam: false, sshd: false, users: [], detail: "" };
    private f2b: Fail2banStatus = { installed: false, running: false, jails: [], detail: "" };
    private readonly exclusive = oneAtATime();

    constructor(private readonly server: ObjectServer, private readonly env: HardeningEnv = hostEnv) {
        this.path = `${server.rootPath}/hardening`;
    }

    publish(): void {
        this.server.publish(this.path, HARDENING_IFACE, {
            Checks: this.checks.map(c => ({
                Id: c.id, Title: c.title, Status: c.status, Detail: c.detail, Fixable: c.fixable, Change: c.change,
            })),
            MfaStatus: {
                Configured: this.mfa.configured, Pam: this.mfa.pam, Sshd: this.mfa.sshd, Detail: this.mfa.detail,
                Users: this.mfa.users.map(u => ({ Name: u.name, Enrolled: u.enrolled })),
            },
            Fail2ban: {
                Installed: this.f2b.installed, Running: this.f2b.running, Detail: this.f2b.detail,
                Jails: this.f2b.jails.map(j => ({ Name: j.name, Banned: j.banned })),
            },
        }, () => this.methods());
    }

    start(): void {
        void this.exclusive(() => this.refresh());
        setInterval(() => void this.exclusive(() => this.refresh()), REFRESH_MS).unref();
    }

    private async refresh(): Promise<void> {
        this.checks = runChecks(this.env.root);
        this.mfa = mfaStatus(this.env.root);
        this.f2b = await fail2banStatus(this.env).catch((e: Error) =>
            ({ installed: true, running: false, jails: [], detail: `fail2ban-client failed: ${e.message}` }));
        this.publish();
    }

    private methods(): MethodTable {
        return contractMethods(HARDENING_IFACE, {
            Recheck: method({
                args: z.tuple([optionsSchema({})]),
                run: async () => this.exclusive(async () => {
                    await this.refresh();
                    return [];
                }),
            }),
            Fix: method({
                args: z.tuple([checkId, optionsSchema({ "dry-run": flag })]),
                run: async (_ctx, [id, options]) => this.change(() => planFix(this.env.root, id), options["dry-run"], plan => applyPlan(this.env, plan)),
            }),
            EnforceMfa: this.mfaMethod(true),
            RelaxMfa: this.mfaMethod(false),
            Unban: method({
                args: z.tuple([
                    text("a jail name").check(z.refine(jailName, "must be a fail2ban jail name (letters, digits, \".\", \"_\", \"-\")")),
                    text("an address").check(z.refine(isIP, "must be an IPv4 or IPv6 address")),
                    optionsSchema({ "dry-run": flag }),
                ]),
                run: async (_ctx, [jail, address, options]) => this.exclusive(async () => {
                    const jailState = this.f2b.jails.find(j => j.name === jail);
                    if (!this.f2b.running)
                        throw invalidArgument(`jail: fail2ban is not running${this.f2b.detail ? ` (${this.f2b.detail})` : ""}`);
                    if (!jailState)
                        throw invalidArgument(`jail: fail2ban has no jail "${jail}"`);
                    if (options["dry-run"])
                        return [];
                    const r = await this.env.run("fail2ban-client", fail2banArgs(this.env, ["set", jail, "unbanip", address]));
                    await this.refresh();
                    if (r.code !== 0)
                        throw failed(`fail2ban-client set ${jail} unbanip ${address} failed: ${(r.stderr || r.stdout).trim()}`);
                    return [];
                }),
            }),
        });
    }

    private mfaMethod(enforce: boolean) {
        return method({
            args: z.tuple([optionsSchema({ "dry-run": flag })]),
            run: async (ctx, [options]) =>
                this.change(() => planMfa(this.env.root, enforce, ctx.caller.loginUser || ctx.caller.user), options["dry-run"], plan => applyMfa(this.env, plan)),
        });
    }

    /* Fix and the MFA methods: the plan is made in turn with other changes; a refused plan is an invalid argument,
     * a dry run only says what would change, and the checks are read again after every attempt. */
    private change<P extends { change: string }>(planNow: () => P | { error: string }, dryRun: boolean | undefined,
        apply: (plan: P) => Promise<void>): Promise<[string]> {
        return this.exclusive(async () => {
            const plan = planNow();
            if ("error" in plan)
                throw invalidArgument(plan.error);
            if (dryRun)
                return [plan.change];
            try {
                await apply(plan);
            } catch (e) {
                throw failed((e as Error).message);
            } finally {
                await this.refresh();
            }
            return [plan.change];
        });
    }
}
