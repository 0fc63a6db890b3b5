// The one poll loop (provider/poll.ts): done, a deadline or the tries running out (with the last
// probe's facts), a back-off, and an abort that ends a pause at once. Pauses are a few ms, or injected.
import * as assert from "node:assert/strict";
import { pollUntil } from "../../provider/poll";

describe("pollUntil: the one poll loop @unit", () => {
    it("resolves to the value of the first probe that is done, pausing between probes as asked", async () => {
        const pauses: number[] = [];
        const seen = await pollUntil(async (n) => (n === 2 ? { done: true, value: "ready" } : { done: false }), {
            deadline: Date.now() + 60_000,
            intervalMs: 5000,
            sleep: async (ms) => {
                pauses.push(ms);
            },
        });
        assert.deepEqual(seen, { done: true, value: "ready" });
        assert.deepEqual(pauses, [5000, 5000], "two pauses between three probes");
    });

    it("backs off with an interval function of the probes run", async () => {
        const pauses: number[] = [];
        await pollUntil(async (n) => (n === 5 ? { done: true, value: 1 } : { done: false }), {
            intervalMs: (n) => Math.min(10 * 2 ** (n - 1), 50),
            sleep: async (ms) => {
                pauses.push(ms);
            },
        });
        assert.deepEqual(pauses, [10, 20, 40, 50, 50]);
    });

    it("at the deadline, resolves not done with the last probe's facts (no pause past it)", async () => {
        const started = Date.now();
        let probes = 0;
        const seen = await pollUntil<never, string>(async () => ({ done: false, last: `look ${++probes}` }), {
            deadline: started + 60,
            intervalMs: 1000,
        });
        const took = Date.now() - started;
        assert.equal(seen.done, false);
        assert.ok(!seen.done && seen.reason === "deadline" && seen.last === `look ${probes}`);
        assert.ok(probes >= 2, "a last probe at the deadline");
        assert.ok(took >= 55 && took < 900, `the pause is cut to the deadline: ${took} ms`);
    });

    it("after `attempts` probes, resolves not done (no pause after the last)", async () => {
        const pauses: number[] = [];
        const seen = await pollUntil<never, number>(async (n) => ({ done: false, last: n }), {
            attempts: 3,
            intervalMs: 7,
            sleep: async (ms) => {
                pauses.push(ms);
            },
        });
        assert.deepEqual(seen, { done: false, reason: "attempts", last: 2, attempts: 3 });
        assert.deepEqual(pauses, [7, 7]);
    });

    it("an abort ends a pause at once, rejecting with the signal's reason; a probe's error ends it too", async () => {
        const ac = new AbortController();
        setTimeout(() => ac.abort(new Error("stopped")), 20);
        const started = Date.now();
        await assert.rejects(
            pollUntil(async () => ({ done: false }), {
                deadline: started + 60_000,
                intervalMs: 60_000,
                signal: ac.signal,
            }),
            /stopped/,
        );
        assert.ok(Date.now() - started < 1000, "not the pause's length");
        await assert.rejects(
            pollUntil(async () => ({ done: false }), { intervalMs: 1, signal: AbortSignal.abort(new Error("before")) }),
            /before/,
        );
        await assert.rejects(
            pollUntil(
                async () => {
                    throw new Error("probe failed");
                },
                { intervalMs: 1 },
            ),
            /probe failed/,
        );
    });
});
