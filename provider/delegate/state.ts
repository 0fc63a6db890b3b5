// What the connector records about its delegate. Types only: the SDK's declarations import this.
import type { DelegatePlan, ObjectRef } from "./rbacPlan";

/** What the connector records about its delegate (no secret in it). */
export interface DelegateState {
    namespace: string;
    serviceAccountName: string;
    roleKind: DelegatePlan["roleKind"];
    roleNames: string[];
    bindingNames: string[];
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
