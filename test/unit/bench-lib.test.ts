import QUnit from "qunit";
import { reportAgainstLimit, timeWithin } from "../../bench/lib.js";

class TimeoutError extends Error {
    override name = "TimeoutError";
}

QUnit.module("bench: a comparison whose other side does not finish", () => {
    QUnit.test("a time-out is no time, not a crash; other errors still fail the run", async assert => {
        assert.equal(await timeWithin(50, () => Promise.reject(new TimeoutError("waiting for the last row"))), null, "Playwright's time-out");
        assert.equal(await timeWithin(20, () => new Promise((_, reject) => setTimeout(() => reject(new Error("late")), 30))), null, "past the limit");
        const took = await timeWithin(1000, () => new Promise(r => setTimeout(r, 10)));
        assert.true(took !== null && took >= 5, `finished: ${took}`);
        await assert.rejects(timeWithin(1000, () => Promise.reject(new Error("the page crashed"))), /the page crashed/);
    });

    QUnit.test("reported as '> limit' with the ratio as a bound", assert => {
        const lines: string[] = [];
        const log = console.log;
        console.log = (line: string) => lines.push(line);
        try {
            reportAgainstLimit("page: 1000 machines listed", 800, [null], "cockpit-machines", 300_000, "≤ 0.33");
            reportAgainstLimit("page: 1000 machines listed", 800, [1600, 2400], "cockpit-machines", 300_000);
        } finally {
            console.log = log;
        }
        assert.true(lines[0].includes("cockpit-machines (> 300 s, 1 of 1 not finished)") && lines[0].includes("ratio < 0.003"), lines[0]);
        assert.true(lines[1].includes("cockpit-machines (2400 ms)") && lines[1].includes("ratio    0.33"), lines[1]);
    });
});
