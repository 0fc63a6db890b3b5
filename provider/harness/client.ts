// The one place a Harness client is built from access settings. Requests are JSON with the
// `x-api-key` header and `accountIdentifier` in the query; each call, its retries included, ends by
// the access's deadline (an AbortSignal). 429 (which Harness sends without Retry-After), 5xx other
// than 501 and connection failures are retried with backoff while the deadline allows.
import { boundedMs } from "../deadline";
import { type ConnectorError, connectorError, retryOf } from "../errors";
import { loadUndici } from "../heavyPackages";
import type { HarnessSettings } from "../inputs/harnessTypes";
import { type HarnessAccess, resolveHarnessAccess } from "./access";
import { type HarnessFailure, harnessError, isRetryable } from "./classify";
import type { HarnessScope } from "./scope";

export type HarnessMethod = "GET" | "POST" | "PUT" | "DELETE";

/** One call: what it does (for messages), the method, the path under the endpoint, query and body. */
export interface HarnessCall {
    what: string;
    method: HarnessMethod;
    path: string;
    query?: Record<string, string | boolean | undefined>;
    body?: unknown;
    /** Also retry failures this says are transient (e.g. a just-created secret not yet resolvable). */
    retryAlso?: (e: ConnectorError) => boolean;
}

/** The query parameters that place a call in a scope: its org and project (none: the account). */
export const scopeQuery = (scope: HarnessScope) => ({
    orgIdentifier: scope.orgIdentifier,
    projectIdentifier: scope.projectIdentifier,
});

/** Harness's success envelope. */
export interface HarnessAnswer<T> {
    status: string;
    data: T;
    correlationId?: string;
    metaData?: unknown;
}

/** A ready Harness client for one account and key. */
export interface HarnessClient {
    accountId: string;
    endpoint: string;
    /** Sends `call` and resolves to the answer's envelope, or throws a ConnectorError (HARNESS_*). */
    request<T>(call: HarnessCall): Promise<HarnessAnswer<T>>;
    /** How many requests were sent (retries included): the bench's count. */
    readonly sent: number;
    close(): Promise<void>;
}

/** Failures met by a retry of a call whose earlier attempt may have taken effect (its answer was lost). */
const afterRetry = new WeakSet<object>();

/**
 * Whether `e` answered a retry of a call whose earlier attempt may have taken effect: a create that
 * then meets DUPLICATE_FIELD probably made the thing itself.
 */
export function metAfterRetry(e: unknown): boolean {
    return typeof e === "object" && e !== null && afterRetry.has(e);
}

const FIRST_PAUSE_MS = 250;
const MAX_PAUSE_MS = 4000;

/** Runs `work` with a client for `access` (default: `settings` resolved), closed afterwards. */
export async function withHarness<T>(
    settings: HarnessSettings,
    work: (client: HarnessClient) => Promise<T>,
    access = resolveHarnessAccess(settings),
): Promise<T> {
    const client = harnessClientFor(access);
    try {
        return await work(client);
    } finally {
        await client.close();
    }
}

/** Makes a client for `access`. */
export function harnessClientFor(access: HarnessAccess): HarnessClient {
    const url = new URL(access.endpoint);
    const prefix = url.pathname.replace(/\/+$/, "");
    const { Agent } = loadUndici();
    const dispatcher = new Agent({ connect: { timeout: boundedMs(access.timeoutMs) }, keepAliveTimeout: 10_000 });
    let sent = 0;

    async function once<T>(call: HarnessCall, remainingMs: number): Promise<HarnessAnswer<T>> {
        const query = new URLSearchParams({ accountIdentifier: access.accountId });
        for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined && v !== "") query.set(k, String(v));
        sent++;
        let status = 0;
        let text = "";
        try {
            const res = await dispatcher.request({
                origin: url.origin,
                path: `${prefix}${call.path}?${query}`,
                method: call.method,
                headers: {
                    accept: "application/json",
                    "x-api-key": access.apiKey,
                    ...(call.body === undefined ? {} : { "content-type": "application/json" }),
                },
                body: call.body === undefined ? undefined : JSON.stringify(call.body),
                signal: AbortSignal.timeout(remainingMs),
            });
            status = res.statusCode;
            text = await res.body.text();
        } catch (e) {
            throw transportError(call.what, e, access);
        }
        let body: unknown;
        try {
            body = text ? JSON.parse(text) : undefined;
        } catch {
            body = undefined;
        }
        if (status >= 200 && status < 300) return body as HarnessAnswer<T>;
        throw harnessError(call.what, status, body as HarnessFailure | undefined);
    }

    return {
        accountId: access.accountId,
        endpoint: access.endpoint,
        get sent() {
            return sent;
        },
        async request<T>(call: HarnessCall): Promise<HarnessAnswer<T>> {
            const deadline = Date.now() + boundedMs(access.timeoutMs);
            let mayHaveTakenEffect = false;
            for (let attempt = 0; ; attempt++) {
                try {
                    return await once<T>(call, Math.max(1, deadline - Date.now()));
                } catch (e) {
                    const err = e as ConnectorError;
                    // The code says whether (ERROR_CODES' retryable): a lost connection, 429 and 5xx
                    // except 501 are retried; not a 503 that says no delegate matches.
                    const retry = retryOf(err.code);
                    const transient =
                        (retry !== "never" &&
                            (err.httpStatus === undefined ? retry === "unanswered" : isRetryable(err.httpStatus))) ||
                        call.retryAlso?.(err);
                    const pause = Math.min(FIRST_PAUSE_MS * 2 ** attempt, MAX_PAUSE_MS);
                    if (mayHaveTakenEffect) afterRetry.add(err);
                    if (!transient || Date.now() + pause >= deadline) throw err;
                    // A 5xx or a lost connection may come after the server did the work; a 429 comes before.
                    mayHaveTakenEffect ||= retry === "unanswered";
                    await new Promise((r) => setTimeout(r, pause));
                }
            }
        },
        async close() {
            await dispatcher.destroy().catch(() => undefined);
        },
    };
}

/** A request that got no answer: the deadline passed, or the connection failed. */
function transportError(what: string, e: unknown, access: HarnessAccess): ConnectorError {
    const err = e as { name?: string; code?: string; message?: string; cause?: { code?: string } };
    if (err.name === "TimeoutError" || err.name === "AbortError" || err.code === "UND_ERR_CONNECT_TIMEOUT")
        return connectorError(
            "HARNESS_TIMEOUT",
            `Harness did not answer within ${access.timeoutMs / 1000} s while ${what}`,
        );
    const code = err.code ?? err.cause?.code ?? "";
    return connectorError(
        "HARNESS_UNAVAILABLE",
        `cannot reach Harness at ${access.endpoint} while ${what} (${code || err.message})`,
        /CERT|SSL|TLS/.test(code)
            ? { facts: "The endpoint's TLS certificate is not trusted (`NODE_EXTRA_CA_CERTS` adds a CA)" }
            : {},
    );
}
