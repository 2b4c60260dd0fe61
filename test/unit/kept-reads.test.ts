// Answers read ahead and kept a short while (a machine's history ranges): taken
// again within the while with no new read, read anew after it, on a refresh
// and after a failure; ranges read in turn, the next once the one before is
// answered.
import QUnit from "qunit";
import { inTurn, KeptReads } from "../../pkg/lib/kept-reads.js";
import { nearestInLength } from "../../pkg/lib/history-graph.js";

QUnit.module("kept reads", () => {
    QUnit.test("an answer is taken again within the while, read anew after it and on a refresh", async assert => {
        let clock = 0;
        const kept = new KeptReads<string>(30_000, () => clock);
        let reads = 0;
        const read = () => Promise.resolve(`answer ${++reads}`);
        assert.equal(await kept.take("day", read), "answer 1");
        clock = 29_999;
        assert.equal(await kept.take("day", read), "answer 1", "taken again: no second read");
        assert.equal(await kept.take("hour", read), "answer 2", "another key is its own read");
        clock = 30_000;
        assert.equal(await kept.take("day", read), "answer 3", "read anew once the while has passed");
        assert.equal(await kept.renew("day", read), "answer 4", "a refresh reads anew");
        assert.equal(await kept.take("day", read), "answer 4", "and its answer is kept");
        assert.equal(reads, 4);
    });

    QUnit.test("a read still on its way is shared; a failed one is not kept", async assert => {
        const kept = new KeptReads<string>(30_000);
        let reads = 0;
        let answer: (v: string) => void = () => undefined;
        const slow = () => { reads++; return new Promise<string>(r => { answer = r }) };
        const first = kept.take("week", slow);
        const second = kept.take("week", slow);
        answer("the week");
        assert.deepEqual(await Promise.all([first, second]), ["the week", "the week"]);
        assert.equal(reads, 1, "one read for both");

        const failing = () => { reads++; return Promise.reject(new Error("Prometheus is not running")) };
        await kept.take("hour", failing).then(() => assert.true(false, "resolved"), (e: Error) => assert.equal(e.message, "Prometheus is not running"));
        assert.equal(await kept.take("hour", () => { reads++; return Promise.resolve("the hour") }), "the hour", "read again after the failure");
        assert.equal(reads, 3);
    });

    QUnit.test("in turn: the next begins once the one before has settled, also when it failed", async assert => {
        const events: string[] = [];
        await inTurn(["hour", "day", "week"], async range => {
            events.push(`${range} asked`);
            await new Promise(r => setTimeout(r, range === "hour" ? 20 : 1));
            events.push(`${range} answered`);
            if (range === "day")
                throw new Error("the day failed");
        });
        assert.deepEqual(events, ["hour asked", "hour answered", "day asked", "day answered", "week asked", "week answered"]);
    });

    QUnit.test("the other ranges of a graph, the nearest in length first", assert => {
        const ranges = [{ id: "hour", seconds: 3600 }, { id: "day", seconds: 86400 }, { id: "week", seconds: 7 * 86400 }];
        const others = (id: string) => nearestInLength(ranges.filter(r => r.id !== id), ranges.find(r => r.id === id)!.seconds).map(r => r.id);
        assert.deepEqual(others("hour"), ["day", "week"]);
        assert.deepEqual(others("day"), ["week", "hour"], "a week is 7 days, a day 24 hours");
        assert.deepEqual(others("week"), ["day", "hour"]);
    });
});
