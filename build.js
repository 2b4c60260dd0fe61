#!/usr/bin/env node
// Builds everything that ships, from source:
//   generated/dbus-contract.ts  TypeScript types and the XML of the D-Bus contract (dbus/*.xml)
//   dist/debvisord.js           the daemon, one file for Debian's nodejs (>= 18)
//   dist/debvisorctl.js         the command line
//   dist/debvisor-firstboot.js  the first-boot setup of a node installed from the ISO
//   dist/debvisor/              the Cockpit package (pages with their documents, manifest): each page's
//                               module, chunks the pages share, and one stylesheet for all, debvisor.css
//   po/debvisor.pot             the pages' translatable strings
//   dist/debvisor/po.<lang>.js  each translation (po/<lang>.po) as Cockpit loads it for "po.js"
// Usage: node build.js [--watch] [--dev]   (--dev: no minification, inline sourcemaps)

import * as esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";

const root = path.dirname(fileURLToPath(import.meta.url));
const dev = process.argv.includes("--dev");
const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;
const dist = path.join(root, "dist");
// each page and the title of its document (Cockpit shows it in the window's title)
const pageTitles = {
    overview: "DebVisor", machines: "Virtual machines", compliance: "Compliance", storage: "Storage", security: "Security", dns: "DNS",
    cluster: "Cluster", backups: "Backups",
};
const pages = Object.keys(pageTitles);
for (const dir of fs.readdirSync(path.join(root, "pkg"))) {
    if (fs.existsSync(path.join(root, "pkg", dir, "index.html")))
        throw new Error(`pkg/${dir}/index.html: a page's document is made here (pageHtml); give the page a title in pageTitles instead`);
    if (fs.existsSync(path.join(root, "pkg", dir, "index.tsx")) && !pages.includes(dir))
        throw new Error(`pkg/${dir}/index.tsx has no entry in pageTitles`);
}

/* Every page's document is the same shell around its module: cockpit.js, the package's stylesheet, a root for React.
 * po.js is answered by Cockpit with the package's po.<lang>.js for the user's language (../base1/po.js: Cockpit's own
 * strings), before the page's script runs, so cockpit.gettext finds the translations. The module comes first: a
 * module runs only once the document is parsed, after those classic scripts, but the browser fetches it and every
 * chunk it imports as soon as it meets the tag, instead of once po.js has come (which can take a while). */
function pageHtml(page) {
    return `<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${pageTitles[page]}</title>
    <link rel="stylesheet" href="debvisor.css">
    <script type="module" src="${page}.js"></script>
    <script src="../base1/cockpit.js"></script>
    <script src="../base1/po.js"></script>
    <script src="po.js"></script>
</head>
<body class="pf-v6-m-tabular-nums">
    <div id="app"></div>
</body>
</html>
`;
}

function writeIfChanged(file, text) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text)
        fs.writeFileSync(file, text);
}

/* The contract and catalog parsers are TypeScript; bundle one on the fly to use it here. */
async function loadModule(file) {
    const out = await esbuild.build({
        entryPoints: [path.join(root, file)],
        bundle: true, platform: "node", format: "esm", write: false,
    });
    const code = out.outputFiles[0].text;
    return import("data:text/javascript;base64," + Buffer.from(code).toString("base64"));
}

/* helpers/lib/dbus-xml.ts's splitSignature, loaded by generateContract */
let splitSignature;

function tsType(signature, side) {
    const c = signature[0];
    switch (c) {
    case "s": case "o": case "g": return "string";
    case "b": return "boolean";
    case "y": case "n": case "q": case "i": case "u": case "d": case "h": return "number";
    // a method's schema gets 64-bit numbers as numbers (unwrap keeps a bigint only beyond 2^53, which schemas refuse)
    case "x": case "t": return side === "daemon" ? "bigint" : "number";
    case "v": return side === "daemon" ? "Variant" : side === "method" ? "unknown" : "CockpitVariant";
    case "a":
        if (signature[1] === "{") {
            const inner = signature.slice(2, -1);
            // a{sv} (options, or a record of named values): which keys it holds is the schema's to say
            if (inner === "sv" && side === "method")
                return "any";
            const key = inner[0];
            return `Record<${tsType(key, side)}, ${tsType(inner.slice(1), side)}>`;
        }
        return `Array<${tsType(signature.slice(1), side)}>`;
    case "(": return side === "method" ? `[${splitSignature(signature.slice(1, -1)).map(t => tsType(t, side)).join(", ")}]` : "unknown[]";
    default: throw new Error(`unsupported D-Bus type ${signature}`);
    }
}

