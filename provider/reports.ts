// The shapes the connector records in its outputs. Types only, and no Kubernetes client types:
// the SDK's declarations import this, and every Pulumi program type-checks what the SDK imports.
import type { DelegatePlan, ObjectRef } from "./delegatePlan";

/** One check of the test and how it went. */
export interface CheckResult {
    name: string;
    status: "PASSED" | "FAILED" | "SKIPPED";
    message?: string;
}

/** What a connection test found: recorded in the connector's `connectionTest` output. */
export interface ConnectionTestReport {
    /** SUCCESS when every check passed, SKIPPED when only /version ran, FAILURE otherwise. */
    status: "SUCCESS" | "SKIPPED" | "FAILURE";
    testedAt: string;
    durationMs: number;
    serverVersion?: string;
    checks: CheckResult[];
    /** Permissions the profile needs that the identity lacks (`verb group/resource in namespace`). */
    missingPermissions: string[];
    /** The failure, when status is FAILURE. */
    error?: { code: string; message: string };
}

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
