// polkit's "yes" is kept a few seconds per connection, action and details;
// a "no" is never kept, and nothing outlives its time.
import QUnit from "qunit";
import { AuthorizationCache } from "../../helpers/debvisord/bus/authorization-cache.js";

const details = { "debvisor.method": "Manager.ImportImage", "debvisor.object": "/org/debvisor/DebVisor1/manager" };

QUnit.module("bus: authorization cache", () => {
    QUnit.test("a yes is kept for its time only, per connection, action, details and interaction", assert => {
        let now = 1000;
        const cache = new AuthorizationCache(5000, () => now);
        const key = AuthorizationCache.key(":1.7", "org.debvisor.images.import", details, true);
        assert.false(cache.allows(key), "nothing known at first");
        cache.remember(key);
        assert.true(cache.allows(key), "kept");
        for (const other of [
            AuthorizationCache.key(":1.8", "org.debvisor.images.import", details, true),
            AuthorizationCache.key(":1.7", "org.debvisor.machines.manage", details, true),
            AuthorizationCache.key(":1.7", "org.debvisor.images.import", { ...details, "debvisor.object": "/org/debvisor/DebVisor1/audit" }, true),
            AuthorizationCache.key(":1.7", "org.debvisor.images.import", details, false),
        ])
            assert.false(cache.allows(other), `not for another connection, action, object or interaction: ${other}`);
        now += 4999;
        assert.true(cache.allows(key), "still within its time");
        now += 1;
        assert.false(cache.allows(key), "expired: polkit is asked again");
        assert.equal(cache.size, 0, "the expired entry is gone");
    });

    QUnit.test("the order of the details does not matter, and the cache is bounded", assert => {
        const cache = new AuthorizationCache(5000, () => 0);
        cache.remember(AuthorizationCache.key(":1.7", "a", { x: "1", y: "2" }, true));
        assert.true(cache.allows(AuthorizationCache.key(":1.7", "a", { y: "2", x: "1" }, true)));
        for (let i = 0; i < 10_000; i++)
            cache.remember(AuthorizationCache.key(`:1.${1000 + i}`, "a", {}, true));
        assert.equal(cache.size, 4096, "at most 4096 answers");
        assert.false(cache.allows(AuthorizationCache.key(":1.1000", "a", {}, true)), "the oldest went first");
        assert.true(cache.allows(AuthorizationCache.key(":1.10999", "a", {}, true)), "the newest stayed");
    });
});
