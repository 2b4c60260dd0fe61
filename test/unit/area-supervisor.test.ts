import QUnit from "qunit";
import { AreaSupervisor, Areas, backoffDelay, NotInstalled, type AreaStatus, type BackoffOptions } from "../../helpers/debvisord/area-supervisor.js";

const FAST: BackoffOptions = { initialMs: 5, maxMs: 40, jitter: 0, attemptTimeoutMs: 2000 };

/* Resolves when `status` says so (bounded: at most `tries` state changes). */
function waitForState(seen: AreaStatus[], wanted: AreaStatus["state"], tries = 200): Promise<void> {
    return new Promise((resolve, reject) => {
        let n = 0;
        const poll = () => {
            if (seen.at(-1)?.state === wanted)
                return resolve();
            if (++n > tries)
                return reject(new Error(`never ${wanted}: ${JSON.stringify(seen.map(s => s.state))}`));
            setTimeout(poll, 5);
        };
        poll();
    });
}

QUnit.module("area supervisor", () => {
    QUnit.test("the pause doubles from the first one up to the cap, spread by the jitter", assert => {
        const options = { initialMs: 1000, maxMs: 60_000, jitter: 0.2, attemptTimeoutMs: 1 };
        const middle = () => 0.5;
        assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 50].map(n => backoffDelay(n, options, middle)),
            [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
        assert.equal(backoffDelay(1, options, () => 0), 800, "lowest");
        assert.equal(backoffDelay(1, options, () => 0.999999), 1200, "highest");
        assert.equal(backoffDelay(10, options, () => 0.999999), 72_000, "the cap is spread too");
    });

    QUnit.test("an area whose backend comes up later is retried until it is ready, with the reason meanwhile", async assert => {
        let backendUp = false, attempts = 0;
        const seen: AreaStatus[] = [];
        const supervisor = new AreaSupervisor("machines", async () => {
            attempts++;
            if (!backendUp)
                throw new Error("libvirt does not answer: Failed to connect socket");
        }, (_name, status) => seen.push(status), FAST);
        await supervisor.start();
        assert.equal(supervisor.status.state, "retrying");
        assert.equal(supervisor.status.reason, "libvirt does not answer: Failed to connect socket");
        assert.true(supervisor.status.nextAttempt > 0, "says when it tries again");
        await waitForState(seen, "retrying");
        while (attempts < 4)
            await new Promise(r => setTimeout(r, 5));
        backendUp = true;
        await waitForState(seen, "ready");
        assert.deepEqual(supervisor.status, { state: "ready", reason: "", nextAttempt: 0 });
        const attemptsWhenReady = attempts;
        await new Promise(r => setTimeout(r, 60));
        assert.equal(attempts, attemptsWhenReady, "no attempts once ready");
        supervisor.stop();
    });

    QUnit.test("a backend lost while ready is retried; a stopped supervisor tries no more", async assert => {
        let up = true, attempts = 0;
        const seen: AreaStatus[] = [];
        const supervisor = new AreaSupervisor("dns", async () => {
            attempts++;
            if (!up)
                throw new Error("named does not answer");
        }, (_name, status) => seen.push(status), FAST);
        await supervisor.start();
        assert.equal(supervisor.status.state, "ready");
        up = false;
        supervisor.lost("named went away");
        assert.equal(supervisor.status.state, "retrying");
        assert.equal(supervisor.status.reason, "named went away");
        await waitForState(seen, "retrying");
        up = true;
        await waitForState(seen, "ready");
        up = false;
        supervisor.report(new Error("again"));
        supervisor.stop();
        const stoppedAt = attempts;
        await new Promise(r => setTimeout(r, 100));
        assert.equal(attempts, stoppedAt, "no attempt after stop");
    });

    QUnit.test("missing tools are 'not-installed' and looked for at the longest pause; the Areas list names every area", async assert => {
        const areas = new Areas();
        let changes = 0;
        areas.onChange(() => changes++);
        const zfs = areas.add("zfs", () => Promise.reject(new NotInstalled("ZFS is not installed")), FAST);
        const ceph = areas.add("ceph", () => Promise.resolve(), FAST);
        await Promise.all([zfs.start(), ceph.start()]);
        const statuses = areas.statuses();
        assert.deepEqual(Object.keys(statuses), ["zfs", "ceph"]);
        assert.equal(statuses.zfs.state, "not-installed");
        assert.equal(statuses.zfs.reason, "ZFS is not installed");
        assert.true(statuses.zfs.nextAttempt - Date.now() > FAST.maxMs / 2, "at the longest pause");
        assert.equal(statuses.ceph.state, "ready");
        assert.true(changes >= 2);
        areas.stop();
    });

    QUnit.test("an attempt that hangs counts as failed", async assert => {
        const supervisor = new AreaSupervisor("ceph", () => new Promise(() => undefined), () => undefined,
            { ...FAST, attemptTimeoutMs: 20 });
        await supervisor.start();
        assert.equal(supervisor.status.state, "retrying");
        assert.true(/did not finish/.test(supervisor.status.reason), supervisor.status.reason);
        supervisor.stop();
    });
});