/* A dictionary the contract declares the members of (org.debvisor.DebVisor1.Members), as a page holds
 * it once pkg/lib/api/variants.ts has unwrapped it: members plain (64-bit numbers are numbers in
 * cockpit.js), a list of dictionaries unwrapped too, a single nested a{sv} left as cockpit.js hands it. */
function plainType(type, members) {
    const dict = m => m ? `{ ${Object.entries(m).map(([name, member]) => `${/^[A-Za-z_]\w*$/.test(name) ? name : JSON.stringify(name)}: ${memberType(member)}`).join("; ")} }` : "Record<string, unknown>";
    const memberType = member => member.type === "aa{sv}" ? `Array<${dict(member.members)}>` : tsType(member.type, "page");
    return type === "aa{sv}" ? `Array<${dict(members)}>` : dict(members);
}

const pascal = name => name.split("_").map(w => w[0].toUpperCase() + w.slice(1)).join("");

/* One type per dictionary the contract declares the members of, named after where it is sent:
 * Plain<Interface><Property> for a property, Plain<Interface><Method><Argument> for a result. */
function plainDictionaryTypes(iface, short) {
    const lines = [];
    const emit = (name, where, typed) => {
        lines.push(`/** ${where} (${typed.type}) as a page holds it, its variants unwrapped. */`);
        lines.push(`export type ${name} = ${plainType(typed.type, typed.members)};`);
    };
    for (const p of iface.properties.filter(p => p.members))
        emit(`Plain${short}${p.name}`, `${iface.name}.${p.name}`, p);
    for (const m of iface.methods)
        for (const a of m.args.filter(a => a.direction === "out" && a.members))
            emit(`Plain${short}${m.name}${pascal(a.name)}`, `${iface.name}.${m.name}'s ${a.name}`, a);
    return lines;
}

/* Generates the types both sides compile against, so the contract cannot drift:
 * a property or argument renamed in the XML breaks the build where it is used. */
