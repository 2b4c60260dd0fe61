// The page store's pure parts: how a notify message changes the object tree,
// and which errors mean the service cannot be reached at all.
import QUnit from "qunit";

// cockpit.ts reads window.cockpit when it loads; these functions never use it
const global = globalThis as { window?: unknown };
const hadWindow = "window" in global;
global.window ??= { cockpit: {} };
const { applyNotify, unavailableReason } = await import("../../pkg/lib/dbus-store.js");
if (!hadWindow)
    delete global.window;

const A = "/org/debvisor/DebVisor1/machines/a";
const B = "/org/debvisor/DebVisor1/machines/b";
const M = "org.debvisor.DebVisor1.Machine";
const S = "org.debvisor.DebVisor1.Snapshots";

QUnit.module("page store", () => {
    QUnit.test("applyNotify: adds, merges changed properties, drops interfaces and emptied objects", assert => {
        const first = applyNotify({}, { [A]: { [M]: { Name: "a", State: "running" } }, [B]: { [M]: { Name: "b" }, [S]: { Count: 1 } } });
        assert.deepEqual(first, { [A]: { [M]: { Name: "a", State: "running" } }, [B]: { [M]: { Name: "b" }, [S]: { Count: 1 } } });

        const second = applyNotify(first, { [A]: { [M]: { State: "shut off" } }, [B]: { [S]: null } });
        assert.deepEqual(second, { [A]: { [M]: { Name: "a", State: "shut off" } }, [B]: { [M]: { Name: "b" } } },
            "a PropertiesChanged keeps the properties it does not name; a removed interface goes");
        assert.deepEqual(first[A][M], { Name: "a", State: "running" }, "the old tree is not changed");
        assert.notStrictEqual(second[A], first[A], "a changed object is a new value");
        assert.notStrictEqual(second[A][M], first[A][M], "a changed interface is a new value");
        assert.strictEqual(second[B][M], first[B][M], "an interface that did not change keeps its value");

        const third = applyNotify(second, { [B]: { [M]: null } });
        assert.deepEqual(Object.keys(third), [A], "an object without interfaces is gone");
        assert.strictEqual(third[A], second[A], "an object the message does not name keeps its value");
        assert.deepEqual(applyNotify(third, { [B]: { [M]: null } }), third, "removing what is not there changes nothing");
    });

    QUnit.test("unavailableReason: the service cannot be reached, or one call failed", assert => {
        const cases: Array<[Parameters<typeof unavailableReason>[0], string | null]> = [
            [{ problem: "not-found" }, "not-installed"],
            [{ name: "org.freedesktop.DBus.Error.ServiceUnknown", message: "x" }, "not-installed"],
            [{ name: "org.freedesktop.DBus.Error.NameHasNoOwner" }, "not-installed"],
            [{ name: "org.freedesktop.DBus.Error.Spawn.ChildExited" }, "failed"],
            [{ problem: "access-denied" }, "not-authorized"],
            [{ problem: "not-authorized" }, "not-authorized"],
            [{ name: "org.freedesktop.DBus.Error.AccessDenied" }, "not-authorized"],
            [{ problem: "disconnected" }, "disconnected"],
            [{ problem: "terminated" }, "disconnected"],
            [{ problem: "no-session" }, "disconnected"],
            [{ name: "org.debvisor.DebVisor1.Error.NotAuthorized", message: "not allowed" }, null],
            [{ name: "org.debvisor.DebVisor1.Error.Failed", problem: null }, null],
            [{ name: "org.freedesktop.DBus.Error.UnknownMethod" }, null],
            [{}, null],
        ];
        for (const [error, reason] of cases)
            assert.equal(unavailableReason(error), reason, JSON.stringify(error));
    });
});
