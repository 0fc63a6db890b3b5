// Kubeconfig documents that hold everything inline (a token, a user name and password, or client
// certificate data; CA data), read with a YAML parser, without @kubernetes/client-node, which costs
// a provider process about 0.35 s and 90 MB to load. Any other kubeconfig (exec plugins, auth
// providers, files, proxies, and every malformed document, for its error messages) is left to
// clientNodeKubeconfig.ts.
import { inlineCredential, type ResolvedCredential } from "./inlineEndpoint";
import { inlineKubeconfigEntries } from "./kubeconfigEntries";

export { inlineKubeconfigEntries } from "./kubeconfigEntries";

/** The endpoint of a kubeconfig document that needs no client library, or undefined when it does. */
export function inlineKubeconfigCredential(
    document: string,
    context: string | undefined,
    authType: string,
): ResolvedCredential | undefined {
    const entries = inlineKubeconfigEntries(document, context);
    return entries && inlineCredential(entries.cluster, entries.user, authType);
}
