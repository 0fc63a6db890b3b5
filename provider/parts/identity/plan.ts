// What the delegate's identity is made of: computed from its settings by pure functions.
import type { DelegateSettings } from "../../inputs/types";
import { type DesiredObject, OWNER_ANNOTATION } from "../../kube/refs";
import { BUILDS_RULES, DEPLOYMENTS_RULES, type PolicyRule } from "../../permissions";

/** Everything the delegate needs, in creation order. */
export interface DelegatePlan {
    namespace: string;
    serviceAccountName: string;
    /** Create the namespace when it is missing. */
    createNamespace: boolean;
    /** The kind of role bound: a built-in ClusterRole, one made here, or Roles made here. */
    roleKind: "ClusterRole" | "Role";
    /** Roles bound (made here, or built-in like cluster-admin). */
    roleNames: string[];
    bindingNames: string[];
    tokenSecretName?: string;
    /** Objects to make, in order: ServiceAccount, roles, bindings, token Secret. */
    objects: DesiredObject[];
}

const ALL: PolicyRule[] = [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }];

/** The rules of a preset or custom permissions, or the built-in ClusterRole a preset binds. */
export function delegateRules(
    permissions: DelegateSettings["permissions"],
): { builtin: string } | { rules: PolicyRule[] } {
    // Validation always fills it (see the schema); undefined only from an unvalidated value.
    if (permissions === undefined || permissions === "cluster-admin") return { builtin: "cluster-admin" };
    if (permissions === "cluster-viewer") return { builtin: "view" };
    if (permissions === "namespace-admin") return { rules: ALL };
    if (permissions === "deployments") return { rules: DEPLOYMENTS_RULES.map(copyRule) };
    if (permissions === "builds") return { rules: BUILDS_RULES.map(copyRule) };
    return { rules: permissions.rules.map(copyRule) };
}

function copyRule(r: PolicyRule): PolicyRule {
    return { apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] };
}

/** `connector:<namespace>:<serviceaccount>`: unique per ServiceAccount, cluster-wide. */
export function rbacName(d: Pick<DelegateSettings, "namespace" | "serviceAccountName">): string {
    return `connector:${d.namespace}:${d.serviceAccountName}`;
}

/** Plans the delegate's ServiceAccount, roles, bindings and token Secret. */
export function planDelegateRbac(d: DelegateSettings): DelegatePlan {
    const name = rbacName(d);
    const subjects = [{ kind: "ServiceAccount" as const, name: d.serviceAccountName, namespace: d.namespace }];
    const source = delegateRules(d.permissions);
    // namespace-admin is per namespace by nature: the delegate's own when none are listed.
    const namespaces = d.namespaces ?? (d.permissions === "namespace-admin" ? [d.namespace] : undefined);
    const objects: DesiredObject[] = [{ kind: "ServiceAccount", name: d.serviceAccountName, namespace: d.namespace }];
    const bindings: DesiredObject[] = [];
    let roleKind: DelegatePlan["roleKind"];
    let roleNames: string[];
    if (namespaces) {
        roleKind = "builtin" in source ? "ClusterRole" : "Role";
        roleNames = "builtin" in source ? [source.builtin] : [name];
        for (const ns of namespaces) {
            if ("rules" in source) objects.push({ kind: "Role", name, namespace: ns, rules: source.rules });
            bindings.push({
                kind: "RoleBinding",
                name,
                namespace: ns,
                roleRef: { kind: roleKind, name: roleNames[0] },
                subjects,
            });
        }
    } else {
        roleKind = "ClusterRole";
        roleNames = ["builtin" in source ? source.builtin : name];
        if ("rules" in source) objects.push({ kind: "ClusterRole", name, rules: source.rules });
        bindings.push({
            kind: "ClusterRoleBinding",
            name,
            roleRef: { kind: "ClusterRole", name: roleNames[0] },
            subjects,
        });
    }
    objects.push(...bindings);
    const tokenSecretName = d.token === "long-lived" ? `${d.serviceAccountName}-token` : undefined;
    if (tokenSecretName)
        objects.push({
            kind: "Secret",
            name: tokenSecretName,
            namespace: d.namespace,
            serviceAccount: d.serviceAccountName,
        });
    return {
        namespace: d.namespace,
        serviceAccountName: d.serviceAccountName,
        createNamespace: d.createNamespace,
        roleKind,
        roleNames,
        bindingNames: bindings.map((b) => (b.namespace ? `${b.namespace}/${b.name}` : b.name)),
        tokenSecretName,
        objects,
    };
}

/** Whether a bound token should be renewed: less than `fraction` of its life is left. */
export function tokenNeedsRenewal(
    issuedAt: string | undefined,
    expiresAt: string | undefined,
    fraction: number,
    now: number = Date.now(),
): boolean {
    if (!issuedAt || !expiresAt) return true;
    const start = Date.parse(issuedAt);
    const end = Date.parse(expiresAt);
    if (!(end > start)) return true;
    return (end - now) / (end - start) < fraction;
}
