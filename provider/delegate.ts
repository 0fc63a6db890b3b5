// The imperative shell around planDelegateRbac: makes the delegate's objects in order, undoes
// what it made when a later step fails, inspects them for drift, and removes them.
import { ConnectorError } from "./errors";
import { DesiredObject, describeRef, MANAGED_BY, MANAGED_BY_LABEL, ObjectRef, OWNER_ANNOTATION, planDelegateRbac, sameRules, staleObjects, tokenNeedsRenewal } from "./delegatePlan";
import type { KubeClient } from "./kubeClient";
import type { DelegateState } from "./reports";
import type { PolicyRule } from "./permissions";
import type { DelegateSettings } from "./types";

export type { DelegateState } from "./reports";

/** The result of provisioning: the state, the token, and a way to undo what this run made. */
export interface Provisioned {
    state: DelegateState;
    token?: string;
    /** Removes, in reverse order, the objects this run created; returns what could not be removed. */
    undo(): Promise<string[]>;
}

/** The fields of a live object the delegate code reads. */
interface Obj {
    metadata?: { name?: string; annotations?: Record<string, string> };
    status?: { phase?: string };
    rules?: PolicyRule[];
    roleRef?: { kind: string; name: string };
    subjects?: { kind: string; name: string; namespace?: string }[];
    data?: Record<string, string>;
}

function is404(e: unknown): boolean {
    return (e as ConnectorError)?.httpStatus === 404;
}

/** The API path of a kind's collection (namespaced kinds in `namespace`). */
function collectionPath(kind: ObjectRef["kind"], namespace?: string): string {
    const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
    switch (kind) {
        case "Namespace": return "/api/v1/namespaces";
        case "ServiceAccount": return `/api/v1${ns}/serviceaccounts`;
        case "Secret": return `/api/v1${ns}/secrets`;
        case "Role": return `/apis/rbac.authorization.k8s.io/v1${ns}/roles`;
        case "RoleBinding": return `/apis/rbac.authorization.k8s.io/v1${ns}/rolebindings`;
        case "ClusterRole": return "/apis/rbac.authorization.k8s.io/v1/clusterroles";
        case "ClusterRoleBinding": return "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings";
    }
}

/** Read, create, replace and delete of one object, with the client's deadline. */
function objectApi(client: KubeClient) {
    const objectPath = (ref: ObjectRef) => `${collectionPath(ref.kind, ref.namespace)}/${encodeURIComponent(ref.name)}`;
    return {
        async read(ref: ObjectRef): Promise<Obj | undefined> {
            try {
                return await client.request<Obj>(`get ${describeRef(ref)}`, "GET", objectPath(ref));
            } catch (e) {
                if (is404(e)) return undefined;
                throw e;
            }
        },
        create(ref: ObjectRef, body: unknown): Promise<unknown> {
            return client.request(`create ${describeRef(ref)}`, "POST", collectionPath(ref.kind, ref.namespace), body);
        },
        replace(ref: ObjectRef, body: unknown): Promise<unknown> {
            return client.request(`update ${describeRef(ref)}`, "PUT", objectPath(ref), body);
        },
        async remove(ref: ObjectRef): Promise<void> {
            try {
                await client.request(`delete ${describeRef(ref)}`, "DELETE", objectPath(ref));
            } catch (e) {
                if (!is404(e)) throw e; // already gone is fine
            }
        },
    };
}

function metadataFor(ref: ObjectRef, owner: string, extra: Record<string, string> = {}) {
    return { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}), labels: { [MANAGED_BY_LABEL]: MANAGED_BY }, annotations: { [OWNER_ANNOTATION]: owner, ...extra } };
}

/** The full manifest of a desired object. */
function manifest(d: DesiredObject, owner: string): any {
    const apiVersion = d.kind.includes("Role") ? "rbac.authorization.k8s.io/v1" : "v1";
    const base = { apiVersion, kind: d.kind };
    if (d.kind === "Secret") {
        return { ...base, type: "kubernetes.io/service-account-token", metadata: metadataFor(d, owner, { "kubernetes.io/service-account.name": d.serviceAccount! }) };
    }
    const body: any = { ...base, metadata: metadataFor(d, owner) };
    if (d.rules) body.rules = d.rules;
    if (d.roleRef) body.roleRef = { apiGroup: "rbac.authorization.k8s.io", ...d.roleRef };
    if (d.subjects) body.subjects = d.subjects;
    return body;
}

