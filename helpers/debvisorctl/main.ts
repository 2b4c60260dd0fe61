// debvisorctl: the DebVisor D-Bus API from the command line.
import { UsageError } from "./args.js";
import { CliError, disconnect } from "./bus.js";
import { audit } from "./commands/audit.js";
import type { Command } from "./commands/command.js";
import { disks } from "./commands/disks.js";
import { importImage } from "./commands/import.js";
import { jobs } from "./commands/jobs.js";
import { status } from "./commands/status.js";
import { vm } from "./commands/vm.js";

const COMMANDS: Command[] = [status, disks, jobs, importImage, audit, vm];

function usage(): string {
    return [
        "Usage: debvisorctl COMMAND [OPTIONS]",
        "",
        "Commands:",
        ...COMMANDS.map(c => `  ${c.name.padEnd(8)} ${c.summary}`),
        "",
        "Every command takes --help; listings take --json.",
        "Calls go to org.debvisor.DebVisor1 on the system bus and are authorized by polkit.",
    ].join("\n") + "\n";
}

async function main(argv: string[]): Promise<number> {
    const [name, ...rest] = argv;
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
        process.stdout.write(usage());
        return name === undefined ? 2 : 0;
    }
    const command = COMMANDS.find(c => c.name === name);
    if (!command) {
        process.stderr.write(`debvisorctl: unknown command "${name}"\n\n${usage()}`);
        return 2;
    }
    try {
        return await command.run(rest);
    } catch (e) {
        if (e instanceof UsageError) {
            process.stderr.write(`debvisorctl ${name}: ${e.message}\nUsage: ${command.usage}\n`);
            return 2;
        }
        if (e instanceof CliError) {
            process.stderr.write(`debvisorctl: ${e.message}\n`);
            return 1;
        }
        throw e;
    }
}

main(process.argv.slice(2)).then(
    code => {
        disconnect();
        process.exitCode = code;
    },
    (e: unknown) => {
        process.stderr.write(`debvisorctl: ${(e as Error)?.stack ?? String(e)}\n`);
        disconnect();
        process.exitCode = 1;
    },
);
