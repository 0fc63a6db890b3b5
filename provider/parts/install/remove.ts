// Uninstalling the delegate: its objects (newest first, this connector's only), then its token
// (none with the user's Secret: that Secret and its token stay, theirs to keep or revoke), then
// Harness forgets it (its delegate group deleted once its pods are gone).

import { boundedMs } from "../../deadline";
import { harnessScope } from "../../inputs/harnessRules";
import type { RunContext } from "../../runContext";
import { type ForgetWait, forgetDelegateGroup, type PurgeRetry } from "./harnessDelegates";
import { removeDelegateInstall } from "./objects";
import type { InstalledDelegateState } from "./record";
import { retireToken } from "./retireToken";

/**
 * Destroy: the objects (newest first, this connector's only), then the token (revoked, purged:
 * a pod still stopping can no longer heartbeat), then the delegate group in Harness, which Harness
 * deletes only once no instance has sent a heartbeat for its liveness window (waited for up to
 * `install.waitSeconds`). Resolves to warnings (a token revoked but not purged, a group Harness kept).
 */
export async function uninstallDelegate(
    run: RunContext,
    state: InstalledDelegateState,
    options: { purgeRetry?: PurgeRetry; forgetWait?: ForgetWait } = {},
): Promise<string[]> {
    await removeDelegateInstall(await run.kube(run.provisionerCredential), state.objects, run.ownerName);
    const { client } = run.harness();
    const scope = harnessScope(run.inputs);
    const warnings = state.tokenName ? await retireToken(client, scope, state.tokenName, options.purgeRetry) : [];
    const waitSeconds = run.inputs.delegate!.install!.waitSeconds;
    const forgotten = await forgetDelegateGroup(
        client,
        scope,
        state.name,
        options.forgetWait ?? { timeoutMs: boundedMs(waitSeconds * 1000) },
    );
    return forgotten ? [...warnings, forgotten] : warnings;
}
