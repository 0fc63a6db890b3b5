// What `pulumi-kubernetes-connector test --rbac-yaml` prints after a MISSING_PERMISSIONS failure: a
// Role and RoleBinding per namespace granting exactly what is missing to the identity that was
// tested, ready for `kubectl apply -f -`. Pure: the identity comes from the caller.
import { type AccessCheck, rulesGranting } from "../../permissions";

/** Who the RoleBinding names: a ServiceAccount (from its `system:serviceaccount:<ns>:<name>` user name) or a User. */
export type GrantSubject =
    | { kind: "ServiceAccount"; name: string; namespace: string }
    | { kind: "User"; name: string; apiGroup: "rbac.authorization.k8s.io" };

/** The RBAC subject of a Kubernetes user name. */
export function subjectOf(username: string): GrantSubject {
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
    return sa
        ? { kind: "ServiceAccount", namespace: sa[1], name: sa[2] }
        : { kind: "User", name: username, apiGroup: "rbac.authorization.k8s.io" };
}

/** The name of the Role and RoleBinding granted. */
export const GRANT_NAME = "pulumi-kubernetes-connector-missing";

/** A Role and its RoleBinding for each namespace of `missing`, granting exactly those verbs to `subject`. */
export function grantManifests(missing: readonly AccessCheck[], subject: GrantSubject): object[] {
    const namespaces = [...new Set(missing.map((c) => c.namespace))];
    return namespaces.flatMap((namespace) => {
        const metadata = { name: GRANT_NAME, namespace };
        return [
            {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "Role",
                metadata,
                rules: rulesGranting(missing.filter((c) => c.namespace === namespace)),
            },
            {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "RoleBinding",
                metadata,
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: GRANT_NAME },
                subjects: [subject],
            },
        ];
    });
}
