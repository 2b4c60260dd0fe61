// A small XML reader for the well-formed documents tools print (libvirt's
// domain XML): elements, attributes and text, read with sax; comments,
// processing instructions and doctypes are skipped.
import sax from "sax";

export interface XmlElement {
    name: string;
    attrs: Record<string, string>;
    children: XmlElement[];
    text: string;
}

export function parseXml(xml: string): XmlElement {
    const root: XmlElement = { name: "#document", attrs: {}, children: [], text: "" };
    const stack: XmlElement[] = [root];
    const parser = sax.parser(true);
    parser.onopentag = tag => {
        const element: XmlElement = { name: tag.name, attrs: { ...tag.attributes }, children: [], text: "" };
        stack[stack.length - 1].children.push(element);
        stack.push(element);
    };
    parser.onclosetag = () => {
        stack.pop();
    };
    parser.ontext = parser.oncdata = text => {
        stack[stack.length - 1].text += text;
    };
    parser.onerror = e => {
        throw new Error(`XML: ${e.message.split("\n")[0]}`);
    };
    parser.write(xml).close();
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
