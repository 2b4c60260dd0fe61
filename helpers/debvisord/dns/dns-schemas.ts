// The bus-side schemas of the DNS area: zone and key names as zod parses
// them, built on the grammar the page shares.
import * as z from "zod/mini";
import { domainNameProblem, normalizeName } from "../../lib/dns-grammar.js";

/* A zone name on the bus: a domain name, normalized. */
export const zoneName = z.pipe(z.string(), z.transform((value, ctx) => {
    const name = normalizeName(value);
    const problem = domainNameProblem(name, "the zone name");
    if (problem) {
        ctx.issues.push({ code: "custom", message: problem, input: value });
        return z.NEVER;
    }
    return name;
}));

/* A key's logical name: it becomes a file name and a TSIG key name. */
export const keyName = z.string().check(
    z.minLength(1, "must not be empty"),
    z.maxLength(48, "must be at most 48 characters"),
    z.regex(/^[a-z0-9][a-z0-9-]*$/, "may contain only lower-case letters, digits and \"-\", and must start with a letter or digit"),
);

