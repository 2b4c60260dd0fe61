// Translatable strings: call _() and ngettext() with string literals in double
// quotes so build.js can extract them into po/debvisor.pot; cockpit.format fills $0, $1 … in.
// The translations come from the package's po.js, which each page's document loads
// before the page's script (Cockpit answers it with po.<lang>.js for the user's language).
import { cockpit } from "./cockpit";

export const _ = (message: string): string => cockpit.gettext(message);
export const ngettext = (singular: string, plural: string, n: number): string => cockpit.ngettext(singular, plural, n);
export const format = (template: string, ...args: unknown[]): string => cockpit.format(template, ...args);
