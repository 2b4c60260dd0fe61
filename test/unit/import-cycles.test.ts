// No module imports, even for types only, one that imports it back: an area's
// method modules depend on its host interface (machine-host.ts, zfs-host.ts …),
// never on the area's class, so each module can be read on its own.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import ts from "typescript";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function sources(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? sources(p) : /\.tsx?$/.test(e.name) && !e.name.endsWith(".d.ts") ? [p] : [];
    });
}

/* Each module's relative imports, resolved to files (import and export … from, type-only too). */
function importGraph(dir: string): Map<string, string[]> {
    const graph = new Map<string, string[]>();
    for (const file of sources(dir)) {
        const imports = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, false).importedFiles
            .map(i => i.fileName).filter(name => name.startsWith("."))
            .map(name => path.resolve(path.dirname(file), name.replace(/\.js$/, "")))
            .flatMap(base => [`${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")].find(f => fs.existsSync(f)) ?? []);
        graph.set(file, imports);
    }
    return graph;
}

/* The groups of modules that import one another round (Tarjan's strongly connected components). */
function cycles(graph: Map<string, string[]>): string[][] {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const found: string[][] = [];
    const visit = (v: string): void => {
        index.set(v, index.size);
        low.set(v, index.get(v) as number);
        stack.push(v);
        for (const w of graph.get(v) ?? []) {
            if (!index.has(w)) {
                visit(w);
                low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
            } else if (stack.includes(w)) {
                low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
            }
        }
        if (low.get(v) === index.get(v)) {
            const group = stack.splice(stack.indexOf(v));
            if (group.length > 1)
                found.push(group.map(f => path.relative(root, f)).sort());
        }
    };
    for (const v of graph.keys())
        if (!index.has(v))
            visit(v);
    return found;
}

QUnit.module("import cycles", () => {
    for (const dir of ["helpers", "pkg"]) {
        QUnit.test(`none among the modules of ${dir}/`, assert => {
            const graph = importGraph(path.join(root, dir));
            assert.true(graph.size > 50, `${graph.size} modules read`);
            assert.deepEqual(cycles(graph), []);
        });
    }

    QUnit.test("a cycle is found", assert => {
        const graph = new Map([["/a.ts", ["/b.ts"]], ["/b.ts", ["/c.ts"]], ["/c.ts", ["/a.ts"]], ["/d.ts", ["/a.ts"]]]);
        assert.equal(cycles(graph).length, 1);
        assert.equal(cycles(graph)[0].length, 3);
    });
});
