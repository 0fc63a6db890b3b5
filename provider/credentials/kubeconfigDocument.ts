// Kubeconfig documents for a connector's identity: pure, no client library, so the SDK can build
// the `kubeconfig` output of a ManualConfig connector, or of an inline Kubeconfig document, in the
// program instead of keeping a copy of the credential in state.
import type { Credential } from "../inputs/types";
import { kubeconfigDocument } from "./inlineEndpoint";
import { credentialKind } from "./kinds";

export { kubeconfigDocument } from "./inlineEndpoint";
export { decryptedClientKey } from "./kinds/clientKeyCert";
export { manualCluster, manualUser } from "./kinds/manualConfig";

/**
 * Whether the credential alone defines the connector's kubeconfig: ManualConfig (except
 * OpenIdConnect, whose id_token only the connection test obtains), and a Kubeconfig document whose
 * context holds everything inline (no exec plugin, auth provider, file or proxy).
 */
export function kubeconfigIsDerivable(credential: Credential): boolean {
    return credentialKind(credential).derivable(credential);
}

/**
 * The kubeconfig, named `name`, of a connector whose credential alone defines it; undefined
 * otherwise. The same document the connection test's client exports (inlineEndpoint.ts).
 */
export function derivedKubeconfig(credential: Credential, name: string): string | undefined {
    const entries = credentialKind(credential).entries(credential);
    return entries && kubeconfigDocument(name, entries.cluster, entries.user);
}
