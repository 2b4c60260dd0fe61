// debvisorctl's argument parsing and how argv selects a command, in process.
import QUnit from "qunit";
import { parse, UsageError, type Options } from "../../helpers/debvisorctl/args.js";
import { groupHelp, helpOf, parseFor, select, usageOf } from "../../helpers/debvisorctl/command.js";
import { COMMANDS } from "../../helpers/debvisorctl/commands/index.js";
import { joinProfileOptions } from "../../helpers/debvisorctl/commands/storage.js";

const OPTIONS: Options = {
    format: { type: "string", value: "FORMAT" },
    "rate-limit": { type: "string", value: "BYTES" },
    wait: { type: "boolean" },
    n: { type: "string", short: "n", value: "N" },
};
const TWO = { min: 2, max: 2 };

function command(name: string) {
    const found = COMMANDS.find(c => c.name === name);
    if (!found)
        throw new Error(`no command ${name}`);
    return found;
}

QUnit.module("debvisorctl arguments", () => {
    QUnit.test("values: --opt value, --opt=value, -n value, -nvalue; only given options appear", assert => {
        assert.deepEqual(parse(["src", "--format", "raw", "dst"], OPTIONS, TWO), { values: { format: "raw" }, positionals: ["src", "dst"], help: false });
        assert.deepEqual(parse(["--format=qcow2", "a", "b", "--wait"], OPTIONS, TWO).values, { format: "qcow2", wait: true });
        assert.deepEqual(parse(["-n", "5"], OPTIONS, { min: 0, max: 0 }).values, { n: "5" });
        assert.deepEqual(parse(["-n5"], OPTIONS, { min: 0, max: 0 }).values, { n: "5" });
        assert.deepEqual(parse(["--rate-limit=a=b", "x", "y"], OPTIONS, TWO).values, { "rate-limit": "a=b" }, "only the first = splits");
        assert.deepEqual(parse(["--format", "raw", "--format", "qcow2", "a", "b"], OPTIONS, TWO).values, { format: "qcow2" }, "the last one counts");
    });

    QUnit.test("a value is the next argument whatever it looks like; -- ends the options", assert => {
        assert.deepEqual(parse(["a", "b", "--format", "--wait"], OPTIONS, TWO).values, { format: "--wait" });
        assert.deepEqual(parse(["--", "--wait", "-x"], OPTIONS, TWO), { values: {}, positionals: ["--wait", "-x"], help: false });
        assert.deepEqual(parse(["-", "b"], OPTIONS, TWO).positionals, ["-", "b"], "a lone dash is an argument");
    });

    QUnit.test("wrong usage is a UsageError that says what is wrong", assert => {
        const cases: Array<[string[], RegExp]> = [
            [["a", "b", "--bogus"], /^unknown option --bogus$/],
            [["a", "b", "-x"], /^unknown option -x$/],
            [["a", "b", "--wait=yes"], /^--wait takes no value$/],
            [["a", "b", "--format"], /^--format needs a value \(FORMAT\)$/],
            [["a", "b", "--format="], /^--format needs a value/],
            [["a"], /^missing arguments$/],
            [["a", "b", "c"], /^unexpected argument "c"$/],
        ];
        for (const [argv, message] of cases)
            assert.throws(() => parse(argv, OPTIONS, TWO), (e: Error) => e instanceof UsageError && message.test(e.message), argv.join(" "));
    });

    QUnit.test("--help and -h need no arguments and are not a value", assert => {
        assert.deepEqual(parse(["--help"], OPTIONS, TWO), { values: {}, positionals: [], help: true });
        assert.true(parse(["-h"], OPTIONS, TWO).help);
        assert.throws(() => parse(["--help", "--bogus"], OPTIONS, TWO), UsageError, "an unknown option is still refused");
    });
});

