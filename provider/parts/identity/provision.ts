// The imperative shell around planDelegateRbac, read as the steps `argocd cluster add` takes:
// ensure the namespace → the ServiceAccount → the roles → the bindings → the token → remove what is
// no longer declared. Each step records in the run's Steps what it created; when a later step (here,
// or the connection test and Harness after it) fails, the run undoes that in reverse order.
import { boundedMs } from "../../deadline";
import { ConnectorError, connectorError } from "../../errors";
import type { DelegateSettings } from "../../inputs/types";
import { type ObjectApi, objectApi } from "../../kube/objectApi";
import { differences, manifest, otherRoleRef, ownerAnnotation } from "../../kube/objects";
import { createOwned, ensureOwned, type OwnedObject, type OwnedRun, removeOwned } from "../../kube/owned";
import { type DesiredObject, describeRef, type ObjectKind, type ObjectRef, staleObjects } from "../../kube/refs";
import { pollUntil } from "../../poll";
import type { Steps } from "../../steps";
import type { KubeClient } from "../../transport/kubeClient";
import { type DelegatePlan, planDelegateRbac, tokenNeedsRenewal } from "./plan";
import type { IdentityState } from "./record";
import { removeNamespaceIfEmpty } from "./remove";

/** The result of provisioning: the state and the token (what it made is in the run's Steps). */
export interface Provisioned {
    state: IdentityState;
    token?: string;
}

/** What the connector had provisioned before this run. */
export interface PreviousDelegate {
    state?: IdentityState;
    token?: string;
}

/** One provisioning run: the writes of owned objects, with the client (for the token) and the settings. */
interface ProvisionRun extends OwnedRun {
    client: KubeClient;
    settings: DelegateSettings;
}

/** The token the run ends with, and for bound tokens when it was issued and expires. */
interface IssuedToken {
    token?: string;
    tokenIssuedAt?: string;
    tokenExpiresAt?: string;
}

const NAMESPACE_TERMINATING_WAIT_MS = 120_000;

/**
 * Makes (or brings back to what is declared) the delegate's namespace, ServiceAccount, roles,
 * bindings and token, in that order; removes objects of `previous` no longer declared. Each object
 * created is recorded in `steps`, which removes them in reverse order when this or a later step fails.
 */
export async function provisionDelegate(
    client: KubeClient,
    settings: DelegateSettings,
    owner: string,
    steps: Steps,
    previous: PreviousDelegate = {},
): Promise<Provisioned> {
    const plan = planDelegateRbac(settings);
    const run: ProvisionRun = { client, api: objectApi(client), owner, adopt: settings.adopt, settings, steps };
    const createdNamespace = await ensureNamespace(run, plan, previous.state);
    await ensureObjects(run, objectsOf(plan, "ServiceAccount"));
    await ensureObjects(run, objectsOf(plan, "Role", "ClusterRole"));
    await ensureObjects(run, objectsOf(plan, "RoleBinding", "ClusterRoleBinding"));
    const token = await issueToken(run, plan, previous);
    await removeStale(run, plan, previous.state);
    const state: IdentityState = {
        namespace: plan.namespace,
        serviceAccountName: plan.serviceAccountName,
        roleKind: plan.roleKind,
        roleNames: plan.roleNames,
        bindingNames: plan.bindingNames,
        tokenSecretName: plan.tokenSecretName,
        tokenExpiresAt: token.tokenExpiresAt,
        tokenIssuedAt: token.tokenIssuedAt,
        createdNamespace,
        objects: plan.objects.map((o) => ({
            kind: o.kind,
            name: o.name,
            ...(o.namespace ? { namespace: o.namespace } : {}),
        })),
        drift: [],
    };
    return { state, token: token.token };
}

function objectsOf(plan: DelegatePlan, ...kinds: ObjectKind[]): DesiredObject[] {
    return plan.objects.filter((o) => kinds.includes(o.kind));
}

/** Step 1: the namespace, created when missing (and allowed); waits out one being deleted. Returns whether this connector made it. */
async function ensureNamespace(
    run: ProvisionRun,
    plan: DelegatePlan,
    previous: IdentityState | undefined,
): Promise<boolean> {
    const ref: ObjectRef = { kind: "Namespace", name: plan.namespace };
    // A namespace being deleted (often by the connector that had it before) accepts nothing new: wait it out.
    const seen = await pollUntil(
        async () => {
            const ns = await run.api.read(ref);
            return ns?.status?.phase === "Terminating" ? { done: false } : { done: true, value: ns };
        },
        { deadline: Date.now() + NAMESPACE_TERMINATING_WAIT_MS, intervalMs: 250 },
    );
    if (!seen.done) {
        throw connectorError(
            "NAMESPACE_TERMINATING",
            `namespace ${plan.namespace} is still being deleted after ${NAMESPACE_TERMINATING_WAIT_MS / 1000} s`,
        );
    }
    const ns = seen.value;
    // Made for this connector: by an earlier run (recorded), or by a failed one whose rollback could not remove it (its owner annotation).
    if (ns)
        return (
            (previous?.createdNamespace === true && previous.namespace === plan.namespace) ||
            ownerAnnotation(ns) === run.owner
        );
    if (!plan.createNamespace) {
        throw connectorError("NAMESPACE_MISSING", `namespace ${plan.namespace} does not exist`);
    }
    await createOwned(run.api, owned(run, { kind: "Namespace", name: plan.namespace }), run.steps);
    return true;
}

