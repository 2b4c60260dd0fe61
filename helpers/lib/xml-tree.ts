// A small XML reader for the well-formed documents tools print (libvirt's
// domain XML): elements, attributes and text; comments, processing
// instructions and doctypes are skipped.

export interface XmlElement {
    name: string;
    attrs: Record<string, string>;
    children: XmlElement[];
    text: string;
}

const TOKEN = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<![^>]*>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
const ATTR = /([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

export function decodeEntities(text: string): string {
    return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_m, e: string) => {
        if (e[0] === "#")
            return String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
        return ({ lt: "<", gt: ">", amp: "&", quot: "\"", apos: "'" } as Record<string, string>)[e];
    });
}

export function parseXml(xml: string): XmlElement {
    const root: XmlElement = { name: "#document", attrs: {}, children: [], text: "" };
    const stack: XmlElement[] = [root];
    for (const m of xml.matchAll(TOKEN)) {
        const [, cdata, closing, name, attrSource, selfClosing, text] = m;
        const top = stack[stack.length - 1];
        if (text !== undefined || cdata !== undefined) {
            top.text += cdata ?? decodeEntities(text as string);
        } else if (name && closing) {
            if (top.name !== name)
                throw new Error(`XML: </${name}> closes <${top.name}>`);
            stack.pop();
        } else if (name) {
            const attrs: Record<string, string> = {};
            for (const a of (attrSource ?? "").matchAll(ATTR))
                attrs[a[1]] = decodeEntities(a[2] ?? a[3]);
            const element: XmlElement = { name, attrs, children: [], text: "" };
            top.children.push(element);
            if (!selfClosing)
                stack.push(element);
        }
    }
    if (stack.length !== 1)
        throw new Error(`XML: <${stack[stack.length - 1].name}> is not closed`);
    const [documentElement] = root.children;
    if (!documentElement)
        throw new Error("XML: no element");
    return documentElement;
}

export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
    return element?.children.find(c => c.name === name);
}

export function children(element: XmlElement | undefined, name: string): XmlElement[] {
    return element?.children.filter(c => c.name === name) ?? [];
}
