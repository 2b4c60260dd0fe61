// Follows a Job object to its end (`--wait`): progress from PropertiesChanged,
// the outcome from Completed, Ctrl-C cancels the job. Signals, not polling:
// the subscription is in place before the job's state is first read, so an
// end that comes in between is not missed.
import { BUS_NAME, IN_SIGNATURES, JOB_IFACE } from "../../generated/dbus-contract.js";
import { jobProgress, KnownProperties, touchesProgress, type PropertyValues } from "../lib/known-properties.js";
import { unwrap } from "../lib/variants.js";
import { call, CliError, connectionLost, getProperties, methodOptions, subscribe } from "./bus.js";
import { print, printable } from "./output.js";

type JobState = "succeeded" | "failed" | "cancelled";
/** how following ended: the job's own end, or the user stopped waiting (second Ctrl-C) */
type FollowOutcome = { state: JobState; message: string } | { state: "detached"; message: string };

const BAR_WIDTH = 30;

/* "[###########                   ]  37%" */
export function progressBar(fraction: number, width = BAR_WIDTH): string {
    const clamped = Math.min(1, Math.max(0, fraction));
    const filled = Math.round(clamped * width);
    return `[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${String(Math.floor(clamped * 100)).padStart(3)}%`;
}

/* On a terminal a bar redrawn in place; otherwise (a log, a pipe) a line per percent. */
export class ProgressReporter {
    private shown = -1;
    private barOnScreen = false;

    constructor(private readonly out: NodeJS.WriteStream = process.stdout, private readonly tty = out.isTTY === true) {}

    progress(fraction: number): void {
        const percent = Math.floor(Math.min(1, Math.max(0, fraction)) * 100);
        if (percent === this.shown)
            return;
        this.shown = percent;
        if (this.tty) {
            this.out.write(`\r${progressBar(fraction)}`);
            this.barOnScreen = true;
        } else {
            this.out.write(`progress ${percent}%\n`);
        }
    }

    /* Clears the bar so that the next message starts on a clean line. */
    end(): void {
        if (this.barOnScreen)
            this.out.write("\r\x1b[2K");
        this.barOnScreen = false;
    }
}

/* What following knows of the job: its values from GetAll with each
 * PropertiesChanged merged in (a signal names only what changed: Progress
 * alone once ProgressValid stays true). Progress is shown as it changes. */
export class FollowedJob {
    private readonly known = new KnownProperties();

    constructor(private readonly reporter: ProgressReporter) {}

    /** "running" until the job is known to have ended */
    get state(): string {
        return typeof this.known.values.State === "string" ? this.known.values.State : "running";
    }

    get message(): string {
        return String(this.known.values.Message ?? "");
    }

    /* The answer to GetAll: newer than every signal heard before it (the bus keeps the daemon's order). */
    all(props: PropertyValues): void {
        this.known.replace(props);
    }

    /* A PropertiesChanged of the job. */
    changed(changed: PropertyValues, invalidated: readonly string[] = []): void {
        this.known.merge(changed, invalidated);
        if (touchesProgress(changed))
            this.showProgress();
    }

    showProgress(): void {
        const progress = jobProgress(this.known.values);
        if (progress !== null)
            this.reporter.progress(progress);
    }
}

function jobNumber(jobPath: string): string {
    return jobPath.split("/").pop() as string;
}

/* Waits for the job to end; resolves with how it ended. */
export async function followJob(jobPath: string, options: { noAsk: boolean; reporter?: ProgressReporter }): Promise<FollowOutcome> {
    const reporter = options.reporter ?? new ProgressReporter();
    const job = new FollowedJob(reporter);
    let settle: (outcome: FollowOutcome) => void = () => undefined;
    const outcome = new Promise<FollowOutcome>(resolve => { settle = resolve });
    let ended = false;
    const end = (result: FollowOutcome) => {
        if (!ended) {
            ended = true;
            settle(result);
        }
    };
    const completed = (success: boolean, message: string) =>
        end({ state: success ? "succeeded" : job.state === "cancelled" ? "cancelled" : "failed", message });

    const unsubscribe = await subscribe([
        `type='signal',sender='${BUS_NAME}',path='${jobPath}'`,
        `type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',arg0='${BUS_NAME}'`,
    ], message => {
        if (message.member === "NameOwnerChanged" && message.body[0] === BUS_NAME && message.body[2] === "") {
            end({ state: "failed", message: "debvisord stopped before the job ended" });
        } else if (message.path !== jobPath) {
            return;
        } else if (message.member === "PropertiesChanged" && message.body[0] === JOB_IFACE) {
            job.changed(unwrap(message.body[1]) as PropertyValues, message.body[2] as string[]);
        } else if (message.member === "Completed" && message.interface === JOB_IFACE) {
            const [success, text] = message.body as [boolean, string];
            completed(success, text);
        }
    });
    void connectionLost().then(reason => end({ state: "failed", message: reason }));

    let interrupts = 0;
    const onInterrupt = () => {
        reporter.end();
        if (++interrupts > 1) {
            end({ state: "detached", message: `stopped waiting; job ${jobNumber(jobPath)} goes on (debvisorctl jobs cancel ${jobNumber(jobPath)} stops it)` });
            return;
        }
        process.stderr.write(`cancelling job ${jobNumber(jobPath)}… (Ctrl-C again stops waiting)\n`);
        // the job may end (Completed) before Cancel's answer comes: then the answer no longer matters
        call(jobPath, JOB_IFACE, "Cancel", IN_SIGNATURES[JOB_IFACE].Cancel, [methodOptions(options.noAsk)]).catch((e: Error) => {
            if (!ended)
                process.stderr.write(`debvisorctl: cannot cancel job ${jobNumber(jobPath)}: ${e.message}\n`);
        });
    };
    process.on("SIGINT", onInterrupt);

    try {
        // the job may have ended before the subscription was in place
        const props = await getProperties(jobPath, JOB_IFACE).catch((e: CliError) => {
            if (e.errorName === "UnknownObject")
                throw new CliError(`job ${jobNumber(jobPath)} is gone: finished jobs disappear a minute after they end`);
            throw e;
        });
        job.all(props);
        if (job.state !== "running")
            completed(job.state === "succeeded", job.message);
        else
            job.showProgress();
        return await outcome;
    } finally {
        reporter.end();
        process.off("SIGINT", onInterrupt);
        unsubscribe();
    }
}

/* Prints how the job ended and returns the exit code: 0 only when it succeeded. */
export function reportOutcome(outcome: FollowOutcome): number {
    switch (outcome.state) {
    case "succeeded":
        process.stdout.write(`${printable(outcome.message)}\n`);
        return 0;
    case "detached":
        process.stderr.write(`debvisorctl: ${outcome.message}\n`);
        return 130;
    default:
        process.stderr.write(`debvisorctl: ${outcome.state}: ${printable(outcome.message)}\n`);
        return 1;
    }
}

/* What a command that started a job does: print its path, and with --wait follow it to its end. */
export async function printAndFollow(jobPath: string, values: { wait?: unknown; "no-ask"?: unknown }): Promise<number> {
    if (jobPath === "/")
        return 0;
    print(jobPath);
    return values.wait ? reportOutcome(await followJob(jobPath, { noAsk: values["no-ask"] === true })) : 0;
}
