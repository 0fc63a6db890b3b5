// Objects Helm installed, told apart by Helm's own markers, never by name alone: the
// `app.kubernetes.io/managed-by: Helm` label and the `meta.helm.sh/release-name` and
// `meta.helm.sh/release-namespace` annotations Helm puts on every object it creates or upgrades
// (helm's pkg/action/validate.go, setMetadataVisitor), and the release records it keeps as Secrets
// `sh.helm.release.v1.<release>.v<N>` labelled `owner=helm,name=<release>` (pkg/storage/driver/secrets.go).
import type { LiveObject } from "./objects";
import { MANAGED_BY_LABEL } from "./refs";

/** Helm's annotation naming the release an object belongs to. */
export const HELM_RELEASE_NAME = "meta.helm.sh/release-name";
/** Helm's annotation naming the namespace of that release. */
export const HELM_RELEASE_NAMESPACE = "meta.helm.sh/release-namespace";
/** The chart label Helm charts set (`<chart>-<version>`). */
export const HELM_CHART_LABEL = "helm.sh/chart";

/** A Helm release: its name and namespace. */
export interface HelmRelease {
    name: string;
    namespace: string;
}

/** The Helm release `live` belongs to, when it carries all of Helm's markers; else undefined. */
export function helmReleaseOf(live: LiveObject | undefined): HelmRelease | undefined {
    const m = live?.metadata as { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined;
    const name = m?.annotations?.[HELM_RELEASE_NAME];
    const namespace = m?.annotations?.[HELM_RELEASE_NAMESPACE];
    if (m?.labels?.[MANAGED_BY_LABEL] !== "Helm" || !name || !namespace) return undefined;
    return { name, namespace };
}

/**
 * `metadata` without Helm's markers: what an object taken over keeps, so that neither `helm
 * upgrade` (its ownership check) nor `helm uninstall` of the old release counts it as the release's.
 */
export function withoutHelmMarkers(metadata: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}): { labels: Record<string, string>; annotations: Record<string, string> } {
    const labels = { ...metadata.labels };
    const annotations = { ...metadata.annotations };
    if (labels[MANAGED_BY_LABEL] === "Helm") delete labels[MANAGED_BY_LABEL];
    delete labels[HELM_CHART_LABEL];
    delete annotations[HELM_RELEASE_NAME];
    delete annotations[HELM_RELEASE_NAMESPACE];
    return { labels, annotations };
}

/** The label selector of a release's objects (the chart's `app.kubernetes.io/instance` is the release name). */
export function releaseSelector(release: HelmRelease): string {
    return `${MANAGED_BY_LABEL}=Helm,app.kubernetes.io/instance=${release.name}`;
}

/** The label selector of a release's records (its Secrets, or ConfigMaps with HELM_DRIVER=configmap). */
export function releaseRecordSelector(release: HelmRelease): string {
    return `owner=helm,name=${release.name}`;
}
