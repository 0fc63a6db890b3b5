// What a connection test found, as the connector records it in its `connectionTest` output. Types
// only, and no Kubernetes client types: the SDK's declarations import this, and every Pulumi
// program type-checks what the SDK imports.
import type { CredentialLifetime } from "../credentials/expiry";
import type { RecordedFailure } from "../errors";

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

/**
 * `report` as the record keeps it (the `connectionTest` output): the checks that passed are
 * counted in `passed`, not listed, since their names follow from the settings (`testConnection`
 * and the CLI list every check); `checks` keeps those that did not pass. A recorded one stays as it is.
 */
export function recordedReport(report: ConnectionTestReport): ConnectionTestReport {
    const notPassed = report.checks.filter((c) => c.status !== "PASSED");
    return { ...report, passed: (report.passed ?? 0) + report.checks.length - notPassed.length, checks: notPassed };
}

/**
 * The report as state stores it (the `connectionTest` field of the record): `checks` and
 * `missingPermissions` only when not empty, and no `serverVersion` when the record's own
 * `serverVersion` output holds the same (a test that did not fail answered `GET /version`), and
 * no `credentialExpiry` when it is the one the credential's plain-text parts give (`publicExpiry`:
 * a client certificate's). {@link publishedReport} gives the report back as users read it.
 */
export type StoredReport = Omit<ConnectionTestReport, "checks" | "missingPermissions" | "credentialExpiry"> &
    Partial<Pick<ConnectionTestReport, "checks" | "missingPermissions">> & {
        /** Absent when it is the credential's public lifetime (publicLifetime); null when the test found none although the credential has one. */
        credentialExpiry?: CredentialLifetime | null;
    };

/** `report` (recorded: see recordedReport) as state stores it, next to the record's `serverVersion`. */
export function storedReport(
    report: ConnectionTestReport,
    serverVersion: string | undefined,
    publicExpiry?: CredentialLifetime,
): StoredReport {
    const { checks, missingPermissions, serverVersion: version, credentialExpiry, ...rest } = report;
    return {
        ...rest,
        ...storedExpiry(credentialExpiry, publicExpiry),
        ...(version !== undefined && (version !== serverVersion || report.status === "FAILURE")
            ? { serverVersion: version }
            : {}),
        ...(checks.length ? { checks } : {}),
        ...(missingPermissions.length ? { missingPermissions } : {}),
    };
}

/** A stored report as users read it: the empty lists, the server version of a test that did not fail, and the credential's public lifetime (`publicExpiry`) where it was left out. */
export function publishedReport(
    stored: StoredReport,
    serverVersion: string | undefined,
    publicExpiry?: CredentialLifetime,
): ConnectionTestReport {
    const version = stored.serverVersion ?? (stored.status !== "FAILURE" ? serverVersion : undefined);
    const { credentialExpiry, ...rest } = stored;
    const expiry = credentialExpiry === null ? undefined : (credentialExpiry ?? publicExpiry);
    return {
        ...rest,
        ...(expiry !== undefined ? { credentialExpiry: expiry } : {}),
        ...(version !== undefined ? { serverVersion: version } : {}),
        checks: stored.checks ?? [],
        missingPermissions: stored.missingPermissions ?? [],
    };
}

/** What the record keeps of the lifetime the test found: nothing when the credential's plain-text parts give the same. */
function storedExpiry(
    found: CredentialLifetime | undefined,
    publicExpiry: CredentialLifetime | undefined,
): Pick<StoredReport, "credentialExpiry"> {
    if (publicExpiry === undefined) return found ? { credentialExpiry: found } : {};
    if (found === undefined) return { credentialExpiry: null };
    const same =
        found.source === publicExpiry.source &&
        found.expiresAt === publicExpiry.expiresAt &&
        found.issuedAt === publicExpiry.issuedAt;
    return same ? {} : { credentialExpiry: found };
}