async function generateContract() {
    const dbusXml = await loadModule("helpers/lib/dbus-xml.ts");
    const { parseIntrospection, isCompleteType } = dbusXml;
    splitSignature = dbusXml.splitSignature;
    const xmlFile = path.join(root, "dbus/org.debvisor.DebVisor1.xml");
    const xml = fs.readFileSync(xmlFile, "utf8");
    const interfaces = parseIntrospection(xml);
    const lines = [
        "// Generated by build.js from dbus/org.debvisor.DebVisor1.xml. Do not edit.",
        "/* eslint-disable */",
        "import type { Variant } from \"dbus-next\";",
        "export interface CockpitVariant { t: string; v: unknown }",
        `export const CONTRACT_XML = ${JSON.stringify(xml)};`,
        "export const BUS_NAME = \"org.debvisor.DebVisor1\";",
        "export const ROOT_PATH = \"/org/debvisor/DebVisor1\";",
    ];
    for (const iface of interfaces) {
        const short = iface.name.split(".").pop();
        lines.push(`export const ${short.toUpperCase()}_IFACE = ${JSON.stringify(iface.name)};`);
        for (const side of ["daemon", "page"]) {
            const prefix = side === "daemon" ? "" : "Page";
            lines.push(`/** Properties of ${iface.name}. */`);
            lines.push(`export interface ${prefix}${short}Properties {`);
            for (const p of iface.properties)
                lines.push(`    ${p.name}: ${tsType(p.type, side)};`);
            lines.push("}");
        }
        // what a method's argument schema is handed: the call's arguments with their variants unwrapped
        lines.push(`/** Arguments of the methods of ${iface.name}, in order, as a method's schema receives them. */`);
        lines.push(`export interface ${short}MethodArgs {`);
        for (const m of iface.methods) {
            const ins = m.args.filter(a => a.direction === "in");
            lines.push(`    ${m.name}: [${ins.map(a => `${a.name}: ${tsType(a.type, "method")}`).join(", ")}];`);
        }
        lines.push("}");
        lines.push(`/** Results of the methods of ${iface.name}, as a page receives them. */`);
        lines.push(`export interface Page${short}MethodResults {`);
        for (const m of iface.methods) {
            const outs = m.args.filter(a => a.direction === "out");
            lines.push(`    ${m.name}: [${outs.map(a => `${a.name}: ${tsType(a.type, "page")}`).join(", ")}];`);
        }
        lines.push("}");
        lines.push(...plainDictionaryTypes(iface, short));
        // a signature check at build time keeps unsupported types out of the contract (parseIntrospection has
        // checked the member types of the dictionaries, org.debvisor.DebVisor1.Members, already)
        for (const typed of [...iface.properties, ...[...iface.methods, ...iface.signals].flatMap(m => m.args)])
            if (!isCompleteType(typed.type))
                throw new Error(`${xmlFile}: ${iface.name}: "${typed.type}" of ${typed.name} is not one D-Bus type`);
    }
    // what a caller sends, per interface and method: debvisorctl takes its signatures from here
    lines.push("/** The in-signature of every method, by interface and method name. */");
    lines.push("export const IN_SIGNATURES = {");
    for (const iface of interfaces) {
        lines.push(`    ${JSON.stringify(iface.name)}: {`);
        for (const m of iface.methods)
            lines.push(`        ${m.name}: ${JSON.stringify(m.args.filter(a => a.direction === "in").map(a => a.type).join(""))},`);
        lines.push("    },");
    }
    lines.push("} as const;");
    lines.push("/** The arguments of every method as its schema receives them, by interface. */");
    lines.push("export interface ContractMethodArgs {");
    for (const iface of interfaces)
        lines.push(`    ${JSON.stringify(iface.name)}: ${iface.name.split(".").pop()}MethodArgs;`);
    lines.push("}");
    // what Cockpit's bridge would otherwise learn by introspecting an object of each interface, one
    // Introspect call after another, before it answers the page's watch (its "meta" message): the
    // methods' in-arguments and the properties. Out-arguments and signals, which neither the bridge
    // nor a page needs (a reply and a signal carry their own signature), are left out: every page loads it
    const bridgeMeta = Object.fromEntries(interfaces.map(iface => [iface.name, {
        methods: Object.fromEntries(iface.methods.map(m => [m.name, { in: m.args.filter(a => a.direction === "in").map(a => a.type) }])),
        properties: Object.fromEntries(iface.properties.map(p => [p.name, { flags: p.access === "readwrite" ? "rw" : "r", type: p.type }])),
    }]));
    lines.push("/** Every interface as Cockpit's bridge describes one (its D-Bus channel's \"meta\"), so it need not introspect. */");
    lines.push(`export const BRIDGE_META = ${JSON.stringify(bridgeMeta)};`);
    lines.push("export type ContractInterface = keyof typeof IN_SIGNATURES;");
    lines.push("export type ContractMethod<I extends ContractInterface> = keyof (typeof IN_SIGNATURES)[I] & string;");
    writeIfChanged(path.join(root, "generated/dbus-contract.ts"), lines.join("\n") + "\n");
}

/* Extracts _("…") and ngettext("…", "…", n) strings from the pages, and the menu labels of the manifest,
 * into a gettext template. */
