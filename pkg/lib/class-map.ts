/* PatternFly's class maps (@patternfly/react-styles/css/…: { alertActionGroup: "pf-v6-c-alert__action-group",
 * modifiers: { width_25OnLg: "pf-m-width-25-on-lg", … } }) as the pages ship them: the class names alone, since
 * a map's keys are its class names in camel case. Each page carries dozens of these maps; written out, every
 * name is there twice. build.js encodes a map with encodeClassMap, and a page rebuilds it with classMap. */

export type ClassMap = Record<string, string | Record<string, string>>;

/* where the modifiers go among the map's other keys */
const MODIFIERS = "*";

function keyOf(className: string): string {
    return className
        .replace(/^pf-v6-[clum]-|^pf-v6-|^pf-m-/, "")
        .replace(/(?:--|__|-)([a-z])/g, (_, c: string) => c.toUpperCase())
        .replace(/-([0-9])/g, "_$1");
}

/** The map a page's components read, rebuilt from encodeClassMap's class names (in the map's order). */
export function classMap(names: string, modifiers: string): ClassMap {
    const map: ClassMap = {};
    for (const name of names.split(" ")) {
        if (name === MODIFIERS)
            map.modifiers = Object.fromEntries(modifiers === "" ? [] : modifiers.split(" ").map(m => [keyOf("pf-m-" + m), "pf-m-" + m]));
        else
            map[keyOf(name)] = name;
    }
    return map;
}

/** The class names classMap rebuilds `map` from, or null when it would not rebuild the same map (then the map is
 * shipped as it is). */
export function encodeClassMap(map: unknown): [string, string] | null {
    if (typeof map !== "object" || map === null || Object.keys(map).length === 0)
        return null;
    const names: string[] = [];
    let modifiers: string[] = [];
    for (const [key, value] of Object.entries(map)) {
        if (key === "modifiers" && typeof value === "object" && value !== null) {
            names.push(MODIFIERS);
            modifiers = Object.values(value).map(m => typeof m === "string" && m.startsWith("pf-m-") ? m.slice("pf-m-".length) : " ");
        } else
            names.push(typeof value === "string" ? value : " ");
    }
    const encoded: [string, string] = [names.join(" "), modifiers.join(" ")];
    return JSON.stringify(classMap(...encoded)) === JSON.stringify(map) ? encoded : null;
}
