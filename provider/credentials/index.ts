// The one place that turns a connector credential into a ready Kubernetes client. Everything else
// takes a client. Each credential kind has its own file in ./kinds/ (its endpoint among what it
// knows): ManualConfig (and OIDC), kubeconfig documents that hold everything inline, and every other
// kubeconfig through @kubernetes/client-node, loaded only then (it costs a provider process about
// 0.35 s and 90 MB).
import type { Credential } from "../inputs/types";
import { clientFor, type KubeClient } from "../transport/kubeClient";
import type { ResolvedCredential } from "./inlineEndpoint";
import { credentialKind } from "./kinds";

export type { ResolvedCredential } from "./inlineEndpoint";

/** A client for one cluster and identity, that can also write the kubeconfig of that identity. */
export type CredentialClient = KubeClient & Pick<ResolvedCredential, "exportKubeconfig">;

/** The endpoint and kubeconfig of any credential (runs OIDC grants and exec plugins as needed). */
export async function resolveCredential(credential: Credential, timeoutMs: number): Promise<ResolvedCredential> {
    return credentialKind(credential).endpoint(credential, timeoutMs);
}

/**
 * Builds a client from a connector credential. Getting the credential (an exec plugin, an OIDC
 * grant) and each request share the deadline `timeoutMs`: a request gets what the credential left.
 */
export async function connect(credential: Credential, timeoutMs: number): Promise<CredentialClient> {
    const started = Date.now();
    const resolved = await resolveCredential(credential, timeoutMs);
    return {
        ...clientFor(resolved, Math.max(1, timeoutMs - (Date.now() - started))),
        exportKubeconfig: resolved.exportKubeconfig,
    };
}
