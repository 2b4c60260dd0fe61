// Reading the first-boot state file; what is in it is firstboot-state.ts's.
import fs from "node:fs";
import { FIRSTBOOT_STATE_FILE, NOT_RUN, parseFirstBoot, type FirstBoot } from "./firstboot-state.js";

export function readFirstBoot(file = FIRSTBOOT_STATE_FILE): FirstBoot {
    try {
        return parseFirstBoot(fs.readFileSync(file, "utf8"));
    } catch {
        return NOT_RUN;
    }
}
