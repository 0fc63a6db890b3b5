// The installed Harness delegate, as named steps of the run (each undone in reverse when a later
// step fails): choose the image → mint the token (or keep the recorded one) → write the objects →
// wait until Harness shows the delegate connected (on a rotation: connected with the NEW token) →
// and, only when the whole run has succeeded, retire the old token (revoke, then purge). Refresh
// reads drift and Harness's view; destroy removes the objects, then the token.
import { boundedMs } from "../deadline";
import {
    applyDelegateInstall,
    type InstallSecrets,
    inspectDelegateInstall,
    removeDelegateInstall,
    renderInstallDrift,
} from "../delegate/install/apply";
import { installFacts } from "../delegate/install/facts";
import { planDelegateInstall } from "../delegate/install/plan";
import { readPodProblems } from "../delegate/install/podStatus";
import { proxyCredentialsChangedAt } from "../delegate/install/proxyCredentials";
import { DAY_MS, tokenRotationDue } from "../delegate/install/rotation";
import type { InstalledDelegateState } from "../delegate/install/state";

export type { InstalledDelegateState };
export { tokenRotationDue };

import { ConnectorError } from "../errors";
import { resolveHarnessAccess } from "../harness/access";
import type { HarnessClient } from "../harness/client";
import { harnessClientFor } from "../harness/client";
import {
    latestDelegateImage,
    listDelegates,
    mintDelegateToken,
    type PurgeRetry,
    purgeRevokedToken,
    revokeDelegateToken,
    tokenStatus,
    waitForDelegateConnected,
    waitForDelegateOnToken,
} from "../harness/delegates";
import type { HarnessScope } from "../harness/state";
import { type InstallSettings, installIdentity } from "../inputs/delegateName";
import { harnessScope } from "../inputs/harnessRules";
import type { ValidConnectorInputs } from "../inputs/types";
import { Steps } from "../steps";
import type { KubeClient } from "../transport/kubeClient";

/** The install's record and its token's value (a secret output). */
export interface InstalledDelegate {
    state: InstalledDelegateState;
    token: string;
    /** Runs once the whole run has succeeded: revokes and purges a token a rotation replaced; resolves to warnings. */
    retire: () => Promise<string[]>;
}

/** A token name no earlier token of this delegate had: `<name>-<yyyymmddhhmmss>` (a revoked name stays taken 30 days). */
export function mintedTokenName(name: string, now = new Date()): string {
    return `${name}-${now.toISOString().replace(/\D/g, "").slice(0, 14)}`;
}

function secretsFor(settings: InstallSettings, token: string): InstallSecrets {
    return {
        delegateToken: token,
        ...(settings.proxy?.user !== undefined ? { proxyUser: settings.proxy.user } : {}),
        ...(settings.proxy?.password !== undefined ? { proxyPassword: settings.proxy.password } : {}),
    };
}

/**
 * Revokes, then purges, a token (only a revoked one can be purged); one already gone is fine. A
 * purge that fails (Harness not seeing the revoke yet after the retries, a Harness without the
 * endpoint) does not fail the run: resolves to its warning.
 */
async function retireToken(
    client: HarnessClient,
    scope: HarnessScope,
    name: string,
    retry?: PurgeRetry,
): Promise<string[]> {
    try {
        await revokeDelegateToken(client, scope, name);
    } catch (e) {
        if ((e as ConnectorError).code !== "DELEGATE_TOKEN_NOT_FOUND") throw e;
    }
    const warning = await purgeRevokedToken(client, scope, name, retry);
    return warning ? [warning] : [];
}

/** The Harness client of the run, closed when it ends (undoing a minted token needs it). */
function harnessClientOfRun(inputs: ValidConnectorInputs, steps: Steps) {
    const access = resolveHarnessAccess(inputs.harness!);
    const client = harnessClientFor(access);
    steps.closeAtEnd(() => client.close());
    return { client, access };
}

