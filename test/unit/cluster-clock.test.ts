import QUnit from "qunit";
import { clockOffset, clockProblem, MAX_CLOCK_OFFSET_S } from "../../helpers/debvisord/cluster/clock-offset.js";

QUnit.module("cluster: a joining node's clock against the member's", () => {
    QUnit.test("the offset lies between the call's two ends", assert => {
        // sent at 1000, answered at 3000 (this node's clock); the member said 101000: 98 to 100 s ahead
        assert.deepEqual(clockOffset({ sent: 1000, memberTime: 101_000, answered: 3000 }), { offset: 99, uncertainty: 1 });
        assert.deepEqual(clockOffset({ sent: 5000, memberTime: 5100, answered: 5200 }), { offset: 0, uncertainty: 0.1 });
    });

    QUnit.test("refused only when the whole range is too far, naming the offset and which way", assert => {
        assert.strictEqual(clockProblem({ sent: 0, memberTime: 100, answered: 200 }, "10.0.0.1"), "", "clocks that agree");
        // a slow call (4 s) with a member 3 s ahead: it might be within the limit, so it is not refused
        assert.strictEqual(clockProblem({ sent: 0, memberTime: 3000, answered: 4000 }, "10.0.0.1"), "", "a slow call is not a bad clock");
        const behind = clockProblem({ sent: 0, memberTime: 3_600_000, answered: 100 }, "10.0.0.1");
        assert.ok(behind.startsWith("this node's clock is 3600 s behind the clock of 10.0.0.1 (±0.05 s)"), behind);
        assert.ok(behind.includes("0.05 s"), "says what Ceph allows");
        const ahead = clockProblem({ sent: 10_000, memberTime: 8000, answered: 10_200 }, "10.0.0.1");
        assert.ok(ahead.startsWith("this node's clock is 2.10 s ahead of the clock of 10.0.0.1"), ahead);
        const edge = MAX_CLOCK_OFFSET_S * 1000;
        assert.strictEqual(clockProblem({ sent: 0, memberTime: edge, answered: 0 }, "m"), "", "at the limit: allowed");
        assert.notStrictEqual(clockProblem({ sent: 0, memberTime: edge + 1, answered: 0 }, "m"), "", "just beyond: refused");
    });
});
