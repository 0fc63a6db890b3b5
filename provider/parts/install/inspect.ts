// Refresh of the installed delegate: drift of its objects, and whether Harness shows it connected
// (its token revoked or expired said first).

import { installIdentity } from "../../inputs/delegateName";
import { harnessScope } from "../../inputs/harnessRules";
import type { RunContext } from "../../runContext";
import { installFacts } from "./facts";
import { listDelegates, tokenStatus } from "./harnessDelegates";
import { installSecrets } from "./installSecrets";
import { inspectDelegateInstall, renderInstallDrift } from "./objects";
import { planDelegateInstall } from "./plan";
import type { InstalledDelegateState } from "./record";

/** Refresh: drift of the objects, and whether Harness shows the delegate connected. */
export async function inspectInstalledDelegate(
    run: RunContext,
    state: InstalledDelegateState,
    token: string | undefined,
): Promise<InstalledDelegateState> {
    const { inputs, identifier, ownerName: owner } = run;
    const settings = inputs.delegate!.install!;
    const { client, access } = run.harness();
    const kube = await run.kube(run.provisionerCredential);
    const identity = installIdentity(settings, identifier);
    const objects = planDelegateInstall(
        installFacts(inputs, {
            identity,
            image: state.image,
            tokenName: state.tokenName,
            accountId: access.accountId,
            endpoint: access.endpoint,
            owner,
            proxyCredentialsChangedAt: state.proxyCredentialsChangedAt,
        }),
        state.tokenName,
    );
    const drift = (
        await inspectDelegateInstall(kube, objects, owner, token ? installSecrets(settings, token) : undefined)
    ).map(renderInstallDrift);
    try {
        const entry = (await listDelegates(client, harnessScope(inputs), state.name))[0];
        const connected = !!entry?.connected;
        if (!connected) {
            // Its token revoked or expired is the likelier cause than the pods: say it first.
            const tokenProblem = await tokenStatus(client, harnessScope(inputs), state.tokenName);
            if (tokenProblem)
                drift.push(`the delegate's ${tokenProblem}: set delegate.install.token.name to a new name`);
            drift.push(`Harness shows delegate "${state.name}" ${entry ? "disconnected" : "not registered"}`);
        }
        return {
            ...state,
            connected,
            ...(entry?.lastHeartBeat ? { lastHeartbeat: new Date(entry.lastHeartBeat).toISOString() } : {}),
            drift,
        };
    } catch (e) {
        return { ...state, drift: [...drift, `Harness could not be read: ${(e as Error).message}`] };
    }
}
