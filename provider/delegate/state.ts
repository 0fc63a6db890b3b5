// What the connector records about its delegate. Types only: the SDK's declarations import this.
import type { InstalledDelegateState } from "./install/state";
import type { DelegatePlan, ObjectRef } from "./rbacPlan";

/** What the connector records about its delegate (no secret in it). */
export interface DelegateState {
    /** The ServiceAccount's namespace. */
    namespace: string;
    /** The delegate's ServiceAccount. */
    serviceAccountName: string;
    /** Whether the rights are granted through a ClusterRole or Roles. */
    roleKind: DelegatePlan["roleKind"];
    /** The roles that grant the rights (built-in ClusterRoles included). */
    roleNames: string[];
    /** The ClusterRoleBinding or RoleBindings of the ServiceAccount. */
    bindingNames: string[];
    /** The long-lived token's Secret (`token: long-lived`). */
    tokenSecretName?: string;
    /** For bound tokens: when the server said the token expires, and when it was issued. */
    tokenExpiresAt?: string;
    tokenIssuedAt?: string;
    /** True when this connector made the namespace (it is then removed when empty). */
    createdNamespace: boolean;
    /** Every object this connector owns, in creation order. */
    objects: ObjectRef[];
    /** What `pulumi refresh` found changed out of band; the next `pulumi up` repairs it. */
    drift: string[];
    /** With `delegate.install`: the Harness delegate installed as this ServiceAccount. */
    install?: InstalledDelegateState;
}
