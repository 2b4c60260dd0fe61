// The part of sax's parser (which ships no types) that the XML readers use.
declare module "sax" {
    interface Tag { name: string; attributes: Record<string, string>; isSelfClosing: boolean }
    interface SAXParser {
        onopentag(tag: Tag): void;
        onclosetag(name: string): void;
        ontext(text: string): void;
        oncdata(text: string): void;
        oncomment(text: string): void;
        onerror(error: Error): void;
        write(xml: string): SAXParser;
        close(): SAXParser;
    }
    const sax: { parser(strict: boolean): SAXParser };
    export default sax;
}
