// Kubeconfig documents for a connector's identity: pure, no client library, so the SDK can build
// the `kubeconfig` output of a ManualConfig connector, or of an inline Kubeconfig document, in the
// program instead of keeping a copy of the credential in state.
import * as crypto from "node:crypto";
import type { Credential, ManualConfigCredential as ManualConfig } from "../inputs/types";
import { inlineKubeconfigEntries } from "./kubeconfigEntries";

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

const b64 = (s: string) => Buffer.from(s).toString("base64");

/** The client key of a ClientKeyCert credential, decrypted (PKCS#8 PEM): the TLS stack then needs no passphrase. */
export function decryptedClientKey(auth: { clientKey: string; clientKeyPassphrase?: string }): string {
    return crypto
        .createPrivateKey({ key: auth.clientKey, format: "pem", passphrase: auth.clientKeyPassphrase })
        .export({ type: "pkcs8", format: "pem" }) as string;
}

/** The kubeconfig cluster entry of a ManualConfig credential. */
export function manualCluster(credential: ManualConfig): Record<string, unknown> {
    return {
        server: credential.masterUrl.replace(/\/+$/, ""),
        "certificate-authority-data": credential.caCert ? b64(credential.caCert) : undefined,
        "insecure-skip-tls-verify": credential.insecureSkipTlsVerify || undefined,
        "tls-server-name": credential.tlsServerName,
    };
}

/**
 * The kubeconfig user entry of a ManualConfig credential whose secret needs no exchange (a token,
 * a user name and password, a client certificate); undefined for OpenIdConnect, whose id_token
 * only the connection test obtains.
 */
export function manualUser(credential: ManualConfig): Record<string, unknown> | undefined {
    const a = credential.auth;
    switch (a.type) {
        case "ServiceAccount":
            return { token: a.token.trim() };
        case "UsernamePassword":
            return { username: a.username, password: a.password };
        case "ClientKeyCert":
            return { "client-certificate-data": b64(a.clientCert), "client-key-data": b64(decryptedClientKey(a)) };
        case "OpenIdConnect":
            return undefined;
    }
}

/**
 * Whether the credential alone defines the connector's kubeconfig: ManualConfig (except
 * OpenIdConnect, whose id_token only the connection test obtains), and a Kubeconfig document whose
 * context holds everything inline (no exec plugin, auth provider, file or proxy).
 */
export function kubeconfigIsDerivable(credential: Credential): boolean {
    if (credential.type === "Kubeconfig")
        return inlineKubeconfigEntries(credential.kubeconfig, credential.context) !== undefined;
    return credential.type === "ManualConfig" && credential.auth.type !== "OpenIdConnect";
}

/**
 * The kubeconfig, named `name`, of a connector whose credential alone defines it; undefined
 * otherwise. The same document the connection test's client exports (inlineEndpoint.ts).
 */
export function derivedKubeconfig(credential: Credential, name: string): string | undefined {
    if (credential.type === "Kubeconfig") {
        const entries = inlineKubeconfigEntries(credential.kubeconfig, credential.context);
        return entries && kubeconfigDocument(name, entries.cluster, entries.user);
    }
    if (credential.type !== "ManualConfig" || credential.auth.type === "OpenIdConnect") return undefined;
    return kubeconfigDocument(name, manualCluster(credential), manualUser(credential)!);
}
