// Credentials as kubeconfig cluster and user entries that hold everything inline: the Endpoint the
// transport needs (TLS from the *-data fields, Authorization from the token or the user name and
// password), and the kubeconfig of the same identity.
import type { Endpoint } from "../transport/kubeClient";

/** A kubeconfig document (JSON, which kubectl reads) with one cluster, user and context named `name`. */
export function kubeconfigDocument(
    name: string,
    cluster: Record<string, unknown>,
    user: Record<string, unknown>,
): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name, cluster }],
        users: [{ name, user }],
        contexts: [{ name, context: { cluster: name, user: name } }],
        "current-context": name,
    });
}

/** A kubeconfig `cluster` or `user` entry. */
export type InlineEntry = Record<string, unknown>;

/** A credential made ready to connect: the transport's Endpoint, and the kubeconfig of the same identity. */
export interface ResolvedCredential extends Endpoint {
    /** A kubeconfig document (JSON) for this identity, or for `token` on the same cluster. */
    exportKubeconfig(name: string, token?: string): string;
}

/** `Authorization: Basic` for a user name and password. */
export function basicAuthorization(username: string, password: string | undefined): string {
    return `Basic ${Buffer.from(`${username}:${password ?? ""}`).toString("base64")}`;
}

/**
 * The endpoint of a kubeconfig cluster and user entry that hold everything inline (what
 * ManualConfig credentials and inline kubeconfig documents have): TLS from the *-data fields,
 * Authorization from the token or the user name and password.
 */
export function inlineCredential(cluster: InlineEntry, user: InlineEntry, authType: string): ResolvedCredential {
    const fromBase64 = (v: unknown) => Buffer.from(v as string, "base64");
    const tls: Endpoint["tls"] = { rejectUnauthorized: cluster["insecure-skip-tls-verify"] !== true };
    if (cluster["certificate-authority-data"]) tls.ca = fromBase64(cluster["certificate-authority-data"]);
    if (cluster["tls-server-name"]) tls.servername = cluster["tls-server-name"] as string;
    if (user["client-certificate-data"])
        Object.assign(tls, {
            cert: fromBase64(user["client-certificate-data"]),
            key: fromBase64(user["client-key-data"]),
        });
    const headers: Record<string, string> = {};
    if (user.token) headers.Authorization = `Bearer ${user.token}`;
    if (user.username)
        headers.Authorization = basicAuthorization(user.username as string, user.password as string | undefined);
    return {
        server: cluster.server as string,
        authType,
        tls,
        headers,
        exportKubeconfig: (name, token) => kubeconfigDocument(name, cluster, token ? { token } : user),
    };
}
