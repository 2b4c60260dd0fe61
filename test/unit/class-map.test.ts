// PatternFly's class maps as the pages ship them (pkg/lib/class-map.ts): rebuilt from their class names, each
// map is the object PatternFly's components would have read, keys, values and order alike.
import QUnit from "qunit";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { classMap, encodeClassMap } from "../../pkg/lib/class-map.js";

const stylesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../node_modules/@patternfly/react-styles/css");

function shippedMaps(): Array<[string, unknown]> {
    return fs.readdirSync(stylesDir, { recursive: true }).map(String).filter(f => f.endsWith(".mjs") && !f.startsWith("docs")).map(file => {
        const source = fs.readFileSync(path.join(stylesDir, file), "utf8");
        return [file, JSON.parse(source.slice(source.indexOf("export default ") + "export default ".length).replace(/;\s*$/, ""))];
    });
}

QUnit.module("class maps", () => {
    QUnit.test("every map of PatternFly 6 is rebuilt as the same object from its class names", assert => {
        const maps = shippedMaps();
        assert.true(maps.length > 50, `${maps.length} maps`);
        for (const [file, map] of maps) {
            const encoded = encodeClassMap(map);
            // layouts/Toolbar still names pf-l-toolbar (no page uses it): such a map stays as it is
            if (JSON.stringify(map).includes("\"pf-l-")) {
                assert.strictEqual(encoded, null, `${file} is shipped as it is`);
                continue;
            }
            assert.notStrictEqual(encoded, null, `${file} is shipped as its class names`);
            if (encoded)
                assert.strictEqual(JSON.stringify(classMap(...encoded)), JSON.stringify(map), file);
        }
    });

    QUnit.test("keys and their order come from the names; modifiers keep their place", assert => {
        const map = { flex: "pf-v6-l-flex", flexItem: "pf-v6-l-flex__item", modifiers: { width_25OnLg: "pf-m-width-25-on-lg", hiddenOn_2xl: "pf-m-hidden-on-2xl", "2xl": "pf-m-2xl" }, dirRtl: "pf-v6-m-dir-rtl", buttonHamburgerIconTop: "pf-v6-c-button--hamburger-icon--top" };
        const encoded = encodeClassMap(map);
        assert.deepEqual(encoded, ["pf-v6-l-flex pf-v6-l-flex__item * pf-v6-m-dir-rtl pf-v6-c-button--hamburger-icon--top", "width-25-on-lg hidden-on-2xl 2xl"]);
        assert.deepEqual(Object.keys(classMap(...encoded!)), Object.keys(map));
        assert.deepEqual(classMap(...encoded!), map);
    });

    QUnit.test("a map its names would not rebuild is left as it is", assert => {
        assert.strictEqual(encodeClassMap({ alert: "pf-v6-c-banner" }), null, "a key that is not its name's camel case");
        assert.strictEqual(encodeClassMap({ alert: "pf-v6-c-alert", modifiers: { plain: "plain" } }), null, "a modifier without pf-m-");
        assert.strictEqual(encodeClassMap({ alert: "pf-v6-c-alert pf-m-plain" }), null, "a value of two classes");
        assert.strictEqual(encodeClassMap({ alert: "pf-v6-c-alert", other: { plain: "pf-m-plain" } }), null, "a nested map other than modifiers");
        assert.strictEqual(encodeClassMap({}), null);
        assert.strictEqual(encodeClassMap("pf-v6-c-alert"), null);
    });
});