/**
 * Runs a wait for the delegate; when it ends DELEGATE_NOT_CONNECTED, the delegate's pods' own
 * reasons (ImagePullBackOff, CrashLoopBackOff…, as `kubectl get pods` shows them) join its message.
 */
async function explainedByPods<T>(
    kube: KubeClient,
    namespace: string,
    name: string,
    wait: () => Promise<T>,
): Promise<T> {
    try {
        return await wait();
    } catch (e) {
        if (!(e instanceof ConnectorError) || e.code !== "DELEGATE_NOT_CONNECTED") throw e;
        const problems = await readPodProblems(kube, namespace, name);
        if (!problems.length) throw e;
        throw new ConnectorError(
            e.code,
            `${e.what}; its pods: ${problems.join("; ")}`,
            e.remediation,
            e.kubernetesMessage,
            e.httpStatus,
        );
    }
}

/**
 * Installs (or brings back to what is declared) the delegate, as steps of the run: the token
 * minted here is revoked and purged, the objects made here removed and the ones changed here put
 * back, should a later step fail. `kube` is the provisioner's client (the identity's maker).
 */
export async function installDelegate(
    inputs: ValidConnectorInputs,
    identifier: string,
    owner: string,
    kube: KubeClient,
    steps: Steps,
    previous?: { state?: InstalledDelegateState; token?: string; settings?: InstallSettings },
    options: { purgeRetry?: PurgeRetry } = {},
): Promise<InstalledDelegate> {
    const settings = inputs.delegate!.install!;
    const identity = installIdentity(settings, identifier);
    const scope = harnessScope(inputs);
    const { client, access } = harnessClientOfRun(inputs, steps);
    const prev = previous?.state?.name === identity.name ? previous : undefined;

    // 1. The image: as given, else the one installed before (the upgrader moves it on), else Harness's latest.
    const image = settings.image ?? prev?.state?.image ?? (await latestDelegateImage(client, scope)).image;

    // 2. The token: kept while it has life left, else minted (undone: revoked and purged).
    let token = prev?.token;
    let tokenName = prev?.state?.tokenName;
    let tokenExpiresAt = prev?.state?.tokenExpiresAt;
    let tokenMintedAt = prev?.state?.tokenMintedAt;
    const rotating = !token || !tokenName || tokenRotationDue(settings, identity.name, prev?.state);
    if (rotating) {
        const now = Date.now();
        tokenName =
            settings.token.name !== undefined && settings.token.name !== prev?.state?.tokenName
                ? settings.token.name
                : mintedTokenName(identity.name, new Date(now));
        const revokeAfter = settings.token.ttlDays !== undefined ? now + settings.token.ttlDays * DAY_MS : undefined;
        const minted = await mintDelegateToken(client, scope, tokenName, revokeAfter);
        const made = tokenName;
        // An undo has no channel for warnings: a purge that fails leaves a revoked token, which is harmless.
        steps.made(`Harness delegate token ${made}`, "harness", () =>
            retireToken(client, scope, made).then(() => undefined),
        );
        if (!minted.value)
            throw new ConnectorError(
                "DELEGATE_TOKEN_NOT_FOUND",
                `Harness minted delegate token "${made}" but answered no value for it`,
                "Check that the API key may edit delegates (core_delegate_edit)",
            );
        token = minted.value;
        tokenExpiresAt = revokeAfter !== undefined ? new Date(revokeAfter).toISOString() : undefined;
        tokenMintedAt = new Date(now).toISOString();
    }

    // 3. The objects. Changing ones made before is undone by writing the previous install back.
    const credentialsChangedAt = proxyCredentialsChangedAt(prev, settings, new Date());
    const ownerFacts = (name: string, img: string, changedAt: string | undefined) =>
        installFacts(inputs, {
            identity,
            image: img,
            tokenName: name,
            accountId: access.accountId,
            endpoint: access.endpoint,
            owner,
            proxyCredentialsChangedAt: changedAt,
        });
    if (prev?.state && prev.token && rotating) {
        const before = planDelegateInstall(
            ownerFacts(prev.state.tokenName, prev.state.image, prev.state.proxyCredentialsChangedAt),
            prev.state.tokenName,
        );
        const beforeSecrets = secretsFor(settings, prev.token);
        steps.made(
            `the delegate's objects as they were (token ${prev.state.tokenName})`,
            { cluster: "Deployment" },
            () => applyDelegateInstall(kube, before, beforeSecrets, owner, new Steps()).then(() => undefined),
        );
    }
    const objects = planDelegateInstall(ownerFacts(tokenName!, image, credentialsChangedAt), tokenName!);
    const refs = await applyDelegateInstall(kube, objects, secretsFor(settings, token!), owner, steps, {
        previous: previous?.state?.objects,
        adopt: inputs.delegate!.adopt,
    });

    // 4. Connected, bounded by waitSeconds and the overall deadline; after a rotation, with the new token.
    const timeoutMs = boundedMs(settings.waitSeconds * 1000);
    const started = Date.now();
    const namespace = inputs.delegate!.namespace;
    const connection = await explainedByPods(kube, namespace, identity.name, () =>
        // With its declared tags: after a change of them, the rolled pods must have registered.
        waitForDelegateConnected(client, scope, identity.name, {
            timeoutMs,
            pollMs: 1000,
            tokenName,
            tags: identity.tags,
        }),
    );
    const oldToken = rotating && prev?.state?.tokenName !== tokenName ? prev?.state?.tokenName : undefined;
    if (oldToken)
        await explainedByPods(kube, namespace, identity.name, () =>
            waitForDelegateOnToken(
                client,
                scope,
                identity.name,
                tokenName!,
                Math.max(1, timeoutMs - (Date.now() - started)),
            ),
        );

    const state: InstalledDelegateState = {
        name: identity.name,
        tags: identity.tags,
        image,
        namespace: inputs.delegate!.namespace,
        tokenName: tokenName!,
        ...(tokenExpiresAt ? { tokenExpiresAt } : {}),
        tokenMintedAt: tokenMintedAt!,
        ...(credentialsChangedAt ? { proxyCredentialsChangedAt: credentialsChangedAt } : {}),
        connected: true,
        lastHeartbeat: new Date(connection.lastHeartbeat).toISOString(),
        objects: refs,
        drift: [],
    };
    return {
        state,
        token: token!,
        // Revoking first would disconnect the delegate at once: the old token goes only when all else succeeded.
        retire: oldToken ? () => retireToken(client, scope, oldToken, options.purgeRetry) : async () => [],
    };
}

