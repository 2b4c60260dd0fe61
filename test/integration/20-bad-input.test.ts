// Bad input gets InvalidArgument (or NotFound) naming the argument, and
// changes nothing: no image file, no job, no half-written partial file.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { callAs, MANAGER } from "../lib/call-as.js";
import { containsSecret, craftImages, makeSecret } from "../lib/crafted-images.js";
import { IMAGE_DIR, imageDirListing, randomImage, removeImage, tempDir, uniqueName } from "../lib/images.js";
import { ADMIN } from "../lib/users.js";

const INVALID = "org.debvisor.DebVisor1.Error.InvalidArgument";
const NOT_FOUND = "org.debvisor.DebVisor1.Error.NotFound";

async function jobPaths(): Promise<string[]> {
    const reply = await callAs(null, { path: "/org/debvisor/DebVisor1", iface: "org.freedesktop.DBus.ObjectManager",
        method: "GetManagedObjects", signature: "", body: [] });
    return reply.ok ? Object.keys(reply.body[0] as object).filter(p => p.includes("/jobs/")) : [];
}

function importImage(source: string, name: string, options: Record<string, [string, unknown]> = {}) {
    return callAs(ADMIN.name, { ...MANAGER, method: "ImportImage", signature: "ssa{sv}", body: [source, name, options] });
}