const ownerOf = (o: Obj | undefined) => o?.metadata?.annotations?.[OWNER_ANNOTATION];

/** Whether a live binding refers to another role than the desired one (roleRef cannot change in place). */
function otherRoleRef(live: Obj, d: DesiredObject): boolean {
    return !!d.roleRef && (live.roleRef?.kind !== d.roleRef.kind || live.roleRef?.name !== d.roleRef.name);
}

/** What differs between a live object and the desired one (empty when nothing does). */
function differences(live: Obj, d: DesiredObject): string[] {
    const out: string[] = [];
    if (d.rules && !sameRules(live.rules, d.rules)) out.push(`${describeRef(d)} has rules other than the ones declared`);
    if (d.roleRef && otherRoleRef(live, d)) out.push(`${describeRef(d)} binds ${live.roleRef?.kind} ${live.roleRef?.name}, not ${d.roleRef.kind} ${d.roleRef.name}`);
    if (d.subjects) {
        const has = (live.subjects ?? []).some((s) => s.kind === "ServiceAccount" && s.name === d.subjects![0].name && s.namespace === d.subjects![0].namespace);
        if (!has || (live.subjects ?? []).length !== 1) out.push(`${describeRef(d)} has subjects other than ServiceAccount ${d.subjects[0].namespace}/${d.subjects[0].name}`);
    }
    if (d.kind === "Secret" && !live.data?.token) out.push(`${describeRef(d)} holds no token`);
    return out;
}

/** Turns a refused RBAC request into the escalation error, naming what is missing. */
function explainRefusal(e: unknown, ref: ObjectRef): unknown {
    const err = e as ConnectorError;
    const said = err.kubernetesMessage ?? "";
    if (err.code === "FORBIDDEN_NAMESPACE" && /attempting to grant RBAC permissions not currently held|attempt to grant extra privileges|cannot bind|escalat/i.test(said)) {
        return new ConnectorError("RBAC_ESCALATION", `the provisioner may not create ${describeRef(ref)}: Kubernetes refuses to let an identity grant rights it does not hold (RBAC escalation prevention)`,
            `Give the provisioner the rights listed by Kubernetes, or the \`${ref.kind.endsWith("Binding") ? "bind" : "escalate"}\` verb on ${ref.kind.endsWith("Binding") ? "the role it binds" : "roles"}, or use a provisioner credential with cluster-admin (delegate.provisioner)`, said);
    }
    return e;
}

async function waitForToken(api: ReturnType<typeof objectApi>, ref: ObjectRef, waitSeconds: number): Promise<string> {
    const deadline = Date.now() + waitSeconds * 1000;
    // The token controller usually fills the Secret within milliseconds: poll soon, then back off.
    for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
        const s = await api.read(ref);
        if (s?.data?.token) return Buffer.from(s.data.token, "base64").toString("utf8");
        if (Date.now() >= deadline) {
            throw new ConnectorError("TOKEN_TIMEOUT", `the token controller did not fill ${describeRef(ref)} within ${waitSeconds} s`,
                "Check that kube-controller-manager runs with the service-account token controller (and --service-account-private-key-file), raise delegate.tokenWaitSeconds, or use token: \"bound\"");
        }
        await new Promise((r) => setTimeout(r, pause));
    }
}

/**
 * Makes (or brings back to what is declared) the delegate's namespace, ServiceAccount, roles,
 * bindings and token, in that order; removes objects of `previous` no longer declared. If a step
 * fails, what this run created is removed in reverse order and the original error is thrown.
 */
