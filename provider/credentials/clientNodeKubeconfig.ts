// Kubeconfig and InheritFromDelegate credentials: parsed, and authenticated (tokens, client
// certificates, auth providers), by @kubernetes/client-node; exec plugins are run by execPlugin.ts,
// within the deadline. The library is loaded (loadClientNode) only when a connector uses one of
// these credentials.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import type * as k8s from "@kubernetes/client-node";
import { type ConnectorError, connectorError } from "../errors";
import { loadClientNode } from "../heavyPackages";
import type { Credential } from "../inputs/types";
import type { Endpoint } from "../transport/kubeClient";
import { type ExecConfig, runExecPlugin } from "./execPlugin";
import { basicAuthorization, type ResolvedCredential } from "./inlineEndpoint";

/** CREDENTIAL_LOAD_FAILED: `facts` say what to fix in this case, before the code's advice. */
function loadFailed(what: string, facts: string): ConnectorError {
    return connectorError("CREDENTIAL_LOAD_FAILED", what, { facts });
}

function loadKubeconfigText(kc: k8s.KubeConfig, text: string, where: string): void {
    try {
        kc.loadFromString(text);
    } catch (e) {
        const missing = fileError(e);
        if (missing)
            throw loadFailed(
                `${where} names a file that ${missing}`,
                "Fix the path in the kubeconfig (`token-file`), or embed the value instead",
            );
        // Never echo the parser's message: it quotes the document, which holds credentials.
        const line = (e as any)?.mark?.line;
        throw loadFailed(
            `${where} is not a valid kubeconfig${line !== undefined ? ` (YAML error on line ${line + 1})` : ""}`,
            "Give a kubeconfig document as `kubectl config view --raw --minify` prints it",
        );
    }
}

