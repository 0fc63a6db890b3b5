// The imperative shell around planDelegateInstall: writes the install's objects in the plan's order
// (each one created is recorded in the run's Steps, which removes it should a later step fail),
// brings edited ones back, removes what the previous install had and this one does not; reads
// them back for drift; removes them in reverse order. Secret values are filled here, from
// `InstallSecrets`, and never leave this module in a message.

import { objectApi } from "../../kube/objectApi";
import { type LiveObject, ownerAnnotation } from "../../kube/objects";
import { ensureOwned, type OwnedRun, removeOwned } from "../../kube/owned";
import { describeRef, type ObjectRef, OWNER_ANNOTATION as OWNER, staleObjects } from "../../kube/refs";
import type { Steps } from "../../steps";
import type { KubeClient } from "../../transport/kubeClient";
import type { InstallObject, SecretEntry, SecretValueSource } from "./plan";

/** The secret values an install's Secrets hold. */
export type InstallSecrets = Partial<Record<SecretValueSource, string>>;

/** What differs between the cluster and an install: an object missing, edited, or no longer this connector's. */
export type InstallDrift =
    | { kind: "missing"; ref: ObjectRef }
    | { kind: "changed"; ref: ObjectRef; at: string }
    | { kind: "notOurs"; ref: ObjectRef; owner?: string };

/** A drift entry as text (the `drift` output's wording). */
export function renderInstallDrift(d: InstallDrift): string {
    const what = describeRef(d.ref);
    if (d.kind === "missing") return `${what} is missing`;
    if (d.kind === "changed") return `${what} differs from what is declared at ${d.at}`;
    return `${what} is no longer this connector's`;
}

const refOf = (o: InstallObject): ObjectRef => ({ kind: o.kind, name: o.name, namespace: o.namespace });

/** A Secret entry's text from the secrets, or undefined when one it needs is not given. */
function entryText(entry: SecretEntry, secrets: InstallSecrets | undefined): string | undefined {
    if (typeof entry === "string") return secrets?.[entry];
    let text = "";
    for (const part of entry.parts) {
        if (typeof part === "string") text += part;
        else {
            const value = secrets?.[part.quoted];
            if (value === undefined) return undefined;
            text += JSON.stringify(value);
        }
    }
    return text;
}

/** The manifest with its Secret entries filled (beside the public `data` the plan holds), and the owner annotation. */
function bodyOf(o: InstallObject, secrets: InstallSecrets | undefined, owner: string): Record<string, any> {
    const m = o.manifest as Record<string, any>;
    const metadata = { ...m.metadata, annotations: { ...m.metadata.annotations, [OWNER]: owner } };
    if (!o.secretValues) return { ...m, metadata };
    const data: Record<string, string> = { ...m.data };
    for (const [key, entry] of Object.entries(o.secretValues)) {
        const value = entryText(entry, secrets);
        if (value !== undefined) data[key] = Buffer.from(value, "utf8").toString("base64");
    }
    return { ...m, metadata, data };
}

/**
 * Where `live` differs from `desired` (the fields the manifest sets; what the server adds is not
 * compared), as a dotted path, or undefined when it holds everything desired.
 */
export function firstDifference(live: unknown, desired: unknown, at = ""): string | undefined {
    if (Array.isArray(desired)) {
        if (!Array.isArray(live) || live.length !== desired.length) return at || ".";
        for (let i = 0; i < desired.length; i++) {
            const d = firstDifference(live[i], desired[i], `${at}[${i}]`);
            if (d) return d;
        }
        return undefined;
    }
    if (desired && typeof desired === "object") {
        if (!live || typeof live !== "object") return at || ".";
        for (const [k, v] of Object.entries(desired)) {
            if (v === undefined) continue;
            const d = firstDifference((live as Record<string, unknown>)[k], v, at ? `${at}.${k}` : k);
            if (d) return d;
        }
        return undefined;
    }
    if (live === desired || String(live) === String(desired)) return undefined;
    const [l, d] = [quantity(live), quantity(desired)];
    return l !== undefined && l === d ? undefined : at || ".";
}

const SUFFIX: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
};

/** A Kubernetes quantity's value (the API server rewrites `2048Mi` as `2Gi`), or undefined. */
function quantity(v: unknown): number | undefined {
    const m = typeof v === "string" ? /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(v) : undefined;
    return m ? Number(m[1]) * (m[2] ? SUFFIX[m[2]] : 1) : undefined;
}

/** The parts of a body compared with the live object: everything but metadata beyond labels and our annotation. */
function comparable(body: Record<string, any>): Record<string, unknown> {
    const { metadata, apiVersion: _a, kind: _k, ...rest } = body;
    return { metadata: { labels: metadata.labels, annotations: { [OWNER]: metadata.annotations[OWNER] } }, ...rest };
}

