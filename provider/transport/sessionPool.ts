// HTTP/2 sessions shared by every client of one provider process that connects to the same API
// server with the same TLS settings, as client-go shares a transport per TLS config: 50 connectors
// with one credential cost one TLS handshake, not 50. Bearer tokens and impersonation travel per
// request, so sharing never mixes identities; a client certificate is part of the key. A session
// idle for IDLE_MS is closed, and an idle one never keeps the process alive.
import { createHash } from "node:crypto";
import * as http2 from "node:http2";
import { isIP } from "node:net";
import * as tls from "node:tls";
import type { Endpoint } from "./endpoint";

const IDLE_MS = 2000;

/** What a shared connection is: one of these per (origin, TLS settings). */
interface PooledSession {
    session: http2.ClientHttp2Session;
    inFlight: number;
    idleTimer?: NodeJS.Timeout;
}

/** The server answered TLS without HTTP/2 (ALPN): requests to it go through HTTP/1.1 instead. */
export class NoHttp2Error extends Error {}

const sessions = new Map<string, PooledSession>();
const pending = new Map<string, Promise<PooledSession>>();
/** Origins (by key) that answered without h2, so later clients skip the attempt. */
const http1Only = new Set<string>();

/** Where a shared session goes: the origin and TLS settings, and the key they share sessions by. */
export interface SessionTarget {
    origin: string;
    tls: Endpoint["tls"];
    key: string;
}

/** The target of `origin` with TLS settings `t`: a client computes it once, not per request. */
export function sessionTarget(origin: string, t: Endpoint["tls"]): SessionTarget {
    const h = createHash("sha256");
    for (const part of [origin, t.ca, t.cert, t.key, t.servername, String(t.rejectUnauthorized)])
        h.update(part === undefined ? "\0" : String(part)).update("\x01");
    return { origin, tls: t, key: h.digest("hex") };
}

/** Whether the target is known to answer only HTTP/1.1. */
export function knownHttp1(target: SessionTarget): boolean {
    return http1Only.has(target.key);
}

/** Opens the TLS connection (ALPN h2) and the HTTP/2 session over it; rejects after `deadlineMs`. */
function open({ key, origin, tls: t }: SessionTarget, deadlineMs: number): Promise<PooledSession> {
    const url = new URL(origin);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    return new Promise((resolve, reject) => {
        const socket = tls.connect({
            host,
            port: Number(url.port || 443),
            ca: t.ca,
            cert: t.cert,
            key: t.key,
            // A name to present and verify: the one given, else the host unless it is an address.
            servername: t.servername ?? (isIP(host) ? undefined : host),
            rejectUnauthorized: t.rejectUnauthorized,
            ALPNProtocols: ["h2", "http/1.1"],
        });
        const timer = setTimeout(
            () => socket.destroy(Object.assign(new Error("TLS connection timed out"), { code: "ETIMEDOUT" })),
            Math.max(1, deadlineMs - Date.now()),
        );
        const fail = (e: Error) => {
            clearTimeout(timer);
            reject(e);
        };
        socket.once("error", fail);
        socket.once("secureConnect", () => {
            clearTimeout(timer);
            socket.off("error", fail);
            if (socket.alpnProtocol !== "h2") {
                http1Only.add(key);
                socket.destroy();
                return reject(new NoHttp2Error(`${origin} does not offer HTTP/2`));
            }
            const session = http2.connect(origin, { createConnection: () => socket });
            const pooled: PooledSession = { session, inFlight: 0 };
            const forget = () => {
                if (sessions.get(key) === pooled) sessions.delete(key);
                clearTimeout(pooled.idleTimer);
            };
            session.on("error", forget);
            session.on("goaway", forget);
            session.on("close", forget);
            resolve(pooled);
        });
    });
}

/** A session for the target, shared, opened when none is usable. */
async function acquire(target: SessionTarget, deadlineMs: number): Promise<PooledSession> {
    const { key } = target;
    const ready = sessions.get(key);
    if (ready && !ready.session.closed && !ready.session.destroyed) return ready;
    let opening = pending.get(key);
    if (!opening) {
        opening = open(target, deadlineMs).finally(() => pending.delete(key));
        pending.set(key, opening);
        opening.then((s) => sessions.set(key, s)).catch(() => undefined);
    }
    // Another client's attempt may have a later deadline: this request keeps its own.
    return await raceDeadline(opening, deadlineMs);
}

function raceDeadline<T>(p: Promise<T>, deadlineMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(
            () => reject(Object.assign(new Error("TLS connection timed out"), { code: "ETIMEDOUT" })),
            Math.max(1, deadlineMs - Date.now()),
        );
        p.then(
            (v) => {
                clearTimeout(timer);
                resolve(v);
            },
            (e) => {
                clearTimeout(timer);
                reject(e);
            },
        );
    });
}

function hold(p: PooledSession): void {
    p.inFlight++;
    clearTimeout(p.idleTimer);
    p.session.ref();
}

function release(p: PooledSession): void {
    p.inFlight--;
    if (p.inFlight > 0) return;
    p.session.unref();
    p.idleTimer = setTimeout(() => p.session.close(), IDLE_MS);
    p.idleTimer.unref();
}

/** A decoded answer: HTTP status, headers and body text. */
export interface RawAnswer {
    status: number;
    headers: http2.IncomingHttpHeaders;
    text: string;
}

/** Errors of a shared session that went away under a request: the request is tried once more on a new one. */
const SESSION_GONE = new Set(["ERR_HTTP2_GOAWAY_SESSION", "ERR_HTTP2_INVALID_SESSION", "ERR_HTTP2_STREAM_CANCEL"]);

/** Sends one request over a shared HTTP/2 session; rejects with NoHttp2Error when the server has no HTTP/2. */
export async function h2Request(
    target: SessionTarget,
    headers: http2.OutgoingHttpHeaders,
    body: string | undefined,
    deadlineMs: number,
): Promise<RawAnswer> {
    for (let attempt = 0; ; attempt++) {
        const pooled = await acquire(target, deadlineMs);
        const reused = pooled.inFlight > 0 || pooled.idleTimer !== undefined;
        hold(pooled);
        try {
            return await send(pooled.session, headers, body, deadlineMs);
        } catch (e) {
            if (attempt === 0 && reused && SESSION_GONE.has((e as any)?.code)) continue;
            throw e;
        } finally {
            release(pooled);
        }
    }
}

function send(
    session: http2.ClientHttp2Session,
    headers: http2.OutgoingHttpHeaders,
    body: string | undefined,
    deadlineMs: number,
): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
        const stream = session.request(headers, {
            endStream: body === undefined,
            signal: AbortSignal.timeout(Math.max(1, deadlineMs - Date.now())),
        });
        let status = 0;
        let answerHeaders: http2.IncomingHttpHeaders = {};
        const chunks: Buffer[] = [];
        stream.on("response", (h) => {
            status = Number(h[":status"]);
            answerHeaders = h;
        });
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () =>
            resolve({ status, headers: answerHeaders, text: Buffer.concat(chunks).toString("utf8") }),
        );
        stream.on("error", reject);
        if (body !== undefined) stream.end(body);
    });
}

/** Closes every shared session now (benchmarks measure fresh connections with it; a provider never needs it). */
export function closeSharedSessions(): void {
    for (const p of sessions.values()) {
        clearTimeout(p.idleTimer);
        p.session.destroy();
    }
    sessions.clear();
}
