// The pages tell Cockpit's bridge what debvisord's interfaces are (the
// contract, as the bridge's "meta"), so the bridge answers a page's watch and
// calls without introspecting debvisord's objects one after another first
// (twelve of them, one per interface, before it did). It still introspects
// the root, where it finds the object manager the watch reads. dbus-monitor
// on the system bus records the Introspect calls that reach debvisord while
// a page opens and reads.
import { execFileSync, spawn } from "node:child_process";
import QUnit from "qunit";
import { COCKPIT_URL, loggedIn, pageFrame } from "../lib/browser.js";
import { VIEWER } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";

const WAIT = { timeout: 30_000 };

/* debvisord's unique name on the system bus (the bridge may address it by that). */
const daemonConnection = () => /string "(:[\d.]+)"/.exec(execFileSync("dbus-send", ["--system", "--print-reply", "--dest=org.freedesktop.DBus", "/",
    "org.freedesktop.DBus.GetNameOwner", "string:org.debvisor.DebVisor1"], { encoding: "utf8" }))?.[1] ?? "";

/* Introspect calls to debvisord's objects below the root, on the system bus from now until stop(). */
function watchIntrospection(): { ready: Promise<void>; stop: () => string[] } {
    const monitor = spawn("dbus-monitor", ["--system", "type='method_call',interface='org.freedesktop.DBus.Introspectable',member='Introspect'"],
        { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    monitor.stdout.on("data", (chunk: Buffer) => output += chunk.toString());
    // dbus-monitor prints the NameAcquired/NameLost of its own connection once it listens
    const ready = waitFor("dbus-monitor listening", () => /member=NameLost|member=NameAcquired/.test(output), 10_000, 50);
    return {
        ready,
        stop: () => {
            monitor.kill();
            const destinations = ["org.debvisor.DebVisor1", daemonConnection()].map(name => `destination=${name} `);
            return output.split("\n").filter(line => line.includes("member=Introspect") && destinations.some(d => line.includes(d)) &&
                !line.includes("path=/org/debvisor/DebVisor1;"));
        },
    };
}

QUnit.module("browser: the pages describe the contract to Cockpit's bridge", () => {
    QUnit.test("the Virtual machines page and the Overview open, list and call debvisord with none of its objects below the root introspected", async assert => {
        await loggedIn(VIEWER, { noConsoleErrors: assert }, async session => {
            const introspection = watchIntrospection();
            await introspection.ready;
            await session.page.goto(`${COCKPIT_URL}/debvisor/machines`);
            const frame = await pageFrame(session.page, "debvisor/machines");
            await frame.locator("#machine-count").or(frame.getByText("No virtual machines")).first().waitFor(WAIT);
            // a call as well as the watch: the Overview's disks (Manager.GetDisks)
            await session.page.goto(`${COCKPIT_URL}/debvisor/overview`);
            const overview = await pageFrame(session.page, "debvisor/overview");
            await overview.locator("table[aria-label='Disks'] tbody tr").first().waitFor(WAIT);
            const calls = introspection.stop();
            assert.deepEqual(calls, [], "no Introspect call reached an object of debvisord's");
        });
    });
});
