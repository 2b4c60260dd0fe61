// Command-line parsing on node's own parseArgs: --opt value and --opt=value,
// unknown options refused.
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Wrong usage: reported with the command's usage, exit code 2. */
export class UsageError extends Error {}

export type Options = NonNullable<ParseArgsConfig["options"]>;

export function parse<O extends Options>(argv: string[], options: O, positionals: { min: number; max: number }) {
    let parsed;
    try {
        parsed = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    const values = parsed.values as Record<string, string | boolean | undefined>;
    const rest = parsed.positionals;
    if (!values.help && (rest.length < positionals.min || rest.length > positionals.max))
        throw new UsageError(rest.length < positionals.min ? "missing arguments" : `unexpected argument "${rest[positionals.max]}"`);
    return { values, positionals: rest, help: values.help === true };
}
