// Part of a local STAND-IN for Harness's SaaS NG API, for tests: it is not Harness. This file does
// what a Harness delegate does for a K8sCluster connector's test connection, as harness-core's NG
// Kubernetes validation does it (KubernetesValidationHandler -> K8sValidationHelper ->
// KubernetesContainerServiceImpl.validateCredentials): picks a delegate by the connector's
// selectors, resolves the credential (the connector's secrets, or the delegate's own for
// InheritFromDelegate) and makes ONE call with it, `GET /version`. It lists nothing (whatever the
// docs say). The client is built as ApiClientFactoryImpl builds it: with the CA the connector names
// it verifies the server's certificate against that CA only, WITHOUT one it does not verify the
// certificate at all (setVerifyingSsl(isNotEmpty(caCert))); it is given neither the client key's
// passphrase nor clientKeyAlgo, so an encrypted client key fails. OpenIdConnect gets an id_token
// by the OAuth password grant at the issuer's token endpoint (found by discovery; the issuer is
// verified against the system's trust plus the delegate's) and sends it as a bearer token. The
// whole test is bounded as the delegate task is, 2 minutes (DelegateTaskHelper's execution
// timeout, per the notes), each call by the stand-in's testTimeoutMs.
// What it does not do: proxies, the delegate's capability checks, periodic re-tests, or Harness's
// exact error wording for a failed test (the reasons are the stand-in's).
import * as http from "node:http";
import * as https from "node:https";
import * as tls from "node:tls";
import { KubeConfig } from "@kubernetes/client-node";
import { commaList } from "./commaList";

/** A delegate the stand-in can run test connections on. */
export interface StandInDelegate {
    /** Its name; also the `delegateId` a test reports. */
    name: string;
    /** Its selectors (tags): it serves a connector whose selectors are all among them. */
    selectors: string[];
    /** The credential an InheritFromDelegate connector uses on this delegate (its in-cluster identity). */
    inheritCredential?: { masterUrl: string; token: string; caCertPem?: string };
    /**
     * Another way to give that credential: the delegate's kubeconfig document (its current context:
     * server, CA, token or client certificate). Called with the connector's masterUrl, which an
     * InheritFromDelegate connector does not have (undefined). Used when `inheritCredential` is absent.
     */
    kubeconfigFor?(masterUrl: string | undefined): string | undefined;
    /** CAs its trust store adds to the system's, for an OIDC issuer (a cluster without a caCertRef is not verified at all). */
    trustedCaCertPems?: string[];
}

export { commaList };

/** An OAuth password grant for an id_token (OpenIdConnect auth). */
export interface OidcGrant {
    issuerUrl: string;
    clientId: string;
    clientSecret?: string;
    username: string;
    password: string;
    /** Harness's one comma-joined string. */
    scopes?: string;
    /** The system's trust plus these, for the issuer. */
    trustedCaCertPems?: string[];
}

/** How a test talks to the cluster: where, what it trusts, and as whom. */
export interface ClusterCredential {
    masterUrl: string;
    /** The only CA trusted (the connector's caCertRef); absent: the server's certificate is not verified (ApiClientFactoryImpl). */
    caCertPem?: string;
    /** The delegate's trust store additions: for the OIDC issuer only. */
    trustedCaCertPems?: string[];
    token?: string;
    clientCertPem?: string;
    /** Given to the client as is: no passphrase, no algorithm (an encrypted key fails, as in Harness). */
    clientKeyPem?: string;
    username?: string;
    password?: string;
    /** OpenIdConnect: the id_token of this grant becomes the bearer token. */
    oidc?: OidcGrant;
}

/** One error of a failed test, as Harness reports it (`code` 450). */
export interface TestError {
    reason: string;
    message: string;
    code: number;
}

