import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { compilePoJs, parsePo, pluralFunction, untranslated } from "../../helpers/lib/po.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const readPo = (file: string) => parsePo(fs.readFileSync(path.join(root, "po", file), "utf8"), `po/${file}`);

type Locale = Record<string, unknown[] | { "plural-forms": (n: number) => number; language: string; "language-direction": string }>;

/* Runs a compiled po.<lang>.js the way a page does: it calls cockpit.locale() with its table. */
function loadPoJs(js: string): Locale {
    let table: Locale | null = null;
    new Function("cockpit", js)({ locale: (t: Locale) => { table = t } });
    if (table === null)
        throw new Error("po.js did not call cockpit.locale");
    return table;
}

const SAMPLE = `# a comment
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\\n"

#: pkg/a.tsx:1
msgid "Delete $0?"
msgstr "$0 löschen?"

msgid "Say \\"hi\\"\\n\\tto $0 and $1"
msgstr "Sag \\"hallo\\"\\n"
"\\tzu $1 und $0"

msgid "$0 disk"
msgid_plural "$0 disks"
msgstr[0] "$0 dysk"
msgstr[1] "$0 dyski"
msgstr[2] "$0 dysków"

msgctxt "verb"
msgid "Open"
msgstr "Öffnen"

#, fuzzy
msgid "Maybe"
msgstr "Vielleicht"

msgid "Not yet"
msgstr ""

msgid "CPU"
msgstr "CPU"
`;

QUnit.module("translations", () => {
    QUnit.test("a .po compiles into the po.js Cockpit loads: escapes, placeholders, contexts and plural forms", assert => {
        const catalog = parsePo(SAMPLE, "sample.po");
        const table = loadPoJs(compilePoJs(catalog, "pl"));
        assert.deepEqual(table["Delete $0?"], [null, "$0 löschen?"], "placeholders stay as they are");
        assert.deepEqual(table["Say \"hi\"\n\tto $0 and $1"], [null, "Sag \"hallo\"\n\tzu $1 und $0"], "C escapes and continued lines");
        assert.deepEqual(table["verb\u0004Open"], [null, "Öffnen"], "a context is joined by EOT, as cockpit.gettext looks it up");
        assert.deepEqual(table["$0 disk"], [null, "$0 dysk", "$0 dyski", "$0 dysków"]);
        assert.false("Maybe" in table, "fuzzy is not trusted");
        assert.false("Not yet" in table, "an empty msgstr leaves the English text");
        assert.false("CPU" in table, "a text translated as itself is left out: gettext returns it anyway");
        const head = table[""] as { "plural-forms": (n: number) => number; language: string };
        assert.equal(head.language, "pl");
        assert.deepEqual([1, 2, 5, 12, 22, 25].map(head["plural-forms"]), [0, 1, 2, 2, 1, 2], "the header's plural rule");
    });

    QUnit.test("a plural rule that is not arithmetic on n is refused, since it becomes code", assert => {
        assert.throws(() => pluralFunction("nplurals=2; plural=alert(1);"), /not a plural expression/);
        assert.equal(pluralFunction(undefined), "(n) => n != 1 ? 1 : 0");
    });

    QUnit.test("a broken catalog names the file and line", assert => {
        assert.throws(() => parsePo("msgid \"a\"\nmsgstr \"b\\q\"\n", "x.po"), /x\.po:2: unknown escape/);
        assert.throws(() => parsePo("msgid \"a\"\nmsgstr b\n", "x.po"), /x\.po:2: cannot read/);
    });

    QUnit.test("the German translation has every string of the template, with the same placeholders", assert => {
        const template = readPo("debvisor.pot");
        const german = readPo("de.po");
        assert.true(template.messages.length > 500, `${template.messages.length} strings in the template`);
        assert.deepEqual(untranslated(template, german), [], "run node build.js and translate what po/de.po lacks");
        const placeholders = (s: string) => [...s.matchAll(/\$\d+/g)].map(m => m[0]).sort().join(" ");
        const translated = new Map(german.messages.map(m => [m.id, m.strings]));
        const differing = template.messages.flatMap(msg => (translated.get(msg.id) ?? [])
            .filter(s => placeholders(s) !== placeholders(msg.id)).map(s => `${msg.id} → ${s}`));
        assert.deepEqual(differing, [], "the same $0, $1 … in each translation");
    });

    QUnit.test("every polkit action says its description and message in German too", assert => {
        const policy = fs.readFileSync(path.join(root, "dbus/org.debvisor.policy"), "utf8");
        const actions = [...policy.matchAll(/<action id="([^"]+)">([\s\S]*?)<\/action>/g)];
        assert.true(actions.length > 10);
        for (const [, id, body] of actions) {
            for (const element of ["description", "message"]) {
                assert.true(new RegExp(`<${element}>[^<]+</${element}>`).test(body), `${id}: ${element}`);
                assert.true(new RegExp(`<${element} xml:lang="de">[^<]+</${element}>`).test(body), `${id}: ${element} in German`);
            }
        }
    });
});
