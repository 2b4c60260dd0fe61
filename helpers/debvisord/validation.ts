// Grammar for what crosses the bus. Names that reach a tool's argument list
// or a file path are checked against a strict pattern, never escaped.
import path from "node:path";
import { z } from "zod";

/* a{sv} options: only the named keys, each of its own type. */
export function optionsSchema<Shape extends z.ZodRawShape>(shape: Shape) {
    return z.strictObject(shape, { error: "must be a dictionary of options (a{sv})" });
}

/* A name that becomes a file name: no path separators, no leading dot or dash. */
export const resourceName = z.string()
    .min(1, "must not be empty")
    .max(64, "must be at most 64 characters")
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/,
        "may contain only letters, digits, \".\", \"_\" and \"-\", and must start with a letter or digit")
    .refine(n => !n.includes(".."), "must not contain \"..\"");

/* An absolute, normalized path of at most PATH_MAX bytes without control characters. */
export const absolutePath = z.string()
    .min(1, "must not be empty")
    .max(4095, "is longer than a path can be")
    .refine(p => p.startsWith("/"), "must be an absolute path")
    .refine(p => !/[\u0000-\u001f\u007f]/.test(p), "must not contain control characters such as newlines")
    .refine(p => path.posix.normalize(p) === p && !p.split("/").includes(".."), "must not contain \"..\", \"//\" or \"./\" components");

export const uint64 = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