/** Refresh: drift of the objects, and whether Harness shows the delegate connected. */
export async function inspectInstalledDelegate(
    inputs: ValidConnectorInputs,
    identifier: string,
    owner: string,
    kube: KubeClient,
    state: InstalledDelegateState,
    token: string | undefined,
): Promise<InstalledDelegateState> {
    const settings = inputs.delegate!.install!;
    const access = resolveHarnessAccess(inputs.harness!);
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
        await inspectDelegateInstall(kube, objects, owner, token ? secretsFor(settings, token) : undefined)
    ).map(renderInstallDrift);
    const client = harnessClientFor(access);
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
    } finally {
        await client.close();
    }
}

/**
 * Destroy: the objects (newest first, this connector's only), then the token (revoked, purged).
 * Resolves to warnings (a token revoked but not purged).
 */
export async function uninstallDelegate(
    inputs: Pick<ValidConnectorInputs, "harness" | "orgIdentifier" | "projectIdentifier">,
    owner: string,
    kube: KubeClient,
    state: InstalledDelegateState,
    options: { purgeRetry?: PurgeRetry } = {},
): Promise<string[]> {
    await removeDelegateInstall(kube, state.objects, owner);
    const client = harnessClientFor(resolveHarnessAccess(inputs.harness!));
    try {
        return await retireToken(client, harnessScope(inputs), state.tokenName, options.purgeRetry);
    } finally {
        await client.close();
    }
}
