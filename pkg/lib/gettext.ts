// Translatable strings: write _("…") with double quotes so build.js can
// extract them into po/debvisor.pot; cockpit.format fills $0, $1 … in.
import { cockpit } from "./cockpit";

export const _ = (message: string): string => cockpit.gettext(message);
export const format = (template: string, ...args: unknown[]): string => cockpit.format(template, ...args);
