// Command-line parsing, getopt_long style: `--opt value`, `--opt=value`,
// `-n value`, `-nvalue`, `--` ends the options; unknown options are refused.
// node:util's parseArgs splits argv; its tokens are checked here so that every
// mistake is a UsageError in the words of our help (parseArgs' own strict mode
// would also refuse a value that starts with a dash, which getopt takes).
import { parseArgs } from "node:util";

/** Wrong usage: reported with the command's usage, exit code 2. */
export class UsageError extends Error {}

interface OptionSpec {
    type: "boolean" | "string";
    /** a one-letter alias, e.g. "n" for -n */
    short?: string;
    /** the value's name in the help text, e.g. "BYTES" */
    value?: string;
    /** one line for --help */
    help?: string;
}

export type Options = Record<string, OptionSpec>;
export type Values = Record<string, string | boolean | undefined>;

interface Parsed {
    /** only the options that were given */
    values: Values;
    positionals: string[];
    help: boolean;
}

const HELP: OptionSpec = { type: "boolean", short: "h", help: "show this help" };

export function parse(argv: string[], options: Options, positionals: { min: number; max: number }): Parsed {
    const specs: Options = { ...options, help: HELP };
    const { tokens } = parseArgs({
        args: argv, strict: false, allowPositionals: true, tokens: true,
        options: Object.fromEntries(Object.entries(specs).map(([name, { type, short }]) => [name, short ? { type, short } : { type }])),
    });
    const values: Values = {};
    const rest: string[] = [];
    for (const token of tokens) {
        if (token.kind === "positional")
            rest.push(token.value);
        if (token.kind !== "option")
            continue;
        const spec = Object.hasOwn(specs, token.name) ? specs[token.name] : undefined;
        if (spec === undefined)
            throw new UsageError(`unknown option ${token.rawName}`);
        if (spec.type === "boolean") {
            if (token.value !== undefined)
                throw new UsageError(`--${token.name} takes no value`);
            values[token.name] = true;
        } else if (token.value === undefined || token.value === "") {
            throw new UsageError(`--${token.name} needs a value${spec.value ? ` (${spec.value})` : ""}`);
        } else {
            values[token.name] = token.value;
        }
    }

    const help = values.help === true;
    delete values.help;
    if (!help && rest.length < positionals.min)
        throw new UsageError("missing arguments");
    if (!help && rest.length > positionals.max)
        throw new UsageError(`unexpected argument "${rest[positionals.max]}"`);
    return { values, positionals: rest, help };
}

/* An argument that must be a whole number (digits only). */
export function wholeNumber(text: unknown, what: string): number {
    if (!/^\d+$/.test(String(text)))
        throw new UsageError(`${what} takes a whole number`);
    return Number(text);
}

/* "[--format FORMAT]", "[-n N]", "[--json]": an option as the usage line shows it. */
export function synopsis(name: string, spec: OptionSpec): string {
    const flag = spec.short ? `-${spec.short}` : `--${name}`;
    return spec.type === "boolean" ? `[${flag}]` : `[${flag} ${spec.value ?? "VALUE"}]`;
}

/* The option list of --help: flags and value names on the left, the help on the right. */
export function describeOptions(options: Options): string[] {
    const rows = Object.entries({ ...options, help: HELP }).map(([name, spec]) => {
        const flags = (spec.short ? `-${spec.short}, ` : "    ") + `--${name}` + (spec.type === "string" ? ` ${spec.value ?? "VALUE"}` : "");
        return [flags, spec.help ?? ""];
    });
    const width = Math.max(...rows.map(([flags]) => flags.length));
    return rows.map(([flags, help]) => `  ${flags.padEnd(width)}  ${help}`.trimEnd());
}
