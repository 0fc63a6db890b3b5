// Installing the Harness delegate, as named steps of the run (each undone in reverse when a later
// step fails): choose the image → mint the token (or keep the recorded one; or read the user's
// token Secret, `token.existingSecret`: nothing minted, its version on the pod template) → write the objects →
// wait until Harness shows the delegate connected (on a rotation: connected with the NEW token) →
// and, only when the whole run has succeeded, retire the old token (revoke, then purge).
import { boundedMs } from "../../deadline";
import { ConnectorError, connectorError } from "../../errors";
import type { HarnessClient } from "../../harness/client";
import type { HarnessScope } from "../../harness/scope";
import { type InstallSettings, installIdentity } from "../../inputs/delegateName";
import { harnessScope } from "../../inputs/harnessRules";
import { objectApi } from "../../kube/objectApi";
import { ownerAnnotation } from "../../kube/objects";
import type { RunContext } from "../../runContext";
import { Steps } from "../../steps";
import type { KubeClient } from "../../transport/kubeClient";
import { installFacts } from "./facts";
import {
    activeTokenWithValue,
    latestDelegateImage,
    mintDelegateToken,
    type PurgeRetry,
    waitForDelegateConnected,
    waitForDelegateOnToken,
} from "./harnessDelegates";
import { installSecrets } from "./installSecrets";
import { applyDelegateInstall } from "./objects";
import { installNames, planDelegateInstall } from "./plan";
import { readPodProblems } from "./podStatus";
import { proxyCredentialsChangedAt } from "./proxyCredentials";
import type { InstalledDelegateState } from "./record";
import { retireToken } from "./retireToken";
import { DAY_MS, tokenRotationDue } from "./rotation";
import { chartReleaseOf, removeChartRelease } from "./takeOver";
import { requireTokenSecret, tokenSecretVersionText } from "./tokenSecret";

/** The install's record and its token's value (a secret output; none with the user's token Secret). */
export interface InstalledDelegate {
    state: InstalledDelegateState;
    token?: string;
}

/** What an install starts from: the recorded install, its token, and the settings it was made with. */
export interface PreviousInstall {
    state?: InstalledDelegateState;
    token?: string;
    settings?: InstallSettings;
}

/** A token name no earlier token of this delegate had: `<name>-<yyyymmddhhmmss>` (a revoked name stays taken 30 days). */
export function mintedTokenName(name: string, now = new Date()): string {
    return `${name}-${now.toISOString().replace(/\D/g, "").slice(0, 14)}`;
}

/**
 * The token of this connector's install running in the cluster, when its token Secret carries
 * this connector's owner annotation and Harness has that token active: its value from the Secret,
 * its name found in Harness by the value (compared there, never stored). Undefined otherwise: a
 * token is minted. Not the chart's Secret (the chart's token is the user's, never ours to revoke).
 */
