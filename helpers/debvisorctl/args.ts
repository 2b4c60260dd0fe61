// Command-line parsing, getopt_long style: `--opt value`, `--opt=value`,
// `-n value`, `-nvalue`, `--` ends the options; unknown options are refused.

/** Wrong usage: reported with the command's usage, exit code 2. */
export class UsageError extends Error {}

export interface OptionSpec {
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

export interface Parsed {
    /** only the options that were given */
    values: Values;
    positionals: string[];
    help: boolean;
}

const HELP: OptionSpec = { type: "boolean", short: "h", help: "show this help" };

export function parse(argv: string[], options: Options, positionals: { min: number; max: number }): Parsed {
    const specs: Options = { ...options, help: HELP };
    const byShort = new Map(Object.entries(specs).filter(([, s]) => s.short).map(([name, s]) => [s.short as string, name]));
    const values: Values = {};
    const rest: string[] = [];

    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--") {
            rest.push(...argv.slice(i + 1));
            break;
        }
        let name: string | undefined;
        let inline: string | undefined;
        if (arg.startsWith("--")) {
            const eq = arg.indexOf("=");
            name = arg.slice(2, eq < 0 ? undefined : eq);
            inline = eq < 0 ? undefined : arg.slice(eq + 1);
            if (!(name in specs))
                throw new UsageError(`unknown option --${name}`);
        } else if (arg.startsWith("-") && arg.length > 1) {
            name = byShort.get(arg[1]);
            if (name === undefined)
                throw new UsageError(`unknown option -${arg[1]}`);
            inline = arg.length > 2 ? arg.slice(2) : undefined;
        } else {
            rest.push(arg);
            continue;
        }
        const spec = specs[name];
        if (spec.type === "boolean") {
            if (inline !== undefined)
                throw new UsageError(`--${name} takes no value`);
            values[name] = true;
            continue;
        }
        // like getopt: the next argument is the value, whatever it looks like
        const value = inline ?? argv[++i];
        if (value === undefined || value === "")
            throw new UsageError(`--${name} needs a value${spec.value ? ` (${spec.value})` : ""}`);
        values[name] = value;
    }

    const help = values.help === true;
    delete values.help;
    if (!help && rest.length < positionals.min)
        throw new UsageError("missing arguments");
    if (!help && rest.length > positionals.max)
        throw new UsageError(`unexpected argument "${rest[positionals.max]}"`);
    return { values, positionals: rest, help };
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
