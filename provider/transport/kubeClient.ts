// The transport: a Kubernetes client for one Endpoint (where to connect and how to authenticate).
// Requests are plain JSON over one undici connection pool per client (HTTP/2, so concurrent checks
// share one TLS handshake), each with a deadline (an AbortSignal). It knows nothing of credentials
// or kubeconfigs: ../credentials turns those into an Endpoint (as client-go's rest never imports
// clientcmd).
import { Agent, type Dispatcher } from "undici";
import { boundedMs } from "../deadline";
import { classifyRequestError } from "./classifyError";

/** Where a client connects and how it authenticates, whatever the credential's form. */
export interface Endpoint {
    /** The API server URL (it may carry a path prefix, as behind Rancher). */
    server: string;
    /** The credential type, and for ManualConfig the auth type: used to explain failures. */
    authType: string;
    /** TLS options of the connection: CA, client certificate and key, server name, verification. */
    tls: {
        ca?: string | Buffer;
        cert?: string | Buffer;
        key?: string | Buffer;
        servername?: string;
        rejectUnauthorized: boolean;
    };
    /** Headers sent with every request (Authorization, Impersonate-User). */
    headers: Record<string, string>;
    /** A dispatcher that goes through a proxy, when the credential names one. */
    proxy?: Dispatcher;
}

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** A ready client for one cluster and one identity. */
export interface KubeClient {
    /** The API server URL. */
    server: string;
    /** The credential type, and for ManualConfig the auth type: used to explain failures. */
    authType: string;
    /** Per-request deadline in milliseconds. */
    timeoutMs: number;
    /**
     * Sends one JSON request (`path` from the API root, e.g. `/api/v1/namespaces`) with the
     * deadline, and resolves to the decoded answer. A failure becomes a ConnectorError naming `what`;
     * 429 is retried a few times.
     */
    request<T = any>(what: string, method: HttpMethod, path: string, body?: unknown): Promise<T>;
    /** Closes the connection pool. */
    close(): Promise<void>;
}

/** A non-2xx answer: `code` and `body` as classifyRequestError reads them. */
class HttpStatusError extends Error {
    constructor(
        readonly code: number,
        readonly body: string,
        readonly headers: Record<string, string | string[] | undefined>,
    ) {
        super(`HTTP ${code}`);
    }
}

const MAX_RETRIES_429 = 4;

/** How long to wait before retrying a 429: the server's Retry-After (seconds), else 100 ms doubling; at most 2 s. */
function retryPause(retryAfter: string | string[] | undefined, attempt: number): number {
    const seconds = Number(retryAfter);
    return Math.min(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 100 * 2 ** attempt, 2000);
}

/** Makes a client over one connection pool for `endpoint`. */
export function clientFor(endpoint: Endpoint, timeoutMs: number): KubeClient {
    const url = new URL(endpoint.server);
    const origin = url.origin;
    const prefix = url.pathname.replace(/\/+$/, "");
    // One connection, HTTP/2 when the server offers it: requests made while it is still being
    // set up wait for it instead of each opening (and handshaking) its own. undici does not end a
    // request that waits on a hanging TLS handshake when its signal aborts: the connect timeout,
    // equal to the deadline, does (within undici's half-second timer resolution).
    const dispatcher: Dispatcher =
        endpoint.proxy ??
        new Agent({
            connect: { ...endpoint.tls, keepAlive: true, timeout: boundedMs(timeoutMs) },
            allowH2: true,
            connections: 1,
        });
    const { server, authType } = endpoint;

    async function send(method: HttpMethod, path: string, body: unknown, remainingMs: number): Promise<unknown> {
        const res = await dispatcher.request({
            origin,
            path: prefix + path,
            method,
            headers: {
                accept: "application/json",
                ...(body === undefined ? {} : { "content-type": "application/json" }),
                ...endpoint.headers,
            },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(remainingMs),
        });
        const text = await res.body.text();
        if (res.statusCode < 200 || res.statusCode >= 300) throw new HttpStatusError(res.statusCode, text, res.headers);
        return text ? JSON.parse(text) : undefined;
    }

    return {
        server,
        authType,
        timeoutMs,
        async request(what, method, path, body) {
            // The deadline holds for the request with its retries, not for each attempt; and no
            // later than the call's overall deadline (a custom timeout, deadline.ts).
            const deadline = Date.now() + boundedMs(timeoutMs);
            for (let attempt = 0; ; attempt++) {
                try {
                    return (await send(method, path, body, Math.max(1, deadline - Date.now()))) as any;
                } catch (e) {
                    // 429 (the API server's priority-and-fairness or max-in-flight limit) is retried a few
                    // times, while the pause still ends before the deadline.
                    if (e instanceof HttpStatusError && e.code === 429 && attempt < MAX_RETRIES_429) {
                        const pause = retryPause(e.headers["retry-after"], attempt);
                        if (Date.now() + pause < deadline) {
                            await new Promise((r) => setTimeout(r, pause));
                            continue;
                        }
                    }
                    throw classifyRequestError(e, { server, what, timeoutMs, authType });
                }
            }
        },
        async close() {
            // destroy, not close: close would wait for a connection still hanging in its handshake.
            await dispatcher.destroy().catch(() => undefined);
        },
    };
}
