// ceph-mgr's prometheus module as DebVisor turns it on: where `ceph mgr module ls`
// says it stands, and the commands that follow (a recording stand-in for the
// ceph CLI; the Ceph integration module checks it on a real cluster).
import QUnit from "qunit";
import { ensureMgrMetrics, prometheusModuleState } from "../../helpers/debvisord/ceph/mgr-metrics.js";

const list = (enabled: string[], disabled: Array<{ name: string; can_run: boolean; error_string: string }>) =>
    JSON.stringify({ always_on_modules: ["balancer", "crash"], enabled_modules: enabled, disabled_modules: disabled });

function recordingCeph(answers: string[]) {
    const calls: string[] = [];
    return {
        calls,
        run: (args: string[]) => {
            calls.push(args.join(" "));
            return Promise.resolve(args[1] === "module" && args[2] === "ls" ? answers.shift() ?? answers[answers.length - 1] ?? "{}" : "");
        },
    };
}

QUnit.module("ceph-mgr's prometheus module", () => {
    QUnit.test("its state from ceph mgr module ls: enabled, disabled, cannot run, not reported yet", assert => {
        assert.deepEqual(prometheusModuleState(list(["iostat", "prometheus"], [])), { state: "enabled" });
        assert.deepEqual(prometheusModuleState(list([], [{ name: "prometheus", can_run: true, error_string: "" }])), { state: "disabled" });
        assert.deepEqual(prometheusModuleState(list([], [{ name: "prometheus", can_run: false, error_string: "cherrypy module not found" }])),
            { state: "cannot-run", why: "cherrypy module not found" });
        assert.deepEqual(prometheusModuleState(list(["iostat"], [])), { state: "unreported" });
        // mgr dump's form: a list per release
        assert.deepEqual(prometheusModuleState(JSON.stringify({ always_on_modules: { pacific: ["prometheus"] } })), { state: "enabled" });
        assert.throws(() => prometheusModuleState("not json"), /no JSON/);
    });

    QUnit.test("a disabled module: bound to 127.0.0.1:9283 before it is enabled; an enabled one is kept untouched", async assert => {
        const off = recordingCeph([list([], [{ name: "prometheus", can_run: true, error_string: "" }])]);
        assert.equal(await ensureMgrMetrics(off.run, 0), "ok");
        assert.deepEqual(off.calls, ["mgr module ls -f json", "config set mgr mgr/prometheus/server_addr 127.0.0.1",
            "config set mgr mgr/prometheus/server_port 9283", "mgr module enable prometheus"]);
        const on = recordingCeph([list(["prometheus"], [])]);
        assert.equal(await ensureMgrMetrics(on.run, 0), "kept");
        assert.deepEqual(on.calls, ["mgr module ls -f json"], "an admin's address and port stay");
    });

    QUnit.test("a module that cannot run, or no manager: a clear error and nothing set", async assert => {
        const broken = recordingCeph([list([], [{ name: "prometheus", can_run: false, error_string: "cherrypy module not found" }])]);
        await assert.rejects(ensureMgrMetrics(broken.run, 0), /cannot run its prometheus module: cherrypy module not found/);
        const none = recordingCeph([list([], [])]);
        await assert.rejects(ensureMgrMetrics(none.run, 0), /no ceph-mgr reported its modules/);
        assert.deepEqual([...broken.calls, ...none.calls].filter(c => !c.startsWith("mgr module ls")), []);
    });

    QUnit.test("a manager that has just started: waited for until it reports its modules", async assert => {
        const starting = recordingCeph([list([], []), list([], [{ name: "prometheus", can_run: true, error_string: "" }])]);
        assert.equal(await ensureMgrMetrics(starting.run, 10_000), "ok");
        assert.equal(starting.calls.filter(c => c.startsWith("mgr module ls")).length, 2);
    });
});