QUnit.module("debvisorctl commands", () => {
    QUnit.test("argv selects one- and two-word commands, groups and unknown words", assert => {
        const pick = (...argv: string[]) => {
            const s = select(COMMANDS, argv);
            return s.kind === "command" ? [s.kind, s.command.name, s.argv] : [s.kind, s.name];
        };
        assert.deepEqual(pick("jobs", "--json"), ["command", "jobs", ["--json"]]);
        assert.deepEqual(pick("jobs", "cancel", "7"), ["command", "jobs cancel", ["7"]]);
        assert.deepEqual(pick("audit", "verify", "x.jsonl"), ["command", "audit verify", ["x.jsonl"]]);
        assert.deepEqual(pick("audit"), ["group", "audit"]);
        assert.deepEqual(pick("audit", "frobnicate"), ["group", "audit"]);
        assert.deepEqual(pick("vm", "start", "web01"), ["command", "vm start", ["web01"]]);
        assert.deepEqual(pick("frobnicate"), ["unknown", "frobnicate"]);
    });

    QUnit.test("each command's options are its own: an option of a sibling is refused", assert => {
        assert.deepEqual(parseFor(command("audit tail"), ["-n", "5", "--json"]).values, { lines: "5", json: true });
        assert.deepEqual(parseFor(command("audit tail"), ["--lines=7"]).values, { lines: "7" });
        assert.throws(() => parseFor(command("audit verify"), ["-n", "5"]), /unknown option -n/);
        assert.throws(() => parseFor(command("jobs"), ["--no-ask"]), /unknown option --no-ask/, "listing jobs calls no method");
        assert.throws(() => parseFor(command("jobs cancel"), ["3", "--json"]), /unknown option --json/);
        assert.throws(() => parseFor(command("import"), ["only-one"]), /missing arguments: SOURCE NAME$/);
    });

    QUnit.test("every method-calling command takes --no-ask; every listing takes --json", assert => {
        for (const name of ["disks", "jobs cancel", "import", "audit tail", "vm start", "vm shutdown", "vm delete", "vm autostart"])
            assert.equal(command(name).options?.["no-ask"]?.type, "boolean", `${name} --no-ask`);
        for (const name of ["status", "disks", "jobs", "audit tail", "audit verify", "vm list"])
            assert.equal(command(name).options?.json?.type, "boolean", `${name} --json`);
    });

    QUnit.test("help and usage come from the same descriptions the parser uses", assert => {
        const importHelp = helpOf(COMMANDS, command("import"));
        assert.true(importHelp.startsWith("Usage: debvisorctl import SOURCE NAME [--format FORMAT] [--rate-limit BYTES] [--wait] [--no-ask]\n"), importHelp);
        for (const flag of ["--format FORMAT", "--rate-limit BYTES", "--wait", "--no-ask", "-h, --help"])
            assert.true(importHelp.includes(`  ${flag}`), flag);
        assert.equal(usageOf(COMMANDS, "jobs"), "Usage: debvisorctl jobs [--json]\n       debvisorctl jobs cancel N|PATH [--no-ask]\n");
        assert.true(helpOf(COMMANDS, command("jobs")).includes("debvisorctl jobs cancel --help"), "the listing's help names its sibling");
        assert.true(usageOf(COMMANDS, "audit tail").startsWith("Usage: debvisorctl audit tail [-n N] [--json] [--no-ask]"));
        const audit = groupHelp(COMMANDS, "audit");
        assert.true(audit.includes("audit tail") && audit.includes("audit verify [FILE]"), audit);
    });
});

QUnit.module("debvisorctl cluster join --profile", () => {
    QUnit.test("--profile and --profile-wipes go together and become Join's options; a profile other than ceph or mixed is refused", assert => {
        const wipes = "a".repeat(64);
        const values = parseFor(command("cluster join"), ["192.0.2.1", "dvjoin2.x", "--profile", "ceph", "--profile-wipes", wipes]).values;
        const options = joinProfileOptions(values);
        assert.deepEqual(Object.fromEntries(Object.entries(options).map(([k, v]) => [k, [v.signature, v.value]])),
            { profile: ["s", "ceph"], "profile-wipes": ["s", wipes] });
        assert.deepEqual(joinProfileOptions(parseFor(command("cluster join"), ["192.0.2.1", "dvjoin2.x"]).values), {}, "neither: a plain join");
        for (const args of [["--profile", "ceph"], ["--profile-wipes", wipes], ["--profile", "zfs", "--profile-wipes", wipes]])
            assert.throws(() => joinProfileOptions(parseFor(command("cluster join"), ["192.0.2.1", "dvjoin2.x", ...args]).values), UsageError, args.join(" "));
    });
});
