// Uninstalling the delegate: its objects (newest first, this connector's only), then its token
// (none with the user's Secret: that Secret and its token stay, theirs to keep or revoke).

import { harnessScope } from "../../inputs/harnessRules";
import type { RunContext } from "../../runContext";
import type { PurgeRetry } from "./harnessDelegates";
import { removeDelegateInstall } from "./objects";
import type { InstalledDelegateState } from "./record";
import { retireToken } from "./retireToken";

/**
 * Destroy: the objects (newest first, this connector's only), then the token (revoked, purged).
 * Resolves to warnings (a token revoked but not purged).
 */
export async function uninstallDelegate(
    run: RunContext,
    state: InstalledDelegateState,
    options: { purgeRetry?: PurgeRetry } = {},
): Promise<string[]> {
    await removeDelegateInstall(await run.kube(run.provisionerCredential), state.objects, run.ownerName);
    if (!state.tokenName) return [];
    return retireToken(run.harness().client, harnessScope(run.inputs), state.tokenName, options.purgeRetry);
}