/** The credential an InheritFromDelegate connector gets on this delegate, or why there is none. */
export function inheritedCredential(d: StandInDelegate): ClusterCredential | string {
    const trust = { trustedCaCertPems: d.trustedCaCertPems };
    if (d.inheritCredential) return { ...d.inheritCredential, ...trust };
    const doc = d.kubeconfigFor?.(undefined);
    if (!doc) return `delegate [${d.name}] has no in-cluster credential to inherit`;
    const kc = new KubeConfig();
    try {
        kc.loadFromString(doc);
    } catch (e) {
        return `delegate [${d.name}]: its kubeconfig cannot be read: ${(e as Error).message}`;
    }
    const cluster = kc.getCurrentCluster();
    const user = kc.getCurrentUser();
    if (!cluster || !user) return `delegate [${d.name}]: its kubeconfig has no current context`;
    const b64 = (v: string | undefined) => (v ? Buffer.from(v, "base64").toString("utf8") : undefined);
    return {
        masterUrl: cluster.server,
        caCertPem: b64(cluster.caData),
        token: user.token,
        clientCertPem: b64(user.certData),
        clientKeyPem: b64(user.keyData),
        ...trust,
    };
}

/** The first delegate that serves all of `selectors` (any delegate when there are none). */
export function pickDelegate(
    delegates: readonly StandInDelegate[],
    selectors: readonly string[],
): StandInDelegate | undefined {
    return delegates.find((d) => selectors.every((s) => d.selectors.includes(s)));
}

interface Call {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    ca?: string | string[];
    /** Verify the server's certificate (default true). */
    verify?: boolean;
    cert?: string;
    key?: string;
}

/** One HTTP(S) request bounded by `timeoutMs` from start to the end of the answer. */
function call(url: URL, c: Call, timeoutMs: number): Promise<{ status: number; body: string }> {
    const opts: https.RequestOptions = { method: c.method ?? "GET", headers: c.headers, timeout: timeoutMs };
    if (url.protocol === "https:") {
        if (c.ca) opts.ca = c.ca;
        if (c.verify === false) opts.rejectUnauthorized = false;
        if (c.cert) {
            opts.cert = c.cert;
            opts.key = c.key;
        }
        opts.agent = false;
    }
    const lib = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
        let req: http.ClientRequest | undefined;
        const deadline = setTimeout(() => req?.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        try {
            // An encrypted key without its passphrase throws here, before any request.
            req = lib.request(url, opts, (res) => {
                let body = "";
                res.setEncoding("utf8");
                res.on("data", (chunk) => (body += chunk));
                res.on("end", () => {
                    clearTimeout(deadline);
                    resolve({ status: res.statusCode ?? 0, body });
                });
                res.on("error", (e) => {
                    clearTimeout(deadline);
                    reject(e);
                });
            });
        } catch (e) {
            clearTimeout(deadline);
            reject(e);
            return;
        }
        const r = req;
        r.on("timeout", () => r.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        r.on("error", (e) => {
            clearTimeout(deadline);
            reject(e);
        });
        r.end(c.body);
    });
}

function get(cred: ClusterCredential, path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
    const url = new URL(path, cred.masterUrl.endsWith("/") ? cred.masterUrl : `${cred.masterUrl}/`);
    const headers: Record<string, string> = { accept: "application/json" };
    if (cred.token) headers.authorization = `Bearer ${cred.token}`;
    else if (cred.username !== undefined)
        headers.authorization = `Basic ${Buffer.from(`${cred.username}:${cred.password ?? ""}`).toString("base64")}`;
    return call(
        url,
        {
            headers,
            ca: cred.caCertPem,
            verify: cred.caCertPem !== undefined && cred.caCertPem !== "",
            cert: cred.clientCertPem,
            key: cred.clientKeyPem,
        },
        timeoutMs,
    );
}

/** The system's trust plus `extra` (undefined: the system's alone). */
function withSystemTrust(extra: string[] | undefined): string[] | undefined {
    return extra?.length ? [...tls.rootCertificates, ...extra] : undefined;
}

