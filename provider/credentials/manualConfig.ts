// ManualConfig credentials: the master URL, CA and auth as Harness's form takes them.
import type { ManualConfigCredential } from "../inputs/types";
import { inlineCredential, type ResolvedCredential } from "./inlineEndpoint";
import { manualCluster, manualUser } from "./kubeconfigDocument";
import { fetchIdToken } from "./oidc";

/** The endpoint of a ManualConfig credential (runs the OIDC password grant for OpenIdConnect). */
export async function manualConfigCredential(
    credential: ManualConfigCredential,
    timeoutMs: number,
): Promise<ResolvedCredential> {
    const a = credential.auth;
    const user = manualUser(credential) ?? {
        token: a.type === "OpenIdConnect" ? await fetchIdToken(a, timeoutMs) : undefined,
    };
    return inlineCredential(manualCluster(credential), user, a.type);
}
