// The one place that turns a connector credential into a Kubernetes client. Everything else
// takes a ready KubeClient. Every request carries a deadline (an AbortSignal), and all requests
// of one client share one connection pool, so concurrent checks cost one TLS handshake.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as k8s from "@kubernetes/client-node";
import type { ConfigurationOptions } from "@kubernetes/client-node";
import { Agent } from "undici";
import { ConnectorError, classifyRequestError } from "./errors";
import { fetchIdToken } from "./oidc";
import type { Credential } from "./schema";

/** A ready client for one cluster and one identity. */
export interface KubeClient {
    /** The API server URL. */
    server: string;
    /** The credential type, and for ManualConfig the auth type: used to explain failures. */
    authType: string;
    kubeConfig: k8s.KubeConfig;
    core: k8s.CoreV1Api;
    apps: k8s.AppsV1Api;
    authz: k8s.AuthorizationV1Api;
    rbac: k8s.RbacAuthorizationV1Api;
    version: k8s.VersionApi;
    /** Per-request deadline in milliseconds. */
    timeoutMs: number;
    /** Runs one request with the deadline; a failure becomes a ConnectorError naming `what`. */
    request<T>(what: string, call: (options: ConfigurationOptions) => Promise<T>): Promise<T>;
    /** Closes the connection pool. */
    close(): Promise<void>;
}

/** Options that set an AbortSignal with the deadline on a request. */
function deadline(timeoutMs: number): ConfigurationOptions {
    return {
        middleware: [{
            pre: (ctx) => {
                ctx.setSignal(AbortSignal.timeout(timeoutMs));
                return new k8s.Observable(Promise.resolve(ctx));
            },
            post: (ctx) => new k8s.Observable(Promise.resolve(ctx)),
        }],
        middlewareMergeStrategy: "append",
    };
}

function loadFailed(what: string, remediation: string): ConnectorError {
    return new ConnectorError("CREDENTIAL_LOAD_FAILED", what, remediation);
}

function loadKubeconfigText(kc: k8s.KubeConfig, text: string, where: string): void {
    try {
        kc.loadFromString(text);
    } catch (e) {
        // Never echo the parser's message: it quotes the document, which holds credentials.
        const line = (e as any)?.mark?.line;
        throw loadFailed(`${where} is not a valid kubeconfig${line !== undefined ? ` (YAML error on line ${line + 1})` : ""}`, "Give a kubeconfig document as `kubectl config view --raw --minify` prints it");
    }
}

function selectContext(kc: k8s.KubeConfig, context: string | undefined, where: string): void {
    if (context) {
        if (!kc.getContextObject(context)) {
            const known = kc.getContexts().map((c) => c.name).join(", ") || "none";
            throw loadFailed(`${where} has no context "${context}" (it has: ${known})`, "Set credential.context to one of its contexts");
        }
        kc.setCurrentContext(context);
    }
    const cluster = kc.getCurrentCluster();
    if (!kc.getCurrentContext() || !cluster) throw loadFailed(`${where} has no current context with a cluster`, "Set credential.context, or current-context in the kubeconfig");
    if (!kc.getCurrentUser()) throw loadFailed(`${where}: context "${kc.getCurrentContext()}" names no user`, "Add a user to the context");
}

/**
 * Gives every user a name unique to this client: the library caches exec-plugin credentials by
 * user name, so two connectors whose kubeconfigs both call their user "admin" would share tokens.
 */
function uniquifyUsers(kc: k8s.KubeConfig): void {
    const suffix = crypto.randomBytes(6).toString("hex");
    const users = kc.users.map((u) => ({ ...u, name: `${u.name}-${suffix}` }));
    const contexts = kc.contexts.map((c) => ({ ...c, user: `${c.user}-${suffix}` }));
    kc.loadFromOptions({ clusters: kc.clusters, users, contexts, currentContext: kc.currentContext });
}

