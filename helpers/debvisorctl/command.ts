// What a debvisorctl command is, how argv selects one, and the help texts
// made from the commands' own descriptions (so help and parsing cannot drift).
import { describeOptions, parse, synopsis, UsageError, type Options, type Values } from "./args.js";

export interface Command {
    /** the words that select it: "status", "jobs cancel" */
    name: string;
    /** its arguments as the usage line shows them: "SOURCE NAME" */
    args?: string;
    /** one line, for the command list */
    summary: string;
    /** more for its --help: what it does, what it prints */
    details?: string;
    options?: Options;
    /** how many arguments it takes, where `args` cannot say it (argumentCount) */
    positionals?: { min: number; max: number };
    /** returns the exit code */
    run(values: Values, positionals: string[]): Promise<number>;
}

type Selection =
    | { kind: "command"; command: Command; argv: string[] }
    /** a word that only starts commands ("audit"), without a known second word */
    | { kind: "group"; name: string; next: string | undefined }
    | { kind: "unknown"; name: string };

export function select(commands: Command[], argv: string[]): Selection {
    const [first, second] = argv;
    const threeWords = argv.length >= 3 ? commands.find(c => c.name === argv.slice(0, 3).join(" ")) : undefined;
    if (threeWords)
        return { kind: "command", command: threeWords, argv: argv.slice(3) };
    const twoWords = commands.find(c => c.name === `${first} ${second}`);
    if (twoWords)
        return { kind: "command", command: twoWords, argv: argv.slice(2) };
    const oneWord = commands.find(c => c.name === first);
    if (oneWord)
        return { kind: "command", command: oneWord, argv: argv.slice(1) };
    if (commands.some(c => c.name.startsWith(`${first} `)))
        return { kind: "group", name: first, next: second };
    return { kind: "unknown", name: first };
}

function usageLine(command: Command): string {
    const options = Object.entries(command.options ?? {}).map(([name, spec]) => synopsis(name, spec));
    return ["debvisorctl", command.name, command.args, ...options].filter(Boolean).join(" ");
}

/* "Usage:" with the lines of `name` and of every command under it. */
export function usageOf(commands: Command[], name: string): string {
    const lines = commands.filter(c => c.name === name || c.name.startsWith(`${name} `)).map(usageLine);
    return lines.map((l, i) => `${i === 0 ? "Usage:" : "      "} ${l}`).join("\n") + "\n";
}

function sentence(text: string): string {
    return text[0].toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? "" : ".");
}

/* The --help of one command. */
export function helpOf(commands: Command[], command: Command): string {
    const others = commands.filter(c => c.name.startsWith(`${command.name} `));
    return [
        usageOf(commands, command.name),
        sentence(command.summary) + "\n" + (command.details ? "\n" + command.details + "\n" : ""),
        "Options:\n" + describeOptions(command.options ?? {}).join("\n") + "\n",
        ...(others.length > 0 ? [`Also: ${others.map(c => `debvisorctl ${c.name} --help`).join(", ")}\n`] : []),
    ].join("\n");
}

/* The --help of a word that starts several commands: their list. */
export function groupHelp(commands: Command[], name: string): string {
    const members = commands.filter(c => c.name.startsWith(`${name} `));
    return `${usageOf(commands, name)}\n${commandList(members)}\n` +
        `"debvisorctl ${name} COMMAND --help" shows a command's options.\n`;
}

export function commandList(commands: Command[]): string {
    const heads = commands.map(c => [c.name, c.args].filter(Boolean).join(" "));
    const width = Math.max(...heads.map(h => h.length));
    return commands.map((c, i) => `  ${heads[i].padEnd(width)}  ${c.summary}`).join("\n") + "\n";
}

/* How many arguments a command takes: what its usage words say ("NAME NEW_NAME" two,
 * "ZONE NAME [TYPE [DATA]]" two to four, none without words), so that the help and
 * the parsing cannot drift; `positionals` where the words cannot say it ("DEVICE…", "a | b"). */
function argumentCount(command: Command): { min: number; max: number } {
    if (command.positionals)
        return command.positionals;
    const words = (command.args ?? "").split(" ").filter(Boolean);
    if (words.some(w => w === "|" || /…|\.\.\./.test(w)))
        throw new Error(`${command.name}: say its positionals, its arguments "${command.args}" do not`);
    const optional = words.findIndex(w => w.startsWith("["));
    return { min: optional < 0 ? words.length : optional, max: words.length };
}

export function parseFor(command: Command, argv: string[]) {
    try {
        return parse(argv, command.options ?? {}, argumentCount(command));
    } catch (e) {
        // name what is missing: "missing arguments: SOURCE NAME"
        if (e instanceof UsageError && e.message === "missing arguments" && command.args)
            throw new UsageError(`missing arguments: ${command.args}`);
        throw e;
    }
}

export const JSON_OPTION: Options = { json: { type: "boolean", help: "print JSON, for scripts" } };
/* For a command that starts a job: without it the job's path is printed (job-follow.ts printAndFollow). */
export const WAIT_OPTION: Options = { wait: { type: "boolean", help: "wait until the job ends, with progress; Ctrl-C cancels it" } };
export const NO_ASK_OPTION: Options = {
    "no-ask": { type: "boolean", help: "fail instead of asking for a password (polkit's auth.no_user_interaction)" },
};