function extractStrings() {
    const messages = new Map();
    const walk = dir => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const file = path.join(dir, entry.name);
            if (entry.isDirectory())
                walk(file);
            else if (/\.tsx?$/.test(entry.name)) {
                const text = fs.readFileSync(file, "utf8");
                const calls = /\b_\(\s*"((?:[^"\\]|\\.)*)"\s*\)|\bngettext\(\s*"((?:[^"\\]|\\.)*)"\s*,\s*"((?:[^"\\]|\\.)*)"\s*,/g;
                for (const m of text.matchAll(calls)) {
                    const line = text.slice(0, m.index).split("\n").length;
                    const ref = `${path.relative(root, file)}:${line}`;
                    const msgid = m[1] ?? m[2];
                    if (!messages.has(msgid))
                        messages.set(msgid, { refs: [], plural: m[3] });
                    messages.get(msgid).refs.push(ref);
                }
            }
        }
    };
    walk(path.join(root, "pkg"));
    // the menu's labels: Cockpit's shell loads every package's po.js and translates them with it
    const manifest = JSON.parse(fs.readFileSync(path.join(root, "pkg/manifest.json"), "utf8"));
    for (const item of Object.values(manifest.menu ?? {})) {
        if (!messages.has(item.label))
            messages.set(item.label, { refs: [], plural: undefined });
        messages.get(item.label).refs.push("pkg/manifest.json");
    }
    const out = [
        "# Translatable strings of the DebVisor Cockpit pages.",
        "# Generated by build.js.",
        "msgid \"\"",
        "msgstr \"\"",
        "\"Project-Id-Version: debvisor " + version + "\\n\"",
        "\"Content-Type: text/plain; charset=UTF-8\\n\"",
        "",
    ];
    for (const [msgid, { refs, plural }] of [...messages].sort((a, b) => a[0].localeCompare(b[0]))) {
        out.push(`#: ${refs.join(" ")}`, `msgid "${msgid}"`);
        if (plural === undefined)
            out.push("msgstr \"\"", "");
        else
            out.push(`msgid_plural "${plural}"`, "msgstr[0] \"\"", "msgstr[1] \"\"", "");
    }
    writeIfChanged(path.join(root, "po/debvisor.pot"), out.join("\n"));
}

/* Compiles each translation po/<lang>.po into the package's po.<lang>.js, and says how much of the
 * template each one lacks (the unit tests fail on a gap in a complete translation). */
async function compileTranslations() {
    const { parsePo, compilePoJs, untranslated } = await loadModule("helpers/lib/po.ts");
    const template = parsePo(fs.readFileSync(path.join(root, "po/debvisor.pot"), "utf8"), "po/debvisor.pot");
    for (const file of fs.readdirSync(path.join(root, "po")).filter(f => f.endsWith(".po"))) {
        const language = file.slice(0, -".po".length);
        const catalog = parsePo(fs.readFileSync(path.join(root, "po", file), "utf8"), `po/${file}`);
        writeIfChanged(path.join(dist, "debvisor", `po.${language}.js`), compilePoJs(catalog, language));
        const missing = untranslated(template, catalog);
        if (missing.length > 0)
            console.warn(`po/${file}: ${missing.length} of ${template.messages.length} strings untranslated, e.g. "${missing[0]}"`);
    }
}

/* The pages' scripts: ES modules with the code they share (React, PatternFly …) in chunks, so a second
 * page loads only its own part; a stylesheet import adds nothing here (see buildStylesheet). */
const pageTarget = {
    bundle: true,
    target: ["chrome110", "firefox110", "safari16"],
    minify: !dev,
    sourcemap: dev ? "inline" : false,
    legalComments: "none",
    jsx: "automatic",
    define: { "process.env.NODE_ENV": JSON.stringify(dev ? "development" : "production") },
    logLevel: "warning",
};

const withoutStylesheets = {
    name: "without-stylesheets",
    setup(build) {
        build.onResolve({ filter: /\.css$/ }, args => ({ path: args.path, namespace: "stylesheet" }));
        build.onLoad({ filter: /.*/, namespace: "stylesheet" }, () => ({ contents: "", loader: "js" }));
    },
};

/* PatternFly's class maps, each shipped as its class names (pkg/lib/class-map.ts): the same objects, at about half
 * their gzipped size. A map the names would not rebuild exactly is left as it is. */