/** Builds a KubeConfig for a credential (runs the OIDC password grant for OpenIdConnect). */
export async function buildKubeConfig(credential: Credential, timeoutMs: number): Promise<{ kubeConfig: k8s.KubeConfig; authType: string }> {
    const kc = new k8s.KubeConfig();
    switch (credential.type) {
        case "Kubeconfig": {
            loadKubeconfigText(kc, credential.kubeconfig, "credential.kubeconfig");
            selectContext(kc, credential.context, "credential.kubeconfig");
            uniquifyUsers(kc);
            return { kubeConfig: kc, authType: "Kubeconfig" };
        }
        case "InheritFromDelegate": {
            const where = credential.kubeconfigPath ?? (process.env.KUBECONFIG ? `KUBECONFIG (${process.env.KUBECONFIG})` : "the default kubeconfig");
            if (credential.kubeconfigPath) {
                if (!fs.existsSync(credential.kubeconfigPath)) throw loadFailed(`kubeconfig file ${credential.kubeconfigPath} does not exist`, "Set credential.kubeconfigPath to an existing file, or leave it out to use KUBECONFIG or ~/.kube/config");
                loadKubeconfigText(kc, fs.readFileSync(credential.kubeconfigPath, "utf8"), credential.kubeconfigPath);
            } else {
                try {
                    kc.loadFromDefault();
                } catch {
                    throw loadFailed(`${where} cannot be loaded`, "Check KUBECONFIG and ~/.kube/config");
                }
                // With nothing to load, the library falls back to http://localhost:8080.
                if (kc.getCurrentCluster()?.server === "http://localhost:8080" && !process.env.KUBECONFIG) {
                    throw loadFailed("no kubeconfig was found (KUBECONFIG is unset, ~/.kube/config is missing, and this is not a pod)", "Set KUBECONFIG for the process running Pulumi, or use a Kubeconfig or ManualConfig credential");
                }
            }
            selectContext(kc, credential.context, where);
            uniquifyUsers(kc);
            return { kubeConfig: kc, authType: "InheritFromDelegate" };
        }
        case "ManualConfig": {
            const a = credential.auth;
            const user: Record<string, unknown> = { name: `connector-${crypto.randomBytes(6).toString("hex")}` };
            if (a.type === "ServiceAccount") user.token = a.token.trim();
            if (a.type === "UsernamePassword") Object.assign(user, { username: a.username, password: a.password });
            if (a.type === "ClientKeyCert") {
                // Decrypt in memory: the TLS stack then needs no passphrase.
                const key = crypto.createPrivateKey({ key: a.clientKey, format: "pem", passphrase: a.clientKeyPassphrase });
                user.certData = Buffer.from(a.clientCert).toString("base64");
                user.keyData = Buffer.from(key.export({ type: "pkcs8", format: "pem" }) as string).toString("base64");
            }
            if (a.type === "OpenIdConnect") user.token = await fetchIdToken(a, timeoutMs);
            kc.loadFromOptions({
                clusters: [{
                    name: "cluster",
                    server: credential.masterUrl.replace(/\/+$/, ""),
                    caData: credential.caCert ? Buffer.from(credential.caCert).toString("base64") : undefined,
                    skipTLSVerify: credential.insecureSkipTlsVerify ?? false,
                    tlsServerName: credential.tlsServerName,
                }],
                users: [user],
                contexts: [{ name: "connector", cluster: "cluster", user: user.name }],
                currentContext: "connector",
            });
            return { kubeConfig: kc, authType: a.type };
        }
    }
}

/** Makes a client that shares one connection pool across its requests. */
export function clientFromKubeConfig(kubeConfig: k8s.KubeConfig, authType: string, timeoutMs: number): KubeClient {
    // The library makes a new undici Agent (a new TLS handshake) for every request: keep one per
    // client, and let it speak HTTP/2 so concurrent checks share one connection.
    const kcAny = kubeConfig as any;
    const makeDispatcher = kcAny.createDispatcher.bind(kubeConfig);
    let dispatcher: { destroy(): Promise<void> } | undefined;
    kcAny.createDispatcher = (cluster: k8s.Cluster, agentOptions: object) => {
        if (dispatcher) return dispatcher;
        const o = kubeConfig.createDispatcherOptions(cluster, agentOptions);
        if (o.type === "agent") dispatcher = new Agent({ connect: o.connect, allowH2: true });
        else if (o.type === "none") dispatcher = new Agent({ allowH2: true });
        else dispatcher = makeDispatcher(cluster, agentOptions);
        return dispatcher;
    };
    const server = kubeConfig.getCurrentCluster()!.server;
    const opts = deadline(timeoutMs);
    return {
        server,
        authType,
        kubeConfig,
        core: kubeConfig.makeApiClient(k8s.CoreV1Api),
        apps: kubeConfig.makeApiClient(k8s.AppsV1Api),
        authz: kubeConfig.makeApiClient(k8s.AuthorizationV1Api),
        rbac: kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api),
        version: kubeConfig.makeApiClient(k8s.VersionApi),
        timeoutMs,
        async request(what, call) {
            // 429 (the API server's priority-and-fairness or max-in-flight limit) is retried, a few times.
            for (let attempt = 0; ; attempt++) {
                try {
                    return await call(opts);
                } catch (e) {
                    const ex = e as { code?: unknown; headers?: Record<string, string> };
                    if (ex.code === 429 && attempt < 4) {
                        const retryAfter = Number(ex.headers?.["retry-after"]);
                        await new Promise((r) => setTimeout(r, Math.min(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 100 * 2 ** attempt, 2000)));
                        continue;
                    }
                    throw classifyRequestError(e, { server, what, timeoutMs, authType });
                }
            }
        },
        async close() {
            // destroy, not close: close would wait for a connection still hanging in its handshake.
            await dispatcher?.destroy().catch(() => undefined);
        },
    };
}

/** Builds a client from a connector credential. */
export async function connect(credential: Credential, timeoutMs: number): Promise<KubeClient> {
    const { kubeConfig, authType } = await buildKubeConfig(credential, timeoutMs);
    return clientFromKubeConfig(kubeConfig, authType, timeoutMs);
}

/**
 * A kubeconfig document (JSON, which kubectl reads) that authenticates as the client's identity,
 * (or, given `token`, as that token's identity) with cluster, user and context named `name`, so
 * it is the same on every run.
 */
export function exportKubeconfig(kubeConfig: k8s.KubeConfig, name: string, token?: string): string {
    const cluster = kubeConfig.getCurrentCluster()!;
    // With a token: the same cluster, reached as the identity that token belongs to.
    const user = token ? { name, token } : kubeConfig.getCurrentUser()!;
    const out = new k8s.KubeConfig();
    out.loadFromOptions({
        clusters: [{ ...cluster, name }],
        users: [{ ...user, name }],
        contexts: [{ name, cluster: name, user: name }],
        currentContext: name,
    });
    return out.exportConfig();
}
