// What a connection test found, as the connector records it in its `connectionTest` output. Types
// only, and no Kubernetes client types: the SDK's declarations import this, and every Pulumi
// program type-checks what the SDK imports. How the record stores a report: provider/state.
import type { CredentialLifetime } from "../../credentials/expiry";
import type { RecordedFailure } from "../../errors";

/** One check of the test and how it went. */
export interface CheckResult {
    /** What was checked (e.g. `GET /version`, a list in a namespace, the required permissions). */
    name: string;
    /** PASSED, FAILED, or SKIPPED when it did not run. */
    status: "PASSED" | "FAILED" | "SKIPPED";
    /** What it found, when there is more to say than its status. */
    message?: string;
}

/** What a connection test found: recorded in the connector's `connectionTest` output. */
export interface ConnectionTestReport {
    /** SUCCESS when every check passed, SKIPPED when only /version ran, FAILURE otherwise. */
    status: "SUCCESS" | "SKIPPED" | "FAILURE";
    /** When the test started (ISO 8601). */
    testedAt: string;
    /** How long the test took, in milliseconds. */
    durationMs: number;
    /** The API server's version (`GET /version`'s gitVersion), when it answered. */
    serverVersion?: string;
    /** Each check and how it went; in the record (the `connectionTest` output), only those that did not pass. */
    checks: CheckResult[];
    /** In the record: how many checks passed (not listed in `checks`: their names follow from the settings). */
    passed?: number;
    /** Permissions the profile needs that the identity lacks (`verb group/resource in namespace`). */
    missingPermissions: string[];
    /** When the credential stops working, where the credential itself says so (a certificate, a JWT). */
    credentialExpiry?: CredentialLifetime;
    /** The failure, when status is FAILURE: its code, whole message and remediation. */
    error?: RecordedFailure;
}