/**
 * Writes the install's objects in order: creates what is missing (recorded in `steps`), replaces
 * what differs (a changed token Secret and the Deployment's checksum roll the pods), refuses an
 * object of another owner unless `adopt`; then removes the objects of `previous` no longer
 * planned. Resolves to the refs of what is installed, for the record.
 */
export async function applyDelegateInstall(
    client: KubeClient,
    objects: readonly InstallObject[],
    secrets: InstallSecrets,
    owner: string,
    steps: Steps,
    options: { previous?: readonly ObjectRef[]; adopt?: boolean } = {},
): Promise<ObjectRef[]> {
    const run: OwnedRun = { api: objectApi(client), owner, adopt: options.adopt ?? false, steps };
    for (const o of objects) await ensureInstallObject(run, o, bodyOf(o, secrets, owner));
    const refs = objects.map(refOf);
    for (const ref of staleObjects(options.previous ?? [], refs)) await removeOwned(run.api, ref, owner);
    return refs;
}

async function ensureInstallObject(run: OwnedRun, o: InstallObject, body: Record<string, any>): Promise<void> {
    await ensureOwned(run.api, { ref: refOf(o), body }, run.owner, run.steps, {
        adopt: run.adopt,
        conflictFacts:
            "Its name comes from `delegate.install.name`; or remove the object. A delegate Helm's chart installed: see docs/delegate-install.md, Coming from the Helm chart",
        fit: (live, wanted) => (o.kind === "Deployment" ? keepSelector(live, wanted) : wanted),
        differs: (live, wanted) =>
            firstDifference(live, comparable(wanted)) !== undefined || (o.kind === "Secret" && !sameData(live, wanted)),
    });
}

/**
 * A Deployment's body with the live Deployment's selector, which cannot change (a Deployment the
 * chart made selects `app.kubernetes.io/instance` too): the pods it makes carry those labels as
 * well, so the rollout replaces the chart's pods one by one and the delegate stays connected.
 */
function keepSelector(live: LiveObject, body: Record<string, any>): Record<string, any> {
    const selector = (live as { spec?: { selector?: { matchLabels?: Record<string, string> } } }).spec?.selector;
    if (!selector?.matchLabels) return body;
    const template = body.spec.template;
    return {
        ...body,
        spec: {
            ...body.spec,
            selector,
            template: {
                ...template,
                metadata: { ...template.metadata, labels: { ...selector.matchLabels, ...template.metadata?.labels } },
            },
        },
    };
}

function sameData(live: LiveObject, body: Record<string, any>): boolean {
    const want = (body.data ?? {}) as Record<string, string>;
    const have = live.data ?? {};
    return (
        Object.keys(want).length === Object.keys(have).length && Object.entries(want).every(([k, v]) => have[k] === v)
    );
}

/**
 * What differs between the cluster and the install: each planned object missing, no longer this
 * connector's, or edited where the plan sets a field (a Secret's values are compared only when
 * `secrets` are given: refresh knows the token it recorded).
 */
export async function inspectDelegateInstall(
    client: KubeClient,
    objects: readonly InstallObject[],
    owner: string,
    secrets?: InstallSecrets,
): Promise<InstallDrift[]> {
    const api = objectApi(client);
    const drift: InstallDrift[] = [];
    for (const o of objects) {
        const ref = refOf(o);
        const live = (await api.read(ref)) as (LiveObject & Record<string, any>) | undefined;
        if (!live) {
            drift.push({ kind: "missing", ref });
            continue;
        }
        const liveOwner = ownerAnnotation(live);
        if (liveOwner !== owner) {
            drift.push({ kind: "notOurs", ref, owner: liveOwner });
            continue;
        }
        const body = bodyOf(o, secrets, owner);
        const at = firstDifference(live, comparable(o.secretValues ? { ...body, data: undefined } : body));
        if (at) drift.push({ kind: "changed", ref, at });
        else if (o.secretValues) {
            const keys = Object.keys(o.secretValues);
            const missingKey = keys.find((k) => !live.data?.[k]);
            if (missingKey) drift.push({ kind: "changed", ref, at: `data.${missingKey}` });
            else if (secrets && !sameData(live, body)) drift.push({ kind: "changed", ref, at: "data" });
        }
    }
    return drift;
}

/** Removes an install's objects, newest first, those this connector owns; one already gone is fine. */
export async function removeDelegateInstall(
    client: KubeClient,
    refs: readonly ObjectRef[],
    owner: string,
): Promise<void> {
    const api = objectApi(client);
    for (const ref of [...refs].reverse()) await removeOwned(api, ref, owner);
}
