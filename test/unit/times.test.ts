// The contract's one form for times, microseconds since the epoch, and the
// ISO 8601 text that log files, libvirt's metadata and debvisorctl use.
import QUnit from "qunit";
import { isoToMicroseconds, microseconds, microsecondsToIso } from "../../helpers/lib/times.js";

QUnit.module("times: microseconds since the epoch", () => {
    QUnit.test("from milliseconds and ISO 8601, and back; none is 0", assert => {
        assert.equal(microseconds(1_767_323_045_123), 1_767_323_045_123_000n);
        assert.deepEqual([microseconds(0), microseconds(-5), microseconds(NaN)], [0n, 0n, 0n], "none, before the epoch, not a time");
        assert.equal(isoToMicroseconds("2026-01-02T03:04:05.123Z"), 1_767_323_045_123_000);
        assert.deepEqual([isoToMicroseconds(""), isoToMicroseconds("yesterday")], [0, 0]);
        assert.equal(microsecondsToIso(1_767_323_045_123_000n), "2026-01-02T03:04:05.123Z");
        assert.deepEqual([microsecondsToIso(0), microsecondsToIso("x"), microsecondsToIso(1e30)], ["", "", ""]);
    });
});