QUnit.module("bad input (installed daemon)", hooks => {
    let dir = "";
    let source = "";
    hooks.before(() => {
        dir = tempDir("dv-bad-");
        source = randomImage(dir, "good.raw", 2);
    });
    hooks.after(() => fs.rmSync(dir, { recursive: true, force: true }));

    QUnit.test("ImportImage refuses every kind of bad argument and changes nothing", async assert => {
        const withBacking = path.join(dir, "overlay.qcow2");
        execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "raw", "-b", source, withBacking]);
        const cases: Array<[string, string, Record<string, [string, unknown]>, string, RegExp]> = [
            ["relative/disk.raw", "ok1", {}, INVALID, /^source_path: must be an absolute path/],
            [`${dir}/../${path.basename(dir)}/good.raw`, "ok1", {}, INVALID, /^source_path: .*"\.\."/],
            [`${source}\n`, "ok1", {}, INVALID, /^source_path: must not contain control characters/],
            ["/" + "a".repeat(100_000), "ok1", {}, INVALID, /^source_path: is longer than a path can be/],
            [source, "", {}, INVALID, /^image_name: must not be empty/],
            [source, "-rf", {}, INVALID, /^image_name: may contain only/],
            [source, "..", {}, INVALID, /^image_name: /],
            [source, "../../etc/x", {}, INVALID, /^image_name: /],
            [source, "web\nupdate add evil", {}, INVALID, /^image_name: /],
            [source, "quo\"te'd", {}, INVALID, /^image_name: /],
            [source, "x".repeat(65), {}, INVALID, /^image_name: must be at most 64 characters/],
            [source, "ok1", { bogus: ["s", "x"] }, INVALID, /^options: unknown option "bogus"/],
            [source, "ok1", { format: ["s", "vmdk"] }, INVALID, /^options\.format: must be one of qcow2, raw/],
            [source, "ok1", { format: ["u", 1] }, INVALID, /^options\.format: /],
            [source, "ok1", { "rate-limit": ["t", 10] }, INVALID, /^options\.rate-limit: must be at least 1024/],
            [path.join(dir, "missing.raw"), "ok1", {}, NOT_FOUND, /^source_path: .* does not exist/],
            [dir, "ok1", {}, INVALID, /^source_path: .* is not a regular file/],
            ["/dev/null", "ok1", {}, INVALID, /^source_path: .* is not a regular file/],
            [withBacking, "ok1", {}, INVALID, /^source_path: .* has a backing file/],
        ];
        const before = imageDirListing();
        const jobsBefore = await jobPaths();
        for (const [src, name, options, error, message] of cases) {
            const reply = await importImage(src, name, options);
            const label = `${JSON.stringify(src.slice(0, 60))} ${JSON.stringify(name.slice(0, 30))} ${JSON.stringify(options)}`;
            assert.false(reply.ok, label);
            if (!reply.ok) {
                assert.equal(reply.errorName, error, label);
                assert.true(message.test(reply.message), `${label}: ${reply.message.slice(0, 200)}`);
            }
        }
        assert.deepEqual(imageDirListing(), before, "the image directory is unchanged");
        assert.deepEqual(await jobPaths(), jobsBefore, "no job was started");
    });

    QUnit.test("ImportImage refuses every image that references another file, and reads nothing of it", async assert => {
        const crafted = fs.mkdtempSync(path.join(dir, "crafted-"));
        fs.chmodSync(crafted, 0o755);
        const secret = makeSecret(crafted);
        const before = imageDirListing();
        const jobsBefore = await jobPaths();
        for (const c of craftImages(crafted, secret)) {
            for (const format of ["qcow2", "raw"]) {
                const reply = await importImage(c.file, uniqueName("crafted"), { format: ["s", format] });
                assert.false(reply.ok, `${c.label} (to ${format})`);
                if (!reply.ok) {
                    assert.equal(reply.errorName, INVALID, c.label);
                    assert.true(reply.message.startsWith(`source_path: ${c.file} `) && c.reason.test(reply.message), `${c.label}: ${reply.message}`);
                }
            }
        }
        const added = imageDirListing().filter(f => !before.includes(f));
        assert.deepEqual(added, [], "nothing was written in the image directory");
        assert.deepEqual(added.filter(f => containsSecret(path.join(IMAGE_DIR, f), secret)), [], "the secret is in no file there");
        assert.deepEqual(await jobPaths(), jobsBefore, "no job was started");
    });

    QUnit.test("an existing image is never overwritten; the same name twice at once is Busy", async assert => {
        const name = uniqueName("dup");
        const slow = randomImage(dir, "slow.raw", 8);
        const [first, second] = await Promise.all([
            importImage(slow, name, { "rate-limit": ["t", 2 << 20] }),
            importImage(slow, name, { "rate-limit": ["t", 2 << 20] }),
        ]);
        const oks = [first, second].filter(r => r.ok);
        const refused = [first, second].filter(r => !r.ok);
        assert.equal(oks.length, 1, "exactly one import starts");
        assert.equal(refused.length, 1);
        if (refused[0] && !refused[0].ok)
            assert.equal(refused[0].errorName, "org.debvisor.DebVisor1.Error.Busy", refused[0].message);
        const job = oks[0].ok ? oks[0].body[0] as string : "";
        await callAs(ADMIN.name, { path: job, iface: "org.debvisor.DebVisor1.Job", method: "Cancel", signature: "a{sv}", body: [{}] });

        const kept = uniqueName("kept");
        fs.writeFileSync(path.join("/var/lib/libvirt/images", `${kept}.qcow2`), "precious");
        const again = await importImage(source, kept);
        assert.false(again.ok);
        if (!again.ok)
            assert.true(/^image_name: .* already exists/.test(again.message), again.message);
        assert.equal(fs.readFileSync(path.join("/var/lib/libvirt/images", `${kept}.qcow2`), "utf8"), "precious");
        removeImage(`${kept}.qcow2`);
    });

    QUnit.test("wrong D-Bus types and out-of-range counts are refused", async assert => {
        const wrongType = await callAs(ADMIN.name, { ...MANAGER, method: "ImportImage", signature: "sa{sv}", body: [source, {}] });
        assert.false(wrongType.ok);
        if (!wrongType.ok)
            assert.equal(wrongType.errorName, "org.freedesktop.DBus.Error.InvalidArgs");
        for (const count of [0, 1001, 4294967295]) {
            const reply = await callAs(ADMIN.name, { ...MANAGER, method: "AuditTail", signature: "ua{sv}", body: [count, {}] });
            assert.false(reply.ok, `AuditTail(${count})`);
            if (!reply.ok)
                assert.true(reply.message.startsWith("count: must be"), reply.message);
        }
    });
});
