// What a connection test found, as the connector records it in its `connectionTest` output. Types
// only, and no Kubernetes client types: the SDK's declarations import this, and every Pulumi
// program type-checks what the SDK imports.
import type { CredentialLifetime } from "../credentials/expiry";
import type { RecordedFailure } from "../errors";

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
    /** When the credential stops working, where the credential itself says so (a certificate, a JWT). */
    credentialExpiry?: CredentialLifetime;
    /** The failure, when status is FAILURE: its code, whole message and remediation. */
    error?: RecordedFailure;
}
