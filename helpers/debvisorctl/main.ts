// debvisorctl: the DebVisor D-Bus API from the command line, as the user who
// runs it (polkit decides, the audit log names them).
// Exit codes: 0 done, 1 refused or failed, 2 wrong usage, 130 stopped waiting.
import { UsageError } from "./args.js";
import { CliError, disconnect } from "./bus.js";
import { groupHelp, helpOf, parseFor, select, usageOf } from "./command.js";
import { COMMANDS, usage } from "./commands/index.js";
import { stopPasswordAgent } from "./polkit-agent.js";

declare const DEBVISOR_VERSION: string;

async function run(argv: string[]): Promise<number> {
    const [first] = argv;
    if (first === undefined) {
        process.stderr.write(usage());
        return 2;
    }
    if (first === "--help" || first === "-h" || first === "help") {
        process.stdout.write(usage());
        return 0;
    }
    if (first === "--version") {
        process.stdout.write(`${typeof DEBVISOR_VERSION === "string" ? DEBVISOR_VERSION : "0.0.0-dev"}\n`);
        return 0;
    }
    const selected = select(COMMANDS, argv);
    if (selected.kind === "unknown") {
        process.stderr.write(`debvisorctl: unknown ${first.startsWith("-") ? "option" : "command"} "${first}"\n\n${usage()}`);
        return 2;
    }
    if (selected.kind === "group") {
        const help = selected.next === "--help" || selected.next === "-h";
        if (!help)
            process.stderr.write(selected.next === undefined ? `debvisorctl: ${first} needs a command\n`
                : `debvisorctl: unknown command "${first} ${selected.next}"\n`);
        (help ? process.stdout : process.stderr).write(groupHelp(COMMANDS, selected.name));
        return help ? 0 : 2;
    }
    const { command } = selected;
    try {
        const { values, positionals, help } = parseFor(command, selected.argv);
        if (help) {
            process.stdout.write(helpOf(COMMANDS, command));
            return 0;
        }
        return await command.run(values, positionals);
    } catch (e) {
        if (e instanceof UsageError) {
            process.stderr.write(`debvisorctl ${command.name}: ${e.message}\n${usageOf(COMMANDS, command.name)}` +
                `"debvisorctl ${command.name} --help" says more.\n`);
            return 2;
        }
        throw e;
    }
}

function fail(e: unknown): void {
    // a CliError is for the user; anything else is a bug, and its stack helps to report it
    const text = e instanceof CliError ? e.message : (e as Error)?.stack ?? String(e);
    process.stderr.write(`debvisorctl: ${text}\n`);
    process.exitCode = 1;
}

// `debvisorctl … | head` closes the pipe early: that is not an error worth a stack trace
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE")
        process.exit(process.exitCode ?? 0);
});
// dbus-next rejects a promise of its own when the connection breaks during its greeting
process.on("unhandledRejection", e => {
    fail(e);
    process.exit(1);
});

run(process.argv.slice(2)).then(code => {
    process.exitCode = code;
}, fail).finally(() => {
    stopPasswordAgent();
    disconnect();
});
