// Reads gettext catalogs (.po, .pot) and compiles a translation into the
// po.<lang>.js that Cockpit serves to a page asking for "po.js" in the user's
// language: a call of cockpit.locale() with msgid → [null, msgstr, …].
// It understands what the project's catalogs use: comments, msgctxt, msgid,
// msgid_plural, msgstr and msgstr[n], with C escapes in strings.

interface PoMessage {
    context?: string;
    id: string;
    idPlural?: string;
    /** msgstr, or msgstr[0], msgstr[1] … for a plural message */
    strings: string[];
    /** marked "#, fuzzy": not trusted, not compiled */
    fuzzy: boolean;
}

interface PoCatalog {
    /** the header (the msgstr of msgid ""), by field */
    header: Record<string, string>;
    messages: PoMessage[];
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\"": "\"", "\\": "\\", a: "\x07", b: "\b", f: "\f", v: "\v" };

function unquote(literal: string, where: string): string {
    const m = /^"((?:[^"\\]|\\.)*)"$/.exec(literal.trim());
    if (!m)
        throw new Error(`${where}: not a quoted string: ${literal.trim()}`);
    return m[1].replace(/\\(.)/g, (_all, c: string) => {
        const e = ESCAPES[c];
        if (e === undefined)
            throw new Error(`${where}: unknown escape \\${c}`);
        return e;
    });
}

export function parsePo(text: string, name = "catalog"): PoCatalog {
    const messages: PoMessage[] = [];
    let current: { fields: Map<string, string>; fuzzy: boolean } | null = null;
    let lastField: string | null = null;
    let fuzzyNext = false;
    const finish = () => {
        if (!current)
            return;
        const f = current.fields;
        if (!f.has("msgid"))
            throw new Error(`${name}: a message without msgid`);
        const plural = f.has("msgid_plural");
        const strings: string[] = [];
        if (plural) {
            for (let i = 0; f.has(`msgstr[${i}]`); i++)
                strings.push(f.get(`msgstr[${i}]`) as string);
        } else if (f.has("msgstr")) {
            strings.push(f.get("msgstr") as string);
        }
        messages.push({
            ...(f.has("msgctxt") ? { context: f.get("msgctxt") } : {}),
            id: f.get("msgid") as string,
            ...(plural ? { idPlural: f.get("msgid_plural") } : {}),
            strings,
            fuzzy: current.fuzzy,
        });
        current = null;
        lastField = null;
    };
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i].trim();
        const where = `${name}:${i + 1}`;
        if (line === "") {
            finish();
            continue;
        }
        if (line.startsWith("#")) {
            if (line.startsWith("#,") && /\bfuzzy\b/.test(line))
                fuzzyNext = true;
            continue;
        }
        if (line.startsWith("\"")) {
            if (!current || !lastField)
                throw new Error(`${where}: a continued string outside a message`);
            current.fields.set(lastField, (current.fields.get(lastField) as string) + unquote(line, where));
            continue;
        }
        const m = /^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$/.exec(line);
        if (!m)
            throw new Error(`${where}: cannot read: ${line}`);
        const keyword = m[1];
        // a new message starts at msgctxt, or at msgid when no msgctxt came before it
        if (current && (keyword === "msgctxt" || (keyword === "msgid" && current.fields.has("msgid"))))
            finish();
        if (!current) {
            current = { fields: new Map(), fuzzy: fuzzyNext };
            fuzzyNext = false;
        }
        if (current.fields.has(keyword))
            throw new Error(`${where}: ${keyword} twice in one message`);
        current.fields.set(keyword, unquote(m[2], where));
        lastField = keyword;
    }
    finish();
    const header: Record<string, string> = {};
    const head = messages.find(msg => msg.id === "" && msg.context === undefined);
    for (const line of (head?.strings[0] ?? "").split("\n")) {
        const at = line.indexOf(":");
        if (at > 0)
            header[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    return { header, messages: messages.filter(msg => msg !== head) };
}

/* The key Cockpit looks a message up by: the context and the msgid joined by EOT, as gettext does. */
function messageKey(msg: Pick<PoMessage, "context" | "id">): string {
    return msg.context === undefined ? msg.id : `${msg.context}\u0004${msg.id}`;
}

/** The plural rule of a header's "Plural-Forms" as JavaScript source of a function of n.
 * Only the arithmetic of C that plural rules use is let through, since it becomes code. */
export function pluralFunction(pluralForms: string | undefined): string {
    if (pluralForms === undefined)
        return "(n) => n != 1 ? 1 : 0";
    const m = /plural\s*=\s*([^;]+);?/.exec(pluralForms);
    if (!m)
        throw new Error(`Plural-Forms without plural=: ${pluralForms}`);
    const expr = m[1].trim();
    if (!/^[n0-9\s()!=<>&|?:%+\-*/]+$/.test(expr))
        throw new Error(`Plural-Forms: not a plural expression: ${expr}`);
    return `(n) => +(${expr})`;
}

/** The text of po.<lang>.js for a translated catalog; untranslated and fuzzy messages are left out,
 * so Cockpit shows the English text for them. */
export function compilePoJs(catalog: PoCatalog, language: string): string {
    const entries: string[] = [];
    for (const msg of catalog.messages) {
        if (msg.fuzzy || msg.strings.length === 0 || msg.strings.some(s => s === ""))
            continue;
        // a text that stays as it is ("CPU", "$0 s"): gettext returns the text itself when it finds
        // none, and every page loads the whole file, so the entry would only cost bytes
        if (msg.context === undefined && msg.idPlural === undefined && msg.strings.length === 1 && msg.strings[0] === msg.id)
            continue;
        entries.push(`${JSON.stringify(messageKey(msg))}: ${JSON.stringify([null, ...msg.strings])}`);
    }
    const direction = /^(ar|fa|he|ur)\b/.test(language) ? "rtl" : "ltr";
    const head = `"": { "plural-forms": ${pluralFunction(catalog.header["Plural-Forms"])}, "language": ${JSON.stringify(language)}, "language-direction": "${direction}" }`;
    return `cockpit.locale({\n ${[head, ...entries].join(",\n ")}\n});\n`;
}

/** The messages of the template that the translation lacks or leaves untranslated (or fuzzy). */
export function untranslated(template: PoCatalog, translation: PoCatalog): string[] {
    const done = new Set(translation.messages
        .filter(msg => !msg.fuzzy && msg.strings.length > 0 && msg.strings.every(s => s !== ""))
        .map(messageKey));
    return template.messages.map(messageKey).filter(key => !done.has(key));
}
