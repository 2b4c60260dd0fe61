// Runs the test suites with QUnit: `tsx test/run.ts unit integration browser`,
// optionally `--filter TEXT` to run only the tests whose name contains TEXT.
// unit needs nothing; integration and browser run against the installed
// packages on a system bus that the harness brings up (and tears down).
// nodes boots whole Debian nodes with the .debs under systemd-nspawn, each
// with its own bus, network and daemons: it needs no harness and shares
// nothing with this host's, so `npm test` runs it beside the other groups.
import QUnit from "qunit";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Harness } from "./harness/harness.js";

const root = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const filterAt = args.indexOf("--filter");
const filter = filterAt >= 0 ? args.splice(filterAt, 2)[1] : undefined;
const groups = args.length > 0 ? args : ["unit"];
const known = ["unit", "integration", "browser", "nodes"];
for (const g of groups) {
    if (!known.includes(g)) {
        console.error(`unknown test group ${g}; known: ${known.join(", ")}`);
        process.exit(2);
    }
}

interface TestEnd {
    fullName: string[];
    status: "passed" | "failed" | "skipped" | "todo";
    runtime: number;
    errors: Array<{ message?: string; actual?: unknown; expected?: unknown; stack?: string }>;
}
// QUnit's event API (QUnit.on) is missing from @types/qunit
const events = QUnit as unknown as {
    on(event: "testEnd", cb: (t: TestEnd) => void): void;
    on(event: "runEnd", cb: () => void): void;
};

// a dictionary member the contract does not declare fails the test that sends it (helpers/lib/variants.ts)
process.env.DEBVISOR_STRICT_CONTRACT = "1";
QUnit.config.autostart = false;
QUnit.config.testTimeout = 180_000;
if (filter)
    QUnit.config.filter = filter;

let passed = 0, failed = 0;
const skipped: string[] = [];
events.on("testEnd", test => {
    const name = `${test.fullName.join(" › ")}`;
    if (test.status === "passed") {
        passed++;
        console.log(`ok - ${name} (${test.runtime} ms)`);
    } else if (test.status === "skipped" || test.status === "todo") {
        skipped.push(name);
        console.log(`skip - ${name}`);
    } else {
        failed++;
        console.log(`not ok - ${name}`);
        for (const e of test.errors)
            console.log(`    ${e.message ?? ""}\n      actual: ${JSON.stringify(e.actual)}\n      expected: ${JSON.stringify(e.expected)}\n${(e.stack ?? "").split("\n").slice(0, 4).map(l => "      " + l).join("\n")}`);
    }
});

const harness = groups.some(g => g === "integration" || g === "browser") ? new Harness() : null;

events.on("runEnd", () => {
    void (async () => {
        if (harness)
            await harness.stop();
        // what did not run here is listed with its reason (in the module's or test's name), never counted as passed
        if (skipped.length > 0)
            console.log(`\nskipped on this host:\n${skipped.map(n => `  ${n}`).join("\n")}`);
        console.log(`\n${passed} passed, ${failed} failed, ${skipped.length} skipped`);
        process.exit(failed > 0 || passed === 0 ? 1 : 0);
    })();
});

try {
    if (harness)
        await harness.start();
    for (const group of groups) {
        const files = (await readdir(path.join(root, group), { recursive: true }))
            .filter(f => f.endsWith(".test.ts")).sort();
        for (const file of files)
            await import(pathToFileURL(path.join(root, group, file)).href);
    }
} catch (e) {
    console.error(`test setup failed: ${(e as Error).stack ?? String(e)}`);
    if (harness)
        await harness.stop();
    console.log(`\n0 passed, 1 failed, 0 skipped`);
    process.exit(1);
}
QUnit.start();
