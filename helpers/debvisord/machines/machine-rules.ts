// The grammar of machine settings, shared by CreateMachine and the Machine
// methods that change them.
import os from "node:os";
import * as z from "zod/mini";
import { invalidArgument } from "../../lib/errors.js";
import { count } from "../validation.js";

export const vcpusSchema = count(1, 256);
export const memoryMiBSchema = count(16, 16 * 1024 * 1024, " MiB");
export const diskBytesSchema = count(1024 ** 2, 64 * 1024 ** 4, " bytes");
export const diskTarget = z.string().check(z.regex(/^(vd|sd)[a-z]{1,2}$/, "must be a disk target such as vda"));

/* Memory beyond what the host has is refused before anything changes. */
export function checkHostMemory(memoryMiB: number | undefined, argument: string): void {
    const hostMiB = Math.floor(os.totalmem() / 1024 ** 2);
    if ((memoryMiB ?? 0) > hostMiB)
        throw invalidArgument(`${argument}: ${memoryMiB} MiB is more than this host has (${hostMiB} MiB)`);
}