export async function provisionDelegate(client: KubeClient, settings: DelegateSettings, owner: string, previous?: { state?: DelegateState; token?: string }): Promise<Provisioned> {
    const plan = planDelegateRbac(settings);
    const api = objectApi(client);
    const created: ObjectRef[] = [];
    const undo = async (): Promise<string[]> => {
        const left: string[] = [];
        for (const ref of [...created].reverse()) {
            try {
                await api.remove(ref);
            } catch {
                left.push(describeRef(ref));
            }
        }
        created.length = 0;
        return left;
    };
    try {
        const nsRef: ObjectRef = { kind: "Namespace", name: plan.namespace };
        let createdNamespace = previous?.state?.createdNamespace === true && previous.state.namespace === plan.namespace;
        let ns = await api.read(nsRef);
        if (ns?.status?.phase === "Terminating") {
            // A namespace being deleted (often by the connector that had it before) accepts nothing new: wait it out.
            const until = Date.now() + 120_000;
            while (ns && Date.now() < until) {
                await new Promise((r) => setTimeout(r, 250));
                ns = await api.read(nsRef);
            }
            if (ns) {
                throw new ConnectorError("NAMESPACE_TERMINATING", `namespace ${plan.namespace} is still being deleted after 120 s`,
                    "Wait until it is gone (kubectl get namespace shows what holds it: finalizers or objects), or choose another delegate.namespace");
            }
        }
        if (!ns) {
            if (!plan.createNamespace) {
                throw new ConnectorError("NAMESPACE_MISSING", `namespace ${plan.namespace} does not exist`, "Create it, or leave delegate.createNamespace unset (true) so the connector creates it");
            }
            await api.create(nsRef, { apiVersion: "v1", kind: "Namespace", metadata: metadataFor(nsRef, owner) });
            created.push(nsRef);
            createdNamespace = true;
        }
        for (const d of plan.objects) {
            const live = await api.read(d);
            const body = manifest(d, owner);
            if (!live) {
                await api.create(d, body).catch((e) => Promise.reject(explainRefusal(e, d)));
                created.push({ kind: d.kind, name: d.name, namespace: d.namespace });
                continue;
            }
            const liveOwner = ownerOf(live);
            if (liveOwner !== owner && !settings.adopt) {
                throw new ConnectorError("OWNERSHIP_CONFLICT", `${describeRef(d)} exists and is not this connector's (${liveOwner ? `it belongs to ${liveOwner}` : "it was not made by this tool"})`,
                    "Choose another delegate.serviceAccountName or namespace, or set delegate.adopt: true to take the object over");
            }
            const diffs = differences(live, d);
            if (liveOwner !== owner || (diffs.length && d.kind !== "Secret")) {
                if (live.roleRef && otherRoleRef(live, d)) {
                    await api.remove(d);
                    await api.create(d, body).catch((e) => Promise.reject(explainRefusal(e, d)));
                } else {
                    await api.replace(d, { ...live, ...body, metadata: { ...live.metadata, ...body.metadata } }).catch((e) => Promise.reject(explainRefusal(e, d)));
                }
            }
            if (d.kind === "Secret" && diffs.length && live.data && Object.keys(live.data).length === 0) {
                // An emptied token Secret: make it again so the token controller fills it.
                await api.remove(d);
                await api.create(d, body);
            }
        }

        let token: string | undefined;
        let tokenExpiresAt: string | undefined;
        let tokenIssuedAt: string | undefined;
        if (plan.tokenSecretName) {
            token = await waitForToken(api, { kind: "Secret", name: plan.tokenSecretName, namespace: plan.namespace }, settings.tokenWaitSeconds);
        } else if (settings.token === "bound") {
            const prev = previous?.state;
            const sameIdentity = prev && prev.namespace === plan.namespace && prev.serviceAccountName === plan.serviceAccountName;
            if (sameIdentity && previous?.token && !tokenNeedsRenewal(prev.tokenIssuedAt, prev.tokenExpiresAt, settings.tokenRenewFraction)) {
                ({ token } = previous);
                ({ tokenExpiresAt, tokenIssuedAt } = prev);
            } else {
                tokenIssuedAt = new Date().toISOString();
                const tr = await client.request(`create token for ServiceAccount ${plan.namespace}/${plan.serviceAccountName}`, "POST",
                    `/api/v1/namespaces/${encodeURIComponent(plan.namespace)}/serviceaccounts/${encodeURIComponent(plan.serviceAccountName)}/token`,
                    { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { audiences: [], expirationSeconds: settings.tokenExpirationSeconds } });
                token = tr.status?.token;
                // The server may shorten the lifetime: record what it said.
                tokenExpiresAt = new Date(tr.status?.expirationTimestamp).toISOString();
            }
        }

        // Objects declared before and not now: new identity first, then the old one goes.
        for (const ref of staleObjects(previous?.state?.objects ?? [], plan.objects)) {
            const live = await api.read(ref);
            if (live && ownerOf(live) === owner) await api.remove(ref);
        }
        if (previous?.state?.createdNamespace && previous.state.namespace !== plan.namespace) {
            await removeNamespaceIfEmpty(client, previous.state.namespace, owner);
        }

        const state: DelegateState = {
            namespace: plan.namespace,
            serviceAccountName: plan.serviceAccountName,
            roleKind: plan.roleKind,
            roleNames: plan.roleNames,
            bindingNames: plan.bindingNames,
            tokenSecretName: plan.tokenSecretName,
            tokenExpiresAt,
            tokenIssuedAt,
            createdNamespace,
            objects: plan.objects.map((o) => ({ kind: o.kind, name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}) })),
            drift: [],
        };
        return { state, token, undo };
    } catch (e) {
        const left = await undo();
        if (left.length) {
            const err = e as Error;
            throw new ConnectorError("ROLLBACK_INCOMPLETE", `${err.message.replace(/\.$/, "")}; undoing what was made left: ${left.join(", ")}`,
                "Run `pulumi up` again when the cluster answers: the connector takes over what is left (it carries this connector's owner annotation)");
        }
        throw e;
    }
}

