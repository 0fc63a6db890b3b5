// Cluster objects as this tool names and marks them, whichever part makes them: their kinds and
// references, the label and owner annotation every one carries, and pure comparisons.
import type { PolicyRule } from "../permissions";

/** Label every object this tool makes carries. */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "pulumi-kubernetes-connector";
/** Annotation naming the connector that owns an object: `<project>/<stack>/<identifier>`. */
export const OWNER_ANNOTATION = "kubernetes-connector.pulumi.com/owner";

export type ObjectKind =
    | "Namespace"
    | "ServiceAccount"
    | "Secret"
    | "Role"
    | "ClusterRole"
    | "RoleBinding"
    | "ClusterRoleBinding"
    | "ConfigMap"
    | "Deployment"
    | "CronJob"
    | "HorizontalPodAutoscaler";

/** Which object: kind, name and (for namespaced kinds) namespace. */
export interface ObjectRef {
    /** The object's kind (Namespace, ServiceAccount, Secret, Role, ClusterRole, RoleBinding, ClusterRoleBinding). */
    kind: ObjectKind;
    /** The object's name. */
    name: string;
    /** The object's namespace, for namespaced kinds. */
    namespace?: string;
}

/** An object to create, with the parts of it this tool manages. */
export interface DesiredObject extends ObjectRef {
    rules?: PolicyRule[];
    roleRef?: { kind: "Role" | "ClusterRole"; name: string };
    subjects?: { kind: "ServiceAccount"; name: string; namespace: string }[];
    /** For the token Secret: the ServiceAccount it is for. */
    serviceAccount?: string;
}

/** `Role apps/connector:ns:sa`, the form used in messages and outputs. */
export function describeRef(o: ObjectRef): string {
    return `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
}

const sameRef = (a: ObjectRef, b: ObjectRef) =>
    a.kind === b.kind && a.name === b.name && (a.namespace ?? "") === (b.namespace ?? "");

/** Objects of `previous` that `next` no longer has, in reverse creation order (safe to delete). */
export function staleObjects(previous: readonly ObjectRef[], next: readonly ObjectRef[]): ObjectRef[] {
    return previous.filter((p) => !next.some((n) => sameRef(p, n))).reverse();
}

/** Whether a live role's rules are the desired ones (order and duplicates aside). */
export function sameRules(live: readonly PolicyRule[] | undefined, desired: readonly PolicyRule[]): boolean {
    const key = (rules: readonly PolicyRule[]) =>
        [
            ...new Set(
                rules.flatMap((r) =>
                    (r.apiGroups ?? []).flatMap((g) =>
                        (r.resources ?? []).flatMap((res) =>
                            (r.verbs ?? []).flatMap((v) =>
                                (r.resourceNames?.length ? r.resourceNames : [""]).map((n) => `${g}|${res}|${v}|${n}`),
                            ),
                        ),
                    ),
                ),
            ),
        ]
            .sort()
            .join(",");
    return key(live ?? []) === key(desired);
}