function selectContext(kc: k8s.KubeConfig, context: string | undefined, where: string): void {
    if (context) {
        if (!kc.getContextObject(context)) {
            const known =
                kc
                    .getContexts()
                    .map((c) => c.name)
                    .join(", ") || "none";
            throw loadFailed(
                `${where} has no context "${context}" (it has: ${known})`,
                "Set `credential.context` to one of its contexts",
            );
        }
        kc.setCurrentContext(context);
    }
    const cluster = kc.getCurrentCluster();
    if (!kc.getCurrentContext() || !cluster)
        throw loadFailed(
            `${where} has no current context with a cluster`,
            "Set `credential.context`, or `current-context` in the kubeconfig",
        );
    if (!kc.getCurrentUser())
        throw loadFailed(`${where}: context "${kc.getCurrentContext()}" names no user`, "Add a user to the context");
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

function loadKubeConfig(
    credential: Extract<Credential, { type: "Kubeconfig" | "InheritFromDelegate" }>,
): k8s.KubeConfig {
    const { KubeConfig } = loadClientNode();
    const kc = new KubeConfig();
    if (credential.type === "Kubeconfig") {
        loadKubeconfigText(kc, credential.kubeconfig, "credential.kubeconfig");
        selectContext(kc, credential.context, "credential.kubeconfig");
        return kc;
    }
    const where =
        credential.kubeconfigPath ??
        (process.env.KUBECONFIG ? `KUBECONFIG (${process.env.KUBECONFIG})` : "the default kubeconfig");
    if (credential.kubeconfigPath) {
        if (!fs.existsSync(credential.kubeconfigPath))
            throw loadFailed(
                `kubeconfig file ${credential.kubeconfigPath} does not exist`,
                "Set `credential.kubeconfigPath` to an existing file, or leave it out to use `KUBECONFIG` or ~/.kube/config",
            );
        let text: string;
        try {
            text = fs.readFileSync(credential.kubeconfigPath, "utf8");
        } catch (e) {
            throw loadFailed(
                `kubeconfig file ${credential.kubeconfigPath} cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`,
                "Make it readable by the user running Pulumi",
            );
        }
        loadKubeconfigText(kc, text, credential.kubeconfigPath);
    } else {
        try {
            kc.loadFromDefault();
        } catch (e) {
            const missing = fileError(e);
            throw loadFailed(
                `${where} cannot be loaded${missing ? `: it names a file that ${missing}` : ""}`,
                "Check ~/.kube/config",
            );
        }
        // With nothing to load, the library falls back to http://localhost:8080.
        if (kc.getCurrentCluster()?.server === "http://localhost:8080" && !process.env.KUBECONFIG) {
            throw loadFailed(
                "no kubeconfig was found (KUBECONFIG is unset, ~/.kube/config is missing, and this is not a pod)",
                "Set `KUBECONFIG` for the process running Pulumi, or use a Kubeconfig or ManualConfig credential",
            );
        }
    }
    selectContext(kc, credential.context, where);
    return kc;
}

/** What is wrong with a file an error says could not be read (`does not exist (ENOENT): /path`), if that is what it says. */
function fileError(e: unknown): string | undefined {
    const err = e as NodeJS.ErrnoException;
    if (err?.code === "ENOENT") return `does not exist (ENOENT${err.path ? `: ${err.path}` : ""})`;
    if (err?.code === "EACCES" || err?.code === "EISDIR")
        return `cannot be read (${err.code}${err.path ? `: ${err.path}` : ""})`;
    return undefined;
}

/** Every file the current cluster and user name must be readable: each one that is not, named with its kubeconfig field. */
function checkFiles(cluster: k8s.Cluster, user: k8s.User, where: string): void {
    const files: [string, string | undefined][] = [
        ["certificate-authority", cluster.caFile],
        ["client-certificate", user.certFile],
        ["client-key", user.keyFile],
    ];
    for (const [field, file] of files) {
        if (!file) continue;
        try {
            fs.accessSync(file, fs.constants.R_OK);
            if (fs.statSync(file).isDirectory())
                throw Object.assign(new Error("is a directory"), { code: "EISDIR", path: file });
        } catch (e) {
            const problem =
                (e as NodeJS.ErrnoException).code === "ENOENT"
                    ? "does not exist"
                    : `cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`;
            throw loadFailed(
                `${where}: the ${field} file ${file} ${problem}`,
                `Fix ${field} in the kubeconfig (a path relative to the kubeconfig file is read from its folder), or embed the data (${field}-data)`,
            );
        }
    }
}

/**
 * The gcp and azure auth providers (removed from kubectl in 1.26) run their helper command with no
 * deadline and block the process while it runs: refused, with what replaced them.
 */
function refuseUnboundedAuthProvider(user: k8s.User): void {
    const name = user.authProvider?.name;
    if (name !== "gcp" && name !== "azure") return;
    throw loadFailed(
        `the kubeconfig's user authenticates with the "${name}" auth-provider, which Kubernetes removed in 1.26 and which cannot be bounded by a deadline`,
        name === "gcp"
            ? "Use the gke-gcloud-auth-plugin exec plugin (gcloud container clusters get-credentials writes it), or another credential"
            : "Use the kubelogin exec plugin (kubelogin convert-kubeconfig), or another credential",
    );
}

/** The kubeconfig with the current user's exec entry taken out: the plugin runs here, within the deadline, not in the library. */
function withoutExec(kc: k8s.KubeConfig, userName: string): void {
    const users = kc.users.map((u) => (u.name === userName ? { ...u, exec: undefined } : u));
    kc.loadFromOptions({ clusters: kc.clusters, users, contexts: kc.contexts, currentContext: kc.currentContext });
}

/** The endpoint of a Kubeconfig or InheritFromDelegate credential (runs its exec plugin, if any, within `timeoutMs`). */
export async function clientNodeCredential(
    credential: Extract<Credential, { type: "Kubeconfig" | "InheritFromDelegate" }>,
    timeoutMs: number,
): Promise<ResolvedCredential> {
    const kc = loadKubeConfig(credential);
    uniquifyUsers(kc);
    const cluster = kc.getCurrentCluster()!;
    const user = kc.getCurrentUser()!;
    checkFiles(
        cluster,
        user,
        credential.type === "Kubeconfig" ? "credential.kubeconfig" : (credential.kubeconfigPath ?? "the kubeconfig"),
    );
    refuseUnboundedAuthProvider(user);
    const exec = user.exec as ExecConfig | undefined;
    const execCredential = exec
        ? await runExecPlugin(exec, { server: cluster.server, certificateAuthorityData: cluster.caData }, timeoutMs)
        : undefined;
    if (exec) withoutExec(kc, user.name);
    // What the library would put on a request: CA, client certificate and key, server name, and
    // the Authorization header (a token, or what an auth provider returned).
    const o: {
        ca?: Buffer;
        cert?: Buffer;
        key?: Buffer;
        servername?: string;
        rejectUnauthorized?: boolean;
        headers?: Record<string, string>;
    } = {};
    await kc.applyToHTTPSOptions(o as any);
    const headers = { ...(o.headers ?? {}) };
    if (user.username) headers.Authorization = basicAuthorization(user.username, user.password);
    if (execCredential?.token) headers.Authorization = `Bearer ${execCredential.token}`;
    if (execCredential?.clientCertificateData)
        Object.assign(o, {
            cert: Buffer.from(execCredential.clientCertificateData),
            key: Buffer.from(execCredential.clientKeyData!),
        });
    const tls: Endpoint["tls"] = {
        ca: o.ca,
        cert: o.cert,
        key: o.key,
        servername: o.servername,
        rejectUnauthorized: !cluster.skipTLSVerify,
    };
    for (const k of ["ca", "cert", "key", "servername"] as const) if (tls[k] === undefined) delete tls[k];
    return {
        server: cluster.server,
        authType: credential.type,
        tls,
        headers,
        // The library makes the proxying dispatcher (HTTP CONNECT or SOCKS).
        proxy: cluster.proxyUrl ? (kc as any).createDispatcher(cluster, { ...tls }) : undefined,
        exportKubeconfig(name, token) {
            // With a token: the same cluster, reached as the identity that token belongs to.
            const { KubeConfig } = loadClientNode();
            const out = new KubeConfig();
            out.loadFromOptions({
                clusters: [{ ...cluster, name }],
                users: [token ? { name, token } : { ...user, name }],
                contexts: [{ name, cluster: name, user: name }],
                currentContext: name,
            });
            return out.exportConfig();
        },
    };
}