async function compactClassMaps() {
    const { encodeClassMap } = await loadModule("pkg/lib/class-map.ts");
    const classMapModule = path.join(root, "pkg/lib/class-map.ts");
    return {
        name: "compact-class-maps",
        setup(build) {
            build.onLoad({ filter: /[\\/]@patternfly[\\/]react-styles[\\/]css[\\/].*\.mjs$/ }, args => {
                const source = fs.readFileSync(args.path, "utf8");
                const parts = /^((?:import '[^'\n]+';\s*)*)export default (\{[\s\S]*\});?\s*$/.exec(source);
                const encoded = parts && encodeClassMap(JSON.parse(parts[2]));
                if (!encoded)
                    return undefined;
                return {
                    contents: `${parts[1]}import { classMap } from ${JSON.stringify(classMapModule)};\n` +
                        `export default classMap(${encoded.map(s => JSON.stringify(s)).join(", ")});\n`,
                    loader: "js",
                    resolveDir: path.dirname(args.path),
                };
            });
        },
    };
}

/* Red Hat's fonts come from Cockpit (its static/fonts, as Cockpit's own pages use them), not from the package. */
const RED_HAT_FONTS = [
    // family in PatternFly's stylesheet, file prefix in Cockpit, [weight, file suffix, style]
    ["Red Hat Text", "RedHatText", [[400, "Regular", "normal"], [400, "Italic", "italic"], [500, "Medium", "normal"], [700, "Bold", "normal"], [700, "BoldItalic", "italic"]]],
    ["Red Hat Display", "RedHatDisplay", [[400, "Regular", "normal"], [500, "Medium", "normal"], [700, "Bold", "normal"], [700, "BoldItalic", "italic"], [900, "Black", "normal"]]],
    ["Red Hat Mono", "RedHatMono", [[400, "Regular", "normal"], [400, "Italic", "italic"], [500, "Medium", "normal"], [700, "Bold", "normal"]]],
];
const cockpitFonts = RED_HAT_FONTS.flatMap(([family, prefix, faces]) => faces.map(([weight, suffix, style]) =>
    `@font-face{font-family:"${family}";src:url("../../static/fonts/${prefix}-${suffix}.woff2") format("woff2");font-weight:${weight};font-style:${style};font-display:fallback}`)).join("\n");

/* Rules the pages never match: PatternFly's themes that Cockpit never sets on a page (it sets
 * pf-v6-theme-dark only), a tenth of the stylesheet, and the classes of its icon font (the pages'
 * icons are SVG). A selector list keeps its other selectors. */
const UNUSED_RULES = /\.pf-v6-theme-(glass|high-contrast|felt|redhat)\b|\.pf-v6-pficon-/;

function splitSelectors(list) {
    const parts = [];
    let depth = 0, start = 0;
    for (let i = 0; i < list.length; i++) {
        const c = list[i];
        if (c === "(" || c === "[")
            depth++;
        else if (c === ")" || c === "]")
            depth--;
        else if (c === "," && depth === 0) {
            parts.push(list.slice(start, i));
            start = i + 1;
        }
    }
    parts.push(list.slice(start));
    return parts;
}

function withoutUnusedRules(css) {
    // a rule starts after a brace or semicolon: matching only there keeps this linear (a long comment
    // such as an inline source map would otherwise be rescanned from each of its characters)
    return css.replace(/(?<=^|[{};])([^{};]+)\{([^{}]*)\}/g, (rule, selectors, body) => {
        if (selectors.trim().startsWith("@") || !UNUSED_RULES.test(selectors))
            return rule;
        const kept = splitSelectors(selectors).filter(s => !UNUSED_RULES.test(s));
        return kept.length === 0 ? "" : `${kept.join(",")}{${body}}`;
    });
}

/* Custom properties no rule reads: PatternFly declares a variable for every knob of every component
 * (and the design tokens they default to), but only those some var() reads, or a page's script names,
 * do anything. Dropping one can orphan the variables its value read, hence the rounds (bounded: the
 * chains of tokens are a few deep). */
function withoutUnreadProperties(css, scripts) {
    const namedByScripts = new Set(scripts.match(/--pf-[\w-]+/g) ?? []);
    for (let round = 0; round < 10; round++) {
        const read = new Set(Array.from(css.matchAll(/var\(\s*(--[\w-]+)/g), m => m[1]));
        let dropped = 0;
        css = css.replace(/(?<=[{;])(--[\w-]+):[^;{}]*(;|(?=\}))/g, (declaration, name) => {
            if (read.has(name) || namedByScripts.has(name))
                return declaration;
            dropped++;
            return "";
        });
        if (dropped === 0)
            break;
    }
    // a rule left without declarations
    return css.replace(/(?<=^|[{};])[^{};@]+\{\}/g, "");
}

/* The text of every script the pages load, to see which names they use. */
function pageScripts() {
    const outDir = path.join(dist, "debvisor");
    const files = fs.readdirSync(outDir, { recursive: true }).filter(f => String(f).endsWith(".js"));
    return files.map(f => fs.readFileSync(path.join(outDir, String(f)), "utf8")).join("\n");
}

/* One stylesheet for the whole package: every stylesheet any page imports (PatternFly's base and the
 * components' styles, the pages' own), in import order, once; PatternFly's font files are left out. */
async function buildStylesheet() {
    const out = await esbuild.build({
        stdin: { contents: pages.map(p => `import "./pkg/${p}/index.tsx";`).join("\n"), resolveDir: root, sourcefile: "debvisor.tsx", loader: "tsx" },
        ...pageTarget,
        outfile: "dist/debvisor/debvisor.js",
        write: false,
        loader: { ".woff": "file", ".woff2": "file", ".svg": "file", ".png": "file", ".jpg": "file" },
        assetNames: "assets/[name]-[hash]",
        plugins: [{
            name: "cockpit-fonts",
            setup(build) {
                build.onResolve({ filter: /^\.\.\/\.\.\/static\/fonts\// }, args => ({ path: args.path, external: true }));
                build.onLoad({ filter: /@patternfly[\\/]react-core[\\/]dist[\\/]styles[\\/]base\.css$/ }, args => ({
                    contents: fs.readFileSync(args.path, "utf8").replace(/@font-face\s*\{[^}]*(Red Hat|pf-v6-pficon)[^}]*\}/g, "") + cockpitFonts,
                    loader: "css",
                }));
            },
        }],
    });
    const css = withoutUnreadProperties(withoutUnusedRules(out.outputFiles.find(f => f.path.endsWith(".css")).text), pageScripts());
    fs.writeFileSync(path.join(dist, "debvisor/debvisor.css"), css);
    // the images and fonts the remaining rules still refer to
    for (const file of out.outputFiles.filter(f => path.relative(path.join(dist, "debvisor"), f.path).startsWith("assets"))) {
        if (!css.includes(path.basename(file.path)))
            continue;
        fs.mkdirSync(path.dirname(file.path), { recursive: true });
        fs.writeFileSync(file.path, file.contents);
    }
}

/* What a page's first load transfers, gzipped as the package ships it, may not exceed this:
 * its document, debvisor.css, its module with the chunks it imports (not those it imports
 * on demand, like the consoles), and the largest translation. */
const PAGE_BUDGET_KIB = { machines: 300, other: 320 };

function checkPageSizes(metafile) {
    const outDir = path.join(dist, "debvisor");
    const gzipped = file => zlib.gzipSync(fs.readFileSync(path.join(root, file)), { level: 9 }).length;
    const translations = fs.readdirSync(outDir).filter(f => /^po\..+\.js$/.test(f));
    const largestTranslation = Math.max(0, ...translations.map(f => gzipped(path.join("dist/debvisor", f))));
    const rows = [];
    for (const page of pages) {
        const scripts = new Set();
        const visit = file => {
            if (scripts.has(file))
                return;
            scripts.add(file);
            for (const imported of metafile.outputs[file].imports)
                if (imported.kind === "import-statement")
                    visit(imported.path);
        };
        visit(`dist/debvisor/${page}.js`);
        const js = [...scripts].reduce((sum, file) => sum + gzipped(file), 0);
        const css = gzipped("dist/debvisor/debvisor.css");
        const html = Buffer.byteLength(pageHtml(page));
        rows.push({ page, js, css, html, total: js + css + html + largestTranslation });
    }
    const kib = n => (n / 1024).toFixed(1).padStart(6);
    console.log(`page         first load, KiB gzipped, budget ${PAGE_BUDGET_KIB.machines} for machines, ${PAGE_BUDGET_KIB.other} for others (script + debvisor.css + document + translation ≤ ${kib(largestTranslation).trim()})`);
    for (const r of rows)
        console.log(`${r.page.padEnd(12)} ${kib(r.total)}  = ${kib(r.js)} + ${kib(r.css)} + ${kib(r.html)}`);
    const budget = page => PAGE_BUDGET_KIB[page] ?? PAGE_BUDGET_KIB.other;
    const over = rows.filter(r => r.total > budget(r.page) * 1024);
    if (over.length > 0 && !dev)
        throw new Error(`over budget, KiB gzipped: ${over.map(r => `${r.page} ${kib(r.total).trim()} > ${budget(r.page)}`).join(", ")}`);
}

async function buildPages() {
    fs.rmSync(path.join(dist, "debvisor"), { recursive: true, force: true });
    const { metafile } = await esbuild.build({
        ...pageTarget,
        entryPoints: Object.fromEntries(pages.map(p => [p, `pkg/${p}/index.tsx`])),
        outdir: "dist/debvisor",
        format: "esm",
        splitting: true,
        chunkNames: "chunks/[name]-[hash]",
        plugins: [withoutStylesheets, await compactClassMaps()],
        metafile: true,
    });
    await buildStylesheet();
    return metafile;
}

const nodeTarget = {
    bundle: true,
    platform: "node",
    target: "node18",
    format: "cjs",
    minify: !dev,
    sourcemap: dev ? "inline" : false,
    legalComments: "none",
    define: { DEBVISOR_VERSION: JSON.stringify(version), "import.meta.url": "__importMetaUrl" },
    banner: { js: "#!/usr/bin/node\nconst __importMetaUrl = require(\"url\").pathToFileURL(__filename).href;" },
    // optional modules of dbus-next for X11 session buses and abstract sockets, unused on the system bus
    external: ["x11", "usocket"],
    logLevel: "warning",
};

async function buildAll() {
    await generateContract();
    extractStrings();
    fs.mkdirSync(path.join(dist, "debvisor"), { recursive: true });
    await esbuild.build({ ...nodeTarget, entryPoints: ["helpers/debvisord/main.ts"], outfile: "dist/debvisord.js" });
    await esbuild.build({ ...nodeTarget, entryPoints: ["helpers/debvisorctl/main.ts"], outfile: "dist/debvisorctl.js" });
    await esbuild.build({ ...nodeTarget, entryPoints: ["helpers/debvisor-firstboot/main.ts"], outfile: "dist/debvisor-firstboot.js" });
    // the installer on the live image (package debvisor-installer)
    await esbuild.build({ ...nodeTarget, entryPoints: ["helpers/debvisor-install/main.ts"], outfile: "dist/debvisor-install.js" });
    // the bundles are CommonJS, the project's sources are ES modules
    fs.writeFileSync(path.join(dist, "package.json"), "{ \"type\": \"commonjs\" }\n");
    for (const file of ["dist/debvisord.js", "dist/debvisorctl.js", "dist/debvisor-firstboot.js", "dist/debvisor-install.js"])
        fs.chmodSync(path.join(root, file), 0o755);
    const metafile = await buildPages();
    for (const p of pages)
        fs.writeFileSync(path.join(dist, "debvisor", `${p}.html`), pageHtml(p));
    await compileTranslations();
    checkPageSizes(metafile);
    const manifest = JSON.parse(fs.readFileSync(path.join(root, "pkg/manifest.json"), "utf8"));
    fs.writeFileSync(path.join(dist, "debvisor/manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
}

await buildAll();
