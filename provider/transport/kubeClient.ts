// The transport: a Kubernetes client for one Endpoint (where to connect and how to authenticate).
// Requests are plain JSON over an HTTP/2 session shared per API server and TLS settings
// (./sessionPool, Node's own http2: concurrent checks and connectors share one TLS handshake), each
// with a deadline (an AbortSignal). A proxy, or a server without HTTP/2, goes through undici,
// loaded only then. It knows nothing of credentials or kubeconfigs: ../credentials turns those into
// an Endpoint (as client-go's rest never imports clientcmd).
import type { Dispatcher } from "undici";
import { boundedMs } from "../deadline";
import { loadUndici } from "../heavyPackages";
import { classifyRequestError } from "./classifyError";
import type { Endpoint } from "./endpoint";
import { h2Request, knownHttp1, NoHttp2Error, type RawAnswer, sessionTarget } from "./sessionPool";

export type { Endpoint } from "./endpoint";

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

/** Makes a client for `endpoint`: the shared HTTP/2 session, or an HTTP/1.1 pool of its own. */
export function clientFor(endpoint: Endpoint, timeoutMs: number): KubeClient {
    const url = new URL(endpoint.server);
    const origin = url.origin;
    const prefix = url.pathname.replace(/\/+$/, "");
    const { server, authType } = endpoint;
    const target = sessionTarget(origin, endpoint.tls);
    // Lower-case names: HTTP/2 requires them, and HTTP/1.1 does not mind.
    const sharedHeaders = {
        accept: "application/json",
        ...Object.fromEntries(Object.entries(endpoint.headers).map(([k, v]) => [k.toLowerCase(), v])),
    };
    const headersFor = (body: string | undefined) =>
        body === undefined ? sharedHeaders : { ...sharedHeaders, "content-type": "application/json" };
    // HTTP/1.1 through undici: one connection; a request made while it is still being set up
    // waits for it. undici does not end a request that waits on a hanging TLS handshake when its
    // signal aborts: the connect timeout, equal to the deadline, does.
    let http1: Dispatcher | undefined;
    const viaHttp1 = async (method: HttpMethod, path: string, body: string | undefined, deadline: number) => {
        if (!http1) {
            const { Agent } = loadUndici();
            http1 =
                endpoint.proxy ??
                new Agent({
                    connect: { ...endpoint.tls, keepAlive: true, timeout: boundedMs(timeoutMs) },
                    connections: 1,
                });
        }
        const res = await http1.request({
            origin,
            path: prefix + path,
            method,
            headers: headersFor(body),
            body,
            signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
        });
        return { status: res.statusCode, headers: res.headers, text: await res.body.text() } as RawAnswer;
    };
    const viaHttp2 = (method: HttpMethod, path: string, body: string | undefined, deadline: number) =>
        h2Request(target, { ":method": method, ":path": prefix + path, ...headersFor(body) }, body, deadline);

    async function send(method: HttpMethod, path: string, body: unknown, deadline: number): Promise<unknown> {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        let answer: RawAnswer;
        if (endpoint.proxy || knownHttp1(target)) answer = await viaHttp1(method, path, payload, deadline);
        else {
            try {
                answer = await viaHttp2(method, path, payload, deadline);
            } catch (e) {
                if (!(e instanceof NoHttp2Error)) throw e;
                answer = await viaHttp1(method, path, payload, deadline);
            }
        }
        if (answer.status < 200 || answer.status >= 300)
            throw new HttpStatusError(answer.status, answer.text, answer.headers);
        return answer.text ? JSON.parse(answer.text) : undefined;
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
                    return (await send(method, path, body, deadline)) as any;
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
            // The shared HTTP/2 session closes itself when idle. An HTTP/1.1 pool is destroyed, not
            // closed: close would wait for a connection still hanging in its handshake.
            await http1?.destroy().catch(() => undefined);
        },
    };
}
