// The identity part's slice of the record: what the connector records about the delegate's
// identity. Types only: the SDK's declarations import this.
import type { ObjectRef } from "../../kube/refs";
import type { DelegatePlan } from "./plan";

/** What the connector records about the delegate's identity (no secret in it). */
export interface IdentityState {
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
}