/** What differs between the cluster and the recorded delegate: missing or edited objects, an empty token Secret. */
export async function inspectDelegate(client: KubeClient, settings: DelegateSettings, owner: string): Promise<string[]> {
    const api = objectApi(client);
    const drift: string[] = [];
    for (const d of planDelegateRbac(settings).objects) {
        const live = await api.read(d);
        if (!live) drift.push(`${describeRef(d)} is missing`);
        else if (ownerOf(live) !== owner) drift.push(`${describeRef(d)} is no longer this connector's`);
        else drift.push(...differences(live, d));
    }
    return drift;
}

const NAMESPACE_CONTENT = ["pods", "services", "configmaps", "secrets", "serviceaccounts"] as const;

/** Deletes a namespace this connector made, only when nothing else lives in it. */
async function removeNamespaceIfEmpty(client: KubeClient, namespace: string, owner: string): Promise<boolean> {
    const api = objectApi(client);
    const ns = await api.read({ kind: "Namespace", name: namespace });
    if (!ns || ownerOf(ns) !== owner) return false;
    const lists = await Promise.all(NAMESPACE_CONTENT.map((kind) =>
        client.request<{ items: Obj[] }>(`list ${kind} in ${namespace}`, "GET", `/api/v1/namespaces/${encodeURIComponent(namespace)}/${kind}`)));
    // What Kubernetes puts in every namespace does not count.
    const others = lists.some((list, i) => list.items.some((o) => !(NAMESPACE_CONTENT[i] === "configmaps" && o.metadata?.name === "kube-root-ca.crt") && !(NAMESPACE_CONTENT[i] === "serviceaccounts" && o.metadata?.name === "default")));
    if (others) return false;
    await api.remove({ kind: "Namespace", name: namespace });
    return true;
}

/** Removes the delegate's objects in reverse order; objects already gone or not this connector's are left alone. */
export async function removeDelegate(client: KubeClient, state: DelegateState, owner: string): Promise<void> {
    const api = objectApi(client);
    for (const ref of [...state.objects].reverse()) {
        const live = await api.read(ref);
        if (live && ownerOf(live) === owner) await api.remove(ref);
    }
    if (state.createdNamespace) await removeNamespaceIfEmpty(client, state.namespace, owner);
}
