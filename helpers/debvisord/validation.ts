// Grammar for what crosses the bus. Names that reach a tool's argument list
// or a file path are checked against a strict pattern, never escaped.
// zod/mini: the same checks as full zod at a fraction of the daemon's
// start-up memory (the full build with all locales costs ~8 MB resident).
import path from "node:path";
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { MACHINE_NAME_MAX, NAME_CHARACTERS, RESOURCE_NAME_MAX } from "../lib/machine-rules.js";

z.config(en());

/* a{sv} options: only the named keys, each of its own type. */
export function optionsSchema<Shape extends z.core.$ZodShape>(shape: Shape) {
    return z.strictObject(shape, { error: "must be a dictionary of options (a{sv})" });
}

/* A string that `problem` finds nothing wrong with (null); what it finds is the error's message. */
export const checkedBy = (problem: (value: string) => string | null) => z.string().check(z.superRefine((value, ctx) => {
    const p = problem(value);
    if (p)
        ctx.addIssue({ code: "custom", message: p, input: value });
}));

/* A name that becomes a file name: no path separators, no leading dot or dash. */
function fileName(max: number) {
    return z.string().check(
        z.minLength(1, "must not be empty"),
        z.maxLength(max, `must be at most ${max} characters`),
        z.regex(NAME_CHARACTERS,
            "may contain only letters, digits, \".\", \"_\" and \"-\", and must start with a letter or digit"),
        z.refine(n => !n.includes(".."), "must not contain \"..\""),
    );
}

export const resourceName = fileName(RESOURCE_NAME_MAX);
export const machineName = fileName(MACHINE_NAME_MAX);

/* An absolute, normalized path of at most PATH_MAX bytes without control characters. */
export const absolutePath = z.string().check(
    z.minLength(1, "must not be empty"),
    z.maxLength(4095, "is longer than a path can be"),
    z.refine(p => p.startsWith("/"), "must be an absolute path"),
    z.refine(p => !/[\u0000-\u001f\u007f]/.test(p), "must not contain control characters such as newlines"),
    z.refine(p => path.posix.normalize(p) === p && !p.split("/").includes(".."), "must not contain \"..\", \"//\" or \"./\" components"),
);

/* An on/off option of a method's a{sv}; absent means the method's default. */
export const flag = z.optional(z.boolean());

/* Free text of one line (a comment, a reason, a filter): at most `max` characters, no control characters. */
export const oneLine = (max: number) => z.string().check(
    z.maxLength(max, `must be at most ${max} characters`),
    z.refine(t => !/[\u0000-\u001f\u007f]/.test(t), "must not contain control characters such as newlines"),
);

/* A whole number from `min` to the largest exactly representable integer. */
export function count(min: number, max = Number.MAX_SAFE_INTEGER, unit = "") {
    return z.int().check(
        z.minimum(min, `must be at least ${min}${unit}`),
        z.maximum(max, `must be at most ${max}${unit}`),
    );
}
