// The grammar of Ceph pool, image and snapshot names and of image sizes
// that may reach a ceph or rbd argument. Names are checked, never escaped.
import * as z from "zod/mini";
import { checkedBy } from "../validation.js";

const MAX_NAME_LENGTH = 100;
export const MIB = 1024 ** 2;
const MAX_IMAGE_BYTES = 1024 ** 5; // 1 PiB

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function nameProblem(name: string): string | null {
    if (name.length === 0)
        return "must not be empty";
    if (name.length > MAX_NAME_LENGTH)
        return `must be at most ${MAX_NAME_LENGTH} characters`;
    if (name.includes(".."))
        return "must not contain \"..\"";
    if (!NAME.test(name))
        return "may contain only letters, digits, \"_\", \"-\" and \".\", and must start with a letter or digit";
    return null;
}

export const cephPoolName = checkedBy(nameProblem);
export const imageName = checkedBy(nameProblem);
export const rbdSnapshotName = checkedBy(nameProblem);

/* An image size: whole MiB from 1 MiB to 1 PiB (a "t" cannot be negative; larger than a safe integer is refused too). */
export const imageSize = z.int({ error: "must be a whole number of bytes of at most 1 PiB" }).check(
    z.minimum(MIB, "must be at least 1 MiB (1048576 bytes)"),
    z.maximum(MAX_IMAGE_BYTES, "must be at most 1 PiB (1125899906842624 bytes)"),
    z.refine(n => n % MIB === 0, "must be a multiple of 1 MiB (1048576 bytes)"),
);

/* Replicas: 1 to 10. */
export const replicas = z.int({ error: "must be a whole number from 1 to 10" }).check(
    z.minimum(1, "must be at least 1"), z.maximum(10, "must be at most 10"));
