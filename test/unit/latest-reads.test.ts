// A graph's reads answered out of order: the day chosen while the hour still
// loads, the hour's late answer must not replace the day's graphs.
import QUnit from "qunit";
import { latestReads } from "../../pkg/lib/latest-reads.js";

QUnit.module("latest reads", () => {
    QUnit.test("an answer that comes after a newer read began is not the latest; after a last begin none is", async assert => {
        const begin = latestReads();
        const shown: string[] = [];
        const read = (what: string, ms: number) => {
            const isLatest = begin();
            return new Promise(r => setTimeout(r, ms)).then(() => { if (isLatest()) shown.push(what) });
        };
        await Promise.all([read("hour", 30), read("day", 5)]);
        assert.deepEqual(shown, ["day"], "the hour's late answer is dropped");
        const week = read("week", 5);
        begin(); // the reader went away
        await week;
        assert.deepEqual(shown, ["day"], "nothing is shown after it");
    });
});
