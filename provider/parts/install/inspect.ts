// Refresh of the installed delegate: drift of its objects (and of the user's token Secret), and
// whether Harness shows it connected (its token revoked or expired said first).

import type { HarnessClient } from "../../harness/client";
import type { HarnessScope } from "../../harness/scope";
import { installIdentity } from "../../inputs/delegateName";
import { harnessScope } from "../../inputs/harnessRules";
import type { RunContext } from "../../runContext";
import { installFacts } from "./facts";
import { listDelegates, listDelegateTokens, tokenStatus, tokenStatusProblem } from "./harnessDelegates";
import { installSecrets } from "./installSecrets";
import { inspectDelegateInstall, renderInstallDrift } from "./objects";
import { planDelegateInstall } from "./plan";
import type { InstalledDelegateState } from "./record";
import {
    readTokenSecret,
    sameTokenSecretVersion,
    type TokenSecretRead,
    tokenSecretProblem,
    tokenSecretVersionText,
} from "./tokenSecret";

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
    const recordedSecret = state.tokenSecret;
    // Planned as the last up made it: the recorded Secret version on the pod template.
    const tokenChecksum = recordedSecret?.name ?? state.tokenName ?? "";
    const objects = planDelegateInstall(
        installFacts(inputs, {
            identity,
            image: state.image,
            tokenName: tokenChecksum,
            accountId: access.accountId,
            endpoint: access.endpoint,
            owner,
            proxyCredentialsChangedAt: state.proxyCredentialsChangedAt,
            ...(recordedSecret
                ? {
                      existingTokenSecret: recordedSecret.name,
                      tokenSecretVersion: tokenSecretVersionText(recordedSecret),
                  }
                : {}),
        }),
        tokenChecksum,
    );
    const drift = (
        await inspectDelegateInstall(kube, objects, owner, token ? installSecrets(settings, token) : undefined)
    ).map(renderInstallDrift);
    let secret: TokenSecretRead | undefined;
    if (recordedSecret) {
        secret = await readTokenSecret(kube, state.namespace, recordedSecret.name);
        const problem = tokenSecretProblem(secret, state.namespace, recordedSecret.name);
        if (problem)
            drift.push(`${problem}: the delegate's pods cannot start without it; create it with key DELEGATE_TOKEN`);
        if (secret.found !== "missing" && !sameTokenSecretVersion(secret.version, recordedSecret))
            drift.push(
                `the token Secret "${recordedSecret.name}" changed since the last up: the next up rolls the pods`,
            );
    }
    const scope = harnessScope(inputs);
    try {
        const entry = (await listDelegates(client, scope, state.name))[0];
        const connected = !!entry?.connected;
        if (!connected) {
            // Its token revoked or expired is the likelier cause than the pods: say it first.
            const tokenProblem = state.tokenName
                ? await tokenStatus(client, scope, state.tokenName)
                : secret?.found === "token"
                  ? await secretTokenStatus(client, scope, secret)
                  : undefined;
            if (tokenProblem)
                drift.push(
                    recordedSecret
                        ? `the delegate's ${tokenProblem}: put an active token of this scope into Secret "${recordedSecret.name}" (key DELEGATE_TOKEN)`
                        : `the delegate's ${tokenProblem}: set delegate.install.token.name to a new name`,
                );
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

/**
 * What Harness holds of the token in the user's Secret, learnt by matching the values Harness
 * lists for the scope (with delegate edit permission; compared in memory, never kept): revoked or
 * expired; not among the scope's tokens when Harness gave values and none matched; undefined when
 * it cannot tell (no values listed, or Harness not read).
 */
async function secretTokenStatus(
    client: HarnessClient,
    scope: HarnessScope,
    secret: Extract<TokenSecretRead, { found: "token" }>,
): Promise<string | undefined> {
    try {
        const tokens = await listDelegateTokens(client, scope);
        const match = tokens.find((t) => t.value !== undefined && secret.holds(t.value));
        if (match) return tokenStatusProblem(match.name, match);
        if (tokens.length && tokens.every((t) => t.value !== undefined))
            return `token in Secret "${secret.version.name}" is none of this scope's delegate tokens in Harness (revoked and purged, or of another scope?)`;
        return undefined;
    } catch {
        return undefined;
    }
}
