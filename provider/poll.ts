// The one poll loop: probe, and while the probe says not yet, pause and probe again, until it is
// done, the deadline passes, the tries run out or the signal aborts. Every wait of the provider
// (a namespace being deleted, a token Secret being filled, a delegate connecting, a purge Harness
// does not take yet) is this loop; each caller turns a wait that ran out into its own error, with
// what its last probe saw. A request's own retries (transport/kubeClient.ts, harness/client.ts)
// are not waits: they stay with the request.

/** What one probe found: done with its value, or not yet (with what it saw, for the caller's error). */
export type Probe<T, L = undefined> = { done: true; value: T } | { done: false; last?: L };

/** A wait that ended without the probe being done: why, what the last probe saw, and how many probes ran. */
export interface PollTimedOut<L> {
    done: false;
    /** "deadline": the deadline passed; "attempts": the tries ran out. */
    reason: "deadline" | "attempts";
    /** What the last probe said it saw. */
    last?: L;
    /** The probes run. */
    attempts: number;
}

/** How {@link pollUntil} waits. */
export interface PollOptions {
    /** Date.now() after which no probe is started (the last pause is cut short to end by it); none: no bound in time. */
    deadline?: number;
    /** The pause between two probes, ms; a function of the probes run so far (1, 2…) for a back-off. */
    intervalMs: number | ((attempts: number) => number);
    /** At most this many probes; none: no bound in number. */
    attempts?: number;
    /** Ends the wait at once, pause or not: rejects with the signal's reason. */
    signal?: AbortSignal;
    /** The pause itself; injectable so tests need not wait. */
    sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** A pause of `ms` that an abort of `signal` ends at once (rejecting with its reason). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const t = setTimeout(done, ms);
        function done() {
            signal?.removeEventListener("abort", abort);
            resolve();
        }
        function abort() {
            clearTimeout(t);
            reject(signal?.reason);
        }
        signal?.addEventListener("abort", abort, { once: true });
    });
}

/**
 * Runs `probe` (given the number of probes before it) until it says done, and resolves to that;
 * between probes it pauses `intervalMs` (never past the deadline). When the deadline has passed
 * after a probe, or `attempts` probes ran, it resolves to {@link PollTimedOut} with the last
 * probe's facts. A probe that throws ends the wait with that error; so does an abort of `signal`.
 */
export async function pollUntil<T, L = undefined>(
    probe: (attempt: number) => Promise<Probe<T, L>>,
    opts: PollOptions,
): Promise<{ done: true; value: T } | PollTimedOut<L>> {
    const sleep = opts.sleep ?? abortableSleep;
    for (let attempts = 1; ; attempts++) {
        opts.signal?.throwIfAborted();
        const seen = await probe(attempts - 1);
        if (seen.done) return seen;
        if (opts.attempts !== undefined && attempts >= opts.attempts)
            return { done: false, reason: "attempts", last: seen.last, attempts };
        const pause = typeof opts.intervalMs === "number" ? opts.intervalMs : opts.intervalMs(attempts);
        const left = opts.deadline === undefined ? pause : opts.deadline - Date.now();
        if (left <= 0) return { done: false, reason: "deadline", last: seen.last, attempts };
        await sleep(Math.min(pause, left), opts.signal);
    }
}