async function runningInstallToken(
    run: RunContext,
    kube: KubeClient,
    client: HarnessClient,
    name: string,
): Promise<PreviousInstall | undefined> {
    const ref = {
        kind: "Secret" as const,
        name: installNames(name).tokenSecret,
        namespace: run.inputs.delegate!.namespace,
    };
    const live = await objectApi(kube).read(ref);
    const encoded = live?.data?.DELEGATE_TOKEN;
    if (!encoded || ownerAnnotation(live) !== run.ownerName) return undefined;
    const value = Buffer.from(encoded, "base64").toString();
    const found = await activeTokenWithValue(client, harnessScope(run.inputs), value);
    if (!found) return undefined;
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const state = {
        name,
        tokenName: found.name,
        tokenMintedAt: iso(found.createdAt) ?? new Date().toISOString(),
        ...(found.revokeAfter !== undefined ? { tokenExpiresAt: iso(found.revokeAfter) } : {}),
    };
    return { state: state as InstalledDelegateState, token: value };
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
 * back, should a later step fail. The objects are written as the provisioner (the identity's
 * maker); a token a rotation replaced is retired once the whole run has succeeded.
 */
export async function installDelegate(
    run: RunContext,
    previous?: PreviousInstall,
    options: { purgeRetry?: PurgeRetry } = {},
): Promise<InstalledDelegate> {
    const { inputs, identifier, ownerName: owner } = run;
    const steps: Steps = run;
    const settings = inputs.delegate!.install!;
    const identity = installIdentity(settings, identifier);
    const scope = harnessScope(inputs);
    const { client, access } = run.harness();
    const kube = await run.kube(run.provisionerCredential);
    const prev = previous?.state?.name === identity.name ? previous : undefined;

    // 1. The image: as given, else the one installed before (the upgrader moves it on), else Harness's latest.
    const image = settings.image ?? prev?.state?.image ?? (await latestDelegateImage(client, scope)).image;

    // 2. The token: the user's Secret (read, never written: it must hold DELEGATE_TOKEN before
    // anything is written), else kept while it has life left, else minted (undone: revoked and
    // purged). A record without it (one `pulumi import` made) keeps the token the running install
    // of this connector uses.
    const existingSecret = settings.token.existingSecret;
    const namespace = inputs.delegate!.namespace;
    const tokenSecret = existingSecret
        ? (await requireTokenSecret(kube, namespace, existingSecret)).version
        : undefined;
    const held = existingSecret
        ? undefined
        : prev?.token
          ? prev
          : await runningInstallToken(run, kube, client, identity.name);
    let token = held?.token;
    let tokenName = held?.state?.tokenName;
    let tokenExpiresAt = held?.state?.tokenExpiresAt;
    let tokenMintedAt = held?.state?.tokenMintedAt;
    const rotating =
        !existingSecret &&
        (!token || !tokenName || tokenRotationDue(settings, identity.name, held?.state as InstalledDelegateState));
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
            throw connectorError(
                "DELEGATE_TOKEN_NOT_FOUND",
                `Harness minted delegate token "${made}" but answered no value for it`,
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
            ...(tokenSecret
                ? { existingTokenSecret: tokenSecret.name, tokenSecretVersion: tokenSecretVersionText(tokenSecret) }
                : {}),
        });
    if (prev?.state?.tokenName && prev.token && (rotating || existingSecret)) {
        const before = planDelegateInstall(
            installFacts(inputs, {
                identity,
                image: prev.state.image,
                tokenName: prev.state.tokenName,
                accountId: access.accountId,
                endpoint: access.endpoint,
                owner,
                proxyCredentialsChangedAt: prev.state.proxyCredentialsChangedAt,
            }),
            prev.state.tokenName,
        );
        const beforeSecrets = installSecrets(settings, prev.token);
        steps.made(
            `the delegate's objects as they were (token ${prev.state.tokenName})`,
            { cluster: "Deployment" },
            () => applyDelegateInstall(kube, before, beforeSecrets, owner, new Steps()).then(() => undefined),
        );
    }
    // With the user's Secret, its name stands for the token's (`checksum/delegate-token`); its version rolls the pods.
    const tokenChecksum = tokenSecret?.name ?? tokenName!;
    const objects = planDelegateInstall(ownerFacts(tokenChecksum, image, credentialsChangedAt), tokenChecksum);
    // A delegate the chart installed under these names is taken over in place (delegate.adopt).
    const release = inputs.delegate!.adopt ? await chartReleaseOf(kube, objects) : undefined;
    const refs = await applyDelegateInstall(kube, objects, installSecrets(settings, token), owner, steps, {
        previous: previous?.state?.objects,
        adopt: inputs.delegate!.adopt,
    });

    // 4. Connected, bounded by waitSeconds and the overall deadline; after a rotation, with the new token.
    // Without a token of ours (the user's Secret), by its name and tags only.
    const timeoutMs = boundedMs(settings.waitSeconds * 1000);
    const started = Date.now();
    const connection = await explainedByPods(kube, namespace, identity.name, () =>
        // With its declared tags: after a change of them, the rolled pods must have registered.
        waitForDelegateConnected(client, scope, identity.name, {
            timeoutMs,
            pollMs: 1000,
            tokenName,
            tags: identity.tags,
        }),
    );
    // The token replaced: the one recorded (or found running), or, moving to the user's Secret, the one minted before.
    const replaced = (existingSecret ? prev : held)?.state?.tokenName;
    const oldToken = (rotating || existingSecret) && replaced !== tokenName ? replaced : undefined;
    // Moved to the user's Secret: the token minted before goes once the run succeeded (no name to wait on).
    if (oldToken && tokenName)
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
        ...(tokenName ? { tokenName } : {}),
        ...(tokenExpiresAt ? { tokenExpiresAt } : {}),
        ...(tokenMintedAt ? { tokenMintedAt } : {}),
        ...(tokenSecret ? { tokenSecret } : {}),
        ...(credentialsChangedAt ? { proxyCredentialsChangedAt: credentialsChangedAt } : {}),
        connected: true,
        lastHeartbeat: new Date(connection.lastHeartbeat).toISOString(),
        objects: refs,
        drift: [],
    };
    // What only the chart made goes once everything succeeded: the new pods are connected by then.
    if (release) {
        const keep = existingSecret ? [{ kind: "Secret" as const, name: existingSecret, namespace }] : [];
        run.onSuccess(async () => [await removeChartRelease(kube, release, keep)]);
    }
    // Revoking first would disconnect the delegate at once: the old token goes only when all else succeeded.
    if (oldToken)
        run.onSuccess(() => retireReplacedToken(() => retireToken(client, scope, oldToken, options.purgeRetry)));
    return { state, ...(token !== undefined ? { token } : {}) };
}

/**
 * Retires the delegate token a rotation replaced, once the run has succeeded. Its failure undoes
 * nothing (the delegate runs with the new token): a warning says what to do.
 */
async function retireReplacedToken(retire: () => Promise<string[]>): Promise<string[]> {
    try {
        return await retire();
    } catch (e) {
        return [
            `the delegate token a rotation replaced was not revoked (${(e as Error).message}): the delegate runs with the new one; revoke the old one in Harness (Account Settings > Delegates > Tokens), or run \`pulumi up\` again`,
        ];
    }
}
