// Typed errors: each carries a code, what happened, and what to do. None carries a secret: the
// provider redacts every error it lets out with redactError (secrets.ts). Every failure a caller
// sees is a ConnectorError; toConnectorError is the one way to make one from anything else.

/** What went wrong, as a stable code a pipeline can match on. */
export type ErrorCode =
    | "INVALID_INPUT"
    | "CREDENTIAL_LOAD_FAILED"
    | "CREDENTIAL_EXPIRED"
    | "UNREACHABLE"
    | "TIMEOUT"
    | "TLS_UNKNOWN_AUTHORITY"
    | "TLS_NAME_MISMATCH"
    | "TLS_EXPIRED"
    | "TLS_FAILED"
    | "UNAUTHORIZED"
    | "BASIC_AUTH_REJECTED"
    | "OIDC_FAILED"
    | "FORBIDDEN_DEFAULT_NAMESPACE"
    | "FORBIDDEN_NAMESPACE"
    | "NAMESPACE_NOT_FOUND"
    | "MISSING_PERMISSIONS"
    | "RBAC_ESCALATION"
    | "OWNERSHIP_CONFLICT"
    | "NAMESPACE_MISSING"
    | "NAMESPACE_TERMINATING"
    | "TOKEN_TIMEOUT"
    | "ROLLBACK_INCOMPLETE"
    | "RATE_LIMITED"
    | "API_ERROR"
    | "HARNESS_UNAUTHORIZED"
    | "HARNESS_FORBIDDEN"
    | "HARNESS_DUPLICATE"
    | "HARNESS_INVALID_REQUEST"
    | "HARNESS_NOT_FOUND"
    | "HARNESS_REFERENCED"
    | "HARNESS_POLICY_DENIED"
    | "HARNESS_RATE_LIMITED"
    | "HARNESS_UNAVAILABLE"
    | "HARNESS_TIMEOUT"
    | "HARNESS_TEST_FAILED"
    | "UNEXPECTED";

/** An error a user can act on: `message` says what happened, `remediation` what to do. */
export class ConnectorError extends Error {
    constructor(
        readonly code: ErrorCode,
        /** What happened, without the code and the remediation. */
        readonly what: string,
        readonly remediation: string,
        /** Kubernetes' own words, when it said something useful. */
        readonly kubernetesMessage?: string,
        /** The HTTP status of the answer, when there was one. */
        readonly httpStatus?: number,
    ) {
        super(
            `[${code}] ${what}${kubernetesMessage ? ` (Kubernetes said: ${kubernetesMessage})` : ""}. ${remediation}`,
        );
        this.name = "ConnectorError";
    }

    /** The error a recorded failure describes, its message exactly as recorded (already redacted). */
    static recorded(failure: RecordedFailure): ConnectorError {
        const code = failure.code as ErrorCode;
        const remediation = failure.remediation ?? "";
        let what = failure.message.startsWith(`[${code}] `) ? failure.message.slice(code.length + 3) : failure.message;
        if (remediation && what.endsWith(`. ${remediation}`)) what = what.slice(0, -(remediation.length + 2));
        const e = new ConnectorError(code, what, remediation);
        e.message = failure.message;
        return e;
    }
}

/** A failure as a report records it: the code, the whole message and the remediation. */
export interface RecordedFailure {
    code: string;
    message: string;
    remediation?: string;
}

/** What a ConnectorError records in a report. */
export function recordFailure(e: ConnectorError): RecordedFailure {
    return { code: e.code, message: e.message, remediation: e.remediation };
}

/**
 * `e` as a ConnectorError. Anything else (a bug, or a failure no code describes yet) becomes
 * `fallback`, quoting its message; the caller redacts it.
 */
export function toConnectorError(
    e: unknown,
    fallback: { code: ErrorCode; remediation: string } = UNEXPECTED,
): ConnectorError {
    if (e instanceof ConnectorError) return e;
    const message = e instanceof Error ? e.message : String(e);
    return new ConnectorError(fallback.code, message.replace(/\.$/, ""), fallback.remediation);
}

const UNEXPECTED = {
    code: "UNEXPECTED" as const,
    remediation: "This failure has no code of its own yet: report it to pulumi-kubernetes-connector with this message",
};
