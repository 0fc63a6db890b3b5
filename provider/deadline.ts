// An overall deadline for one lifecycle call: the resource's custom timeout (`customTimeouts`),
// which the engine gives the provider plugin with each Create, Update and Delete request. Every
// request to the cluster or to Harness, and every wait, takes the lesser of its own deadline
// (connectionTest.timeoutSeconds, harness.timeoutSeconds, delegate.tokenWaitSeconds) and what is
// left of this one, so the call ends by it. Without one (the dynamic resource, the CLI), nothing
// changes. The deadline follows the call through its promises (AsyncLocalStorage).
import { AsyncLocalStorage } from "node:async_hooks";
import { ConnectorError, connectorError, isTimeoutLike } from "./errors";

/** The overall deadline of the running call. */
export interface OverallDeadline {
    /** Date.now() by which the call must end. */
    at: number;
    /** The custom timeout, in seconds. */
    seconds: number;
    /** The operation it bounds: create, update or delete. */
    operation: string;
}

const current = new AsyncLocalStorage<OverallDeadline>();

/** Runs `fn` (and everything it starts) under an overall deadline of `seconds`; none when not positive. */
export function withOverallDeadline<T>(operation: string, seconds: number, fn: () => T): T {
    if (!(seconds > 0)) return fn();
    return current.run({ at: Date.now() + seconds * 1000, seconds, operation }, fn);
}

/** `ms`, or less: what is left of the overall deadline (at least 1 ms). */
export function boundedMs(ms: number): number {
    const d = current.getStore();
    return d ? Math.max(1, Math.min(ms, d.at - Date.now())) : ms;
}

/**
 * Runs a lifecycle call; when it fails because the overall deadline ran out, the failure is the
 * TIMEOUT error naming the custom timeout (with what was cut short).
 */
export async function underOverallDeadline<T>(fn: () => Promise<T>): Promise<T> {
    try {
        return await fn();
    } catch (e) {
        const d = current.getStore();
        const err = e as ConnectorError;
        // Within the timers' resolution (undici's connect timeout fires up to half a second early).
        if (!d || !(err instanceof ConnectorError) || !isTimeoutLike(err.code) || Date.now() < d.at - 600) throw e;
        throw connectorError(
            "TIMEOUT",
            `the ${d.operation} did not finish within the resource's custom timeout of ${d.seconds} s (customTimeouts.${d.operation}): ${err.what}`,
            {
                facts: `Raise customTimeouts.${d.operation} on the resource, or check that this machine can reach the cluster (and Harness) at all`,
            },
        );
    }
}
