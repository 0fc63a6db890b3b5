// Taking over a delegate Harness's Helm chart installed (same name and namespace): the chart's
// objects of the same names are replaced in place by ours (`delegate.adopt`; the Deployment keeps
// the chart's selector, so its pods are replaced one by one and the delegate stays connected);
// once the whole run has succeeded, what only the chart made (its cluster-admin binding, its
// ServiceAccount when ours is another, its upgrader binding…) goes, and so do the release's
// records, so that `helm list` no longer shows it and `helm uninstall` cannot delete ours by name.
// Helm's objects are told apart by Helm's markers (kube/helm.ts), never by name alone.
import { type HelmRelease, helmReleaseOf, releaseRecordSelector, releaseSelector } from "../../kube/helm";
import { objectApi } from "../../kube/objectApi";
import { type LiveObject, ownerAnnotation } from "../../kube/objects";
import { describeRef, type ObjectKind, type ObjectRef } from "../../kube/refs";
import type { KubeClient } from "../../transport/kubeClient";
import type { InstallObject } from "./plan";

/**
 * The kinds the chart (harness-delegate-ng) renders in the release's namespace. Its HPA (hpa.yaml,
 * `autoscaling.enabled`) scales the Deployment by name: left, it would go on scaling ours.
 */
const NAMESPACED: ObjectKind[] = [
    "Deployment",
    "CronJob",
    "HorizontalPodAutoscaler",
    "RoleBinding",
    "Role",
    "ConfigMap",
    "Secret",
    "ServiceAccount",
];
/** The kinds it renders cluster-wide (the cluster-admin or viewer binding, the CCM role). */
const CLUSTER_WIDE: ObjectKind[] = ["ClusterRoleBinding", "ClusterRole"];

/** The Helm release of the install's Deployment or environment, when the chart made them; else undefined. */
export async function chartReleaseOf(
    client: KubeClient,
    objects: readonly InstallObject[],
): Promise<HelmRelease | undefined> {
    const api = objectApi(client);
    for (const o of objects.filter((x) => x.kind === "Deployment" || x.kind === "ConfigMap")) {
        const release = helmReleaseOf(await api.read({ kind: o.kind, name: o.name, namespace: o.namespace }));
        if (release) return release;
    }
    return undefined;
}

const refOf = (kind: ObjectKind, o: LiveObject & { metadata?: { namespace?: string } }): ObjectRef => ({
    kind,
    name: o.metadata!.name!,
    ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
});

/**
 * Removes what is left of `release` once the install took it over: first the release's records
 * (after that no Helm command treats our objects as the release's), then each object that still
 * carries the release's markers and no connector's owner annotation, bindings first, but those in
 * `keep` (the user's token Secret, when `token.existingSecret` names the chart's). Resolves to
 * a message saying what went, and what could not (with what to do); never throws.
 */
export async function removeChartRelease(
    client: KubeClient,
    release: HelmRelease,
    keep: readonly ObjectRef[] = [],
): Promise<string> {
    const api = objectApi(client);
    const removed: string[] = [];
    const left: string[] = [];
    const remove = async (ref: ObjectRef) => {
        try {
            await api.remove(ref);
            removed.push(describeRef(ref));
        } catch (e) {
            left.push(`${describeRef(ref)} (${(e as Error).message})`);
        }
    };
    const records = releaseRecordSelector(release);
    for (const kind of ["Secret", "ConfigMap"] as const) {
        try {
            for (const o of await api.listSelected(kind, release.namespace, records))
                await remove(refOf(kind, { ...o, metadata: { ...o.metadata, namespace: release.namespace } }));
        } catch (e) {
            left.push(`the release's records (${kind}s labelled ${records}: ${(e as Error).message})`);
        }
    }
    const kept = (kind: ObjectKind, o: LiveObject) => keep.some((k) => k.kind === kind && k.name === o.metadata?.name);
    const theRelease = (kind: ObjectKind) => (o: LiveObject) => {
        const r = helmReleaseOf(o);
        return r?.name === release.name && r.namespace === release.namespace && !ownerAnnotation(o) && !kept(kind, o);
    };
    for (const [kinds, namespace] of [
        [CLUSTER_WIDE, undefined],
        [NAMESPACED, release.namespace],
    ] as const) {
        for (const kind of kinds) {
            try {
                for (const o of (await api.listSelected(kind, namespace, releaseSelector(release))).filter(
                    theRelease(kind),
                ))
                    await remove(
                        refOf(kind, { ...o, metadata: { ...o.metadata, ...(namespace ? { namespace } : {}) } }),
                    );
            } catch (e) {
                left.push(`its ${kind}s (${(e as Error).message})`);
            }
        }
    }
    const took = `took over Helm release "${release.name}" (namespace ${release.namespace})`;
    if (!left.length)
        return `${took}: removed ${removed.length ? removed.join(", ") : "nothing else"}; \`helm list\` no longer shows the release`;
    return `${took}, but could not remove ${left.join("; ")}. Delete those by hand (kubectl delete); not with \`helm uninstall\`, which deletes by name and would take the delegate's objects with them`;
}