/** The id_token of an OAuth password grant at the issuer's discovered token endpoint. */
async function oidcIdToken(g: OidcGrant, timeoutMs: number): Promise<string> {
    const ca = withSystemTrust(g.trustedCaCertPems);
    const base = g.issuerUrl.endsWith("/") ? g.issuerUrl : `${g.issuerUrl}/`;
    const disco = await call(new URL(".well-known/openid-configuration", base), { ca }, timeoutMs);
    if (disco.status !== 200) throw new Error(`discovery at ${g.issuerUrl} answered HTTP ${disco.status}`);
    const tokenEndpoint = JSON.parse(disco.body).token_endpoint;
    if (typeof tokenEndpoint !== "string") throw new Error(`discovery at ${g.issuerUrl} names no token_endpoint`);
    const form = new URLSearchParams({
        grant_type: "password",
        client_id: g.clientId,
        username: g.username,
        password: g.password,
        scope: commaList(g.scopes ?? "openid").join(" "),
    });
    if (g.clientSecret) form.set("client_secret", g.clientSecret);
    const res = await call(
        new URL(tokenEndpoint),
        { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString(), ca },
        timeoutMs,
    );
    let answer: Record<string, unknown> = {};
    try {
        answer = JSON.parse(res.body);
    } catch {
        /* not JSON */
    }
    if (res.status !== 200 || typeof answer.id_token !== "string")
        throw new Error(
            `the token endpoint answered HTTP ${res.status}${answer.error ? `: ${answer.error}${answer.error_description ? ` (${answer.error_description})` : ""}` : ""}`,
        );
    return answer.id_token;
}

function kubeMessage(body: string): string {
    try {
        const s = JSON.parse(body);
        if (typeof s?.message === "string") return s.message;
    } catch {
        /* not a Status */
    }
    return body.slice(0, 200);
}

/** The delegate task's execution timeout of a test connection: 2 minutes (DelegateTaskHelper, per the notes). */
export const DELEGATE_TASK_TIMEOUT_MS = 120_000;

/**
 * Tests a cluster credential the way the NG Kubernetes validation does: `GET /version` (after the
 * OIDC grant, for OpenIdConnect). Each call is bounded by `timeoutMs` (default 10 s) and the whole
 * test by `taskTimeoutMs` (default {@link DELEGATE_TASK_TIMEOUT_MS}). Returns no errors on success.
 */
export async function testCluster(
    cred: ClusterCredential,
    timeoutMs = 10_000,
    taskTimeoutMs = DELEGATE_TASK_TIMEOUT_MS,
): Promise<TestError[]> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<TestError[]>((resolve) => {
        timer = setTimeout(
            () =>
                resolve([
                    {
                        reason: "The delegate task timed out",
                        message: `the test did not finish within ${taskTimeoutMs} ms`,
                        code: 450,
                    },
                ]),
            taskTimeoutMs,
        );
    });
    try {
        return await Promise.race([testOnce(cred, Math.min(timeoutMs, taskTimeoutMs)), expired]);
    } finally {
        clearTimeout(timer);
    }
}

async function testOnce(cred: ClusterCredential, timeoutMs: number): Promise<TestError[]> {
    if (cred.oidc) {
        try {
            cred = { ...cred, token: await oidcIdToken(cred.oidc, timeoutMs) };
        } catch (e) {
            return [{ reason: "OIDC token grant failed", message: (e as Error).message, code: 450 }];
        }
    }
    let res: { status: number; body: string };
    try {
        res = await get(cred, "/version", timeoutMs);
    } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const tls = /certificate|self[- ]signed|SSL|TLS|decrypt|PEM|key/i.test(`${err.code ?? ""} ${err.message}`);
        return [
            {
                reason: tls ? "TLS handshake failed" : "Unable to connect to the cluster",
                message: `${cred.masterUrl}: ${err.code ? `${err.code}: ` : ""}${err.message}`,
                code: 450,
            },
        ];
    }
    if (res.status >= 200 && res.status < 300) return [];
    const reason =
        res.status === 401
            ? "Unauthorized: the cluster refused the credential"
            : res.status === 403
              ? "Forbidden: the credential may not read the server version"
              : `The cluster answered HTTP ${res.status} to /version`;
    return [{ reason, message: kubeMessage(res.body), code: 450 }];
}
