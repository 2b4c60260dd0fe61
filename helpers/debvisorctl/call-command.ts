// The two shapes most commands have, written once:
// - callCommand: find the object the arguments name, call one of its methods
//   with them, and print what the reply says (nothing, a line, or the job it
//   started, which --wait follows);
// - listCommand: things as a table for people, as JSON with --json.
// A command that does more than that keeps its own run().
import type dbus from "dbus-next";
import type { ContractInterface, ContractMethod } from "../../generated/dbus-contract.js";
import type { Options, Values } from "./args.js";
import { JSON_OPTION, type Command } from "./command.js";
import { printAndFollow } from "./job-follow.js";
import { callMethod } from "./method.js";
import { print, printList, table } from "./output.js";

type Variant = InstanceType<typeof dbus.Variant>;
type Arguments = string[];

interface CallSpec<I extends ContractInterface> extends Omit<Command, "run"> {
    /** the object called: a fixed path, or the one the arguments name */
    path: string | ((positionals: Arguments) => Promise<string>);
    iface: I;
    method: ContractMethod<I>;
    /** refuses wrong arguments before anything is asked of the bus */
    check?: (positionals: Arguments, values: Values) => void;
    /** the method's arguments before its options; the command's arguments as given unless said */
    callArgs?: (positionals: Arguments, values: Values) => unknown[];
    /** the method's options a{sv} from the command line's */
    callOptions?: (values: Values) => Record<string, Variant>;
    /** "job": the reply ends with a job, printed (after what comes before it: the new machine…) and
     * followed with --wait; a function: the line to print; nothing: the exit code says it went well */
    prints?: "job" | ((reply: unknown[], positionals: Arguments, values: Values) => string);
}

export function callCommand<I extends ContractInterface>(spec: CallSpec<I>): Command {
    const { path, iface, method, check, callArgs = positionals => positionals, callOptions, prints, ...command } = spec;
    return {
        ...command,
        async run(values, positionals) {
            check?.(positionals, values);
            const target = typeof path === "string" ? path : await path(positionals);
            const reply = await callMethod(target, iface, method, callArgs(positionals, values), values, callOptions?.(values));
            if (prints === "job") {
                for (const made of reply.slice(0, -1))
                    print(String(made));
                return printAndFollow(reply[reply.length - 1] as string, values);
            }
            if (prints)
                print(prints(reply, positionals, values));
            return 0;
        },
    };
}

interface ListSpec<T> extends Omit<Command, "run" | "options"> {
    /** --json unless said */
    options?: Options;
    items: (values: Values, positionals: Arguments) => Promise<T[]>;
    headers: string[];
    row: (item: T) => string[];
    /** what people read instead of an empty table */
    empty?: string;
}

export function listCommand<T>(spec: ListSpec<T>): Command {
    const { items, headers, row, empty, options = JSON_OPTION, ...command } = spec;
    return {
        ...command,
        options,
        async run(values, positionals) {
            return printList(values, await items(values, positionals),
                list => list.length === 0 && empty !== undefined ? empty : table(headers, list.map(row)));
        },
    };
}
