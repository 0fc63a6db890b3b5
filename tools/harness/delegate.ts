// Part of a local STAND-IN for Harness's SaaS NG API, for tests: it is not Harness. This file does
// what a Harness delegate does for a K8sCluster connector's test connection: picks a delegate by
// the connector's selectors, resolves the credential (the connector's secrets, or the delegate's
// own for InheritFromDelegate) and talks to the cluster with it: `GET /version` and a list of
// deployments in `default`, trusting only the CA the connector names (none: the system's trust).
// What it does not do: OpenID Connect token grants, proxies, the delegate's capability checks,
// periodic re-tests, or Harness's exact error wording.
import * as http from "node:http";
import * as https from "node:https";

/** A delegate the stand-in can run test connections on. */
export interface StandInDelegate {
    /** Its name; also the `delegateId` a test reports. */
    name: string;
    /** Its selectors (tags): it serves a connector whose selectors are all among them. */
    selectors: string[];
    /** The credential an InheritFromDelegate connector uses on this delegate (its in-cluster identity). */
    inheritCredential?: { masterUrl: string; token: string; caCertPem?: string };
}

/** How a test talks to the cluster: where, what it trusts, and as whom. */
export interface ClusterCredential {
    masterUrl: string;
    /** The only CA trusted; absent: the system's trust store. */
    caCertPem?: string;
    token?: string;
    clientCertPem?: string;
    clientKeyPem?: string;
    clientKeyPassphrase?: string;
    username?: string;
    password?: string;
}

/** One error of a failed test, as Harness reports it (`code` 450). */
export interface TestError {
    reason: string;
    message: string;
    code: number;
}

/** The first delegate that serves all of `selectors` (any delegate when there are none). */
export function pickDelegate(
    delegates: readonly StandInDelegate[],
    selectors: readonly string[],
): StandInDelegate | undefined {
    return delegates.find((d) => selectors.every((s) => d.selectors.includes(s)));
}

function get(cred: ClusterCredential, path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
    const url = new URL(path, cred.masterUrl.endsWith("/") ? cred.masterUrl : `${cred.masterUrl}/`);
    const headers: Record<string, string> = { accept: "application/json" };
    if (cred.token) headers.authorization = `Bearer ${cred.token}`;
    else if (cred.username !== undefined)
        headers.authorization = `Basic ${Buffer.from(`${cred.username}:${cred.password ?? ""}`).toString("base64")}`;
    const opts: https.RequestOptions = { method: "GET", headers, timeout: timeoutMs };
    if (url.protocol === "https:") {
        if (cred.caCertPem) opts.ca = cred.caCertPem;
        if (cred.clientCertPem) {
            opts.cert = cred.clientCertPem;
            opts.key = cred.clientKeyPem;
            opts.passphrase = cred.clientKeyPassphrase;
        }
        opts.agent = false;
    }
    const lib = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
        const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        const req = lib.request(url, opts, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (c) => (body += c));
            res.on("end", () => {
                clearTimeout(deadline);
                resolve({ status: res.statusCode ?? 0, body });
            });
            res.on("error", (e) => {
                clearTimeout(deadline);
                reject(e);
            });
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on("error", (e) => {
            clearTimeout(deadline);
            reject(e);
        });
        req.end();
    });
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

/**
 * Tests a cluster credential the way the stand-in's delegate does: `GET /version`, then a list
 * of deployments in `default` (limit 1). Each request is bounded by `timeoutMs` (default 10 s).
 * Returns no errors on success.
 */
export async function testCluster(cred: ClusterCredential, timeoutMs = 10_000): Promise<TestError[]> {
    const steps: [string, string][] = [
        ["/version", "read the server version"],
        ["/apis/apps/v1/namespaces/default/deployments?limit=1", "list deployments in namespace default"],
    ];
    for (const [path, what] of steps) {
        let res: { status: number; body: string };
        try {
            res = await get(cred, path, timeoutMs);
        } catch (e) {
            const err = e as NodeJS.ErrnoException;
            const tls = /certificate|self[- ]signed|SSL|TLS/i.test(`${err.code ?? ""} ${err.message}`);
            return [
                {
                    reason: tls ? "TLS handshake failed" : "Unable to connect to the cluster",
                    message: `${cred.masterUrl}: ${err.code ? `${err.code}: ` : ""}${err.message}`,
                    code: 450,
                },
            ];
        }
        if (res.status >= 200 && res.status < 300) continue;
        const reason =
            res.status === 401
                ? "Unauthorized: the cluster refused the credential"
                : res.status === 403
                  ? `Forbidden: the credential may not ${what}`
                  : `The cluster answered HTTP ${res.status} to ${path}`;
        return [{ reason, message: kubeMessage(res.body), code: 450 }];
    }
    return [];
}
