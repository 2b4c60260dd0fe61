// A machine's tags (Machine.Tags, Machine.SetTags): short names a person gives
// machines so that work can name a group of them (a backup schedule backs up
// every machine with a tag). They live in the domain's own metadata, in an
// element of DebVisor's tags namespace, so they go wherever the definition goes.
import * as z from "zod/mini";
import { hasNameCharacters } from "../../lib/machine-rules.js";
import type { XmlElement } from "../../lib/xml-tree.js";
import { contractMethods, method, type MethodTable } from "../bus/call-pipeline.js";
import { xmlEscape } from "./domain-builder.js";
import type { MachineHost } from "./machine-host.js";
import { optionsSchema } from "../validation.js";
import { MACHINE_IFACE } from "../../../generated/dbus-contract.js";

export const TAGS_XMLNS = "https://debvisor.org/xmlns/tags/1";
const MAX_TAGS = 32;
const TAG_MAX = 64;
/** virDomainMetadataType: an element of the application's own namespace */
const METADATA_ELEMENT = 2;
/** virDomainModificationImpact */
const AFFECT_LIVE = 1, AFFECT_CONFIG = 2;

const tagSchema = z.string().check(
    z.minLength(1, "must not be empty"),
    z.maxLength(TAG_MAX, `must be at most ${TAG_MAX} characters`),
    z.refine(hasNameCharacters, "may contain only letters, digits, \".\", \"_\" and \"-\", and must start with a letter or digit"),
);

/* The tags in a domain's <metadata>, sorted; the element is found by its namespace, whatever its prefix. */
export function readTags(metadata: XmlElement | undefined): string[] {
    const element = metadata?.children.find(c => (c.name === "tags" || c.name.endsWith(":tags")) && Object.values(c.attrs).includes(TAGS_XMLNS));
    if (!element)
        return [];
    const tags = element.children.filter(c => c.name === "tag" || c.name.endsWith(":tag"))
        .map(t => t.attrs.name ?? "").filter(t => hasNameCharacters(t) && t.length <= TAG_MAX);
    return [...new Set(tags)].sort();
}

export function tagsMetadata(tags: string[]): string {
    return `<tags>${tags.map(t => `<tag name="${xmlEscape(t)}"/>`).join("")}</tags>`;
}

export function tagMethods(host: MachineHost, path: string): MethodTable {
    return contractMethods(MACHINE_IFACE, {
        SetTags: method({
            args: z.tuple([z.array(tagSchema).check(z.maxLength(MAX_TAGS, `must be at most ${MAX_TAGS} tags`)), optionsSchema({})]),
            run: async (_ctx, [tags]) => {
                const domainPath = host.domainOf(path);
                const unique = [...new Set(tags)].sort();
                const live = ["running", "paused"].includes(host.state(path));
                // no tags: the element is removed (an empty string is libvirt's NULL)
                await host.libvirt.call(domainPath, "org.libvirt.Domain", "SetMetadata", "isssu",
                    [METADATA_ELEMENT, unique.length ? tagsMetadata(unique) : "", "debvisor-tags", TAGS_XMLNS, AFFECT_CONFIG | (live ? AFFECT_LIVE : 0)]);
                await host.refresh(domainPath);
                return [];
            },
        }),
    });
}