/** Steps 2–4 (and the long-lived token's Secret): each object created, or brought back to what is declared. */
async function ensureObjects(run: ProvisionRun, objects: DesiredObject[]): Promise<void> {
    for (const d of objects) await ensureObject(run, d);
}

async function ensureObject(run: ProvisionRun, d: DesiredObject): Promise<void> {
    await ensureOwned(run.api, owned(run, d), run.owner, run.steps, {
        adopt: run.adopt,
        conflictFacts: "Its name comes from `delegate.serviceAccountName` and `delegate.namespace`",
        // A token Secret's data is the token controller's: it is not compared.
        differs: (live) => d.kind !== "Secret" && differences(live, d).length > 0,
        // roleRef cannot change in place: the binding is made again; so is an emptied token Secret,
        // for the token controller to fill it.
        remake: (live) =>
            (!!live.roleRef && otherRoleRef(live, d)) ||
            (d.kind === "Secret" && !!live.data && Object.keys(live.data).length === 0),
    });
}

/** A desired object as the one upsert writes it: its ref and manifest. */
function owned(run: ProvisionRun, d: DesiredObject): OwnedObject {
    const ref: ObjectRef = { kind: d.kind, name: d.name, ...(d.namespace ? { namespace: d.namespace } : {}) };
    return { ref, body: manifest(d, run.owner) };
}

/** Step 5: the token: a long-lived Secret filled by the token controller, or a bound token (kept while it has life left). */
async function issueToken(run: ProvisionRun, plan: DelegatePlan, previous: PreviousDelegate): Promise<IssuedToken> {
    if (plan.tokenSecretName) {
        await ensureObjects(run, objectsOf(plan, "Secret"));
        return {
            token: await waitForTokenSecret(
                run.api,
                { kind: "Secret", name: plan.tokenSecretName, namespace: plan.namespace },
                run.settings.tokenWaitSeconds,
            ),
        };
    }
    if (run.settings.token !== "bound") return {};
    const prev = previous.state;
    const sameIdentity =
        prev && prev.namespace === plan.namespace && prev.serviceAccountName === plan.serviceAccountName;
    if (
        sameIdentity &&
        previous.token &&
        !tokenNeedsRenewal(prev.tokenIssuedAt, prev.tokenExpiresAt, run.settings.tokenRenewFraction)
    ) {
        return { token: previous.token, tokenIssuedAt: prev.tokenIssuedAt, tokenExpiresAt: prev.tokenExpiresAt };
    }
    const tokenIssuedAt = new Date().toISOString();
    const tr = await run.client.request(
        `create token for ServiceAccount ${plan.namespace}/${plan.serviceAccountName}`,
        "POST",
        `/api/v1/namespaces/${encodeURIComponent(plan.namespace)}/serviceaccounts/${encodeURIComponent(plan.serviceAccountName)}/token`,
        {
            apiVersion: "authentication.k8s.io/v1",
            kind: "TokenRequest",
            spec: { audiences: [], expirationSeconds: run.settings.tokenExpirationSeconds },
        },
    );
    // The server may shorten the lifetime: record what it said.
    return {
        token: tr.status?.token,
        tokenIssuedAt,
        tokenExpiresAt: new Date(tr.status?.expirationTimestamp).toISOString(),
    };
}

/** Waits until the token controller has filled the Secret at `ref`; resolves to the token. */
async function waitForTokenSecret(api: ObjectApi, ref: ObjectRef, waitSeconds: number): Promise<string> {
    const seen = await pollUntil<string>(
        async () => {
            const s = await api.read(ref);
            return s?.data?.token
                ? { done: true, value: Buffer.from(s.data.token, "base64").toString("utf8") }
                : { done: false };
        },
        // The token controller usually fills the Secret within milliseconds: poll soon, then back off.
        { deadline: Date.now() + boundedMs(waitSeconds * 1000), intervalMs: (n) => Math.min(10 * 2 ** (n - 1), 200) },
    );
    if (seen.done) return seen.value;
    throw connectorError(
        "TOKEN_TIMEOUT",
        `the token controller did not fill ${describeRef(ref)} within ${waitSeconds} s`,
    );
}

/** Step 6: objects declared before and not now (the new identity exists first), and a namespace this connector made and left. */
async function removeStale(run: ProvisionRun, plan: DelegatePlan, previous: IdentityState | undefined): Promise<void> {
    for (const ref of staleObjects(previous?.objects ?? [], plan.objects)) {
        await removeOwned(run.api, ref, run.owner);
    }
    if (previous?.createdNamespace && previous.namespace !== plan.namespace) {
        await removeNamespaceIfEmpty(run.api, previous.namespace, run.owner);
    }
}
