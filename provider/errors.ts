// Typed errors: each carries a code, what happened, and what to do. None carries a secret: the
// provider redacts every error it lets out with redactError (secrets.ts). Every failure a caller
// sees is a ConnectorError; toConnectorError is the one way to make one from anything else.

/** A class of failure, as the CLI's exit code tells it (`EXIT_CODES` in sdk/cli.ts). */
export type FailureClass = "other" | "usage" | "credential" | "unreachable" | "tls" | "authentication" | "permissions";

/**
 * When the Harness client sends a request again, while the call's deadline allows:
 * - "never": sending it again does not help (or the Harness client never meets the code);
 * - "byStatus": when Harness answered 429 or a 5xx other than 501 (`isRetryable` in harness/classify.ts);
 * - "unanswered": by the status as well, and also when no answer came (a lost connection): an
 *   earlier attempt may then have taken effect, its answer lost (`metAfterRetry` in harness/client.ts).
 */
export type Retry = "never" | "byStatus" | "unanswered";

/** What the provider knows of each code: every entry gives every fact. */
interface CodeFacts {
    /** The CLI's class (its exit code). */
    class: FailureClass;
    /** A deadline running out causes it: under the resource's custom timeout it becomes that TIMEOUT (deadline.ts). */
    timeoutLike: boolean;
    retryable: Retry;
    /** The cluster cannot be reached: delete goes on without removing the delegate's objects, with a warning (lifecycle/delete.ts). */
    clusterGone: boolean;
    /** What to do, when the raiser has nothing more specific to say (harness/classify.ts, toConnectorError). */
    remediation: string;
}

/**
 * Every code, a stable string a pipeline can match on, with its facts. A new code does not compile
 * until it has them all; the README's troubleshooting table names each (a unit test checks it).
 */
const ERROR_CODES = {
    INVALID_INPUT: {
        class: "usage",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Fix the named properties; nothing was sent to a cluster",
    },
    CREDENTIAL_LOAD_FAILED: {
        class: "credential",
        timeoutLike: false,
        retryable: "never",
        clusterGone: true,
        remediation:
            "Fix the path, install or log in the credential plugin (run it by hand to see why), and check KUBECONFIG",
    },
    CREDENTIAL_EXPIRED: {
        class: "credential",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Issue a new credential and update the connector's credential",
    },
    UNREACHABLE: {
        class: "unreachable",
        timeoutLike: true,
        retryable: "never",
        clusterGone: true,
        remediation: "Check masterUrl, its port and the network path to the API server",
    },
    TIMEOUT: {
        class: "unreachable",
        timeoutLike: true,
        retryable: "never",
        clusterGone: true,
        remediation:
            "Check that masterUrl points at the API server and that this machine can reach it, or raise connectionTest.timeoutSeconds",
    },
    TLS_UNKNOWN_AUTHORITY: {
        class: "tls",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Set credential.caCert to the CA that signed the API server's certificate",
    },
    TLS_NAME_MISMATCH: {
        class: "tls",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Use a host the server certificate names in masterUrl, or set credential.tlsServerName",
    },
    TLS_EXPIRED: {
        class: "tls",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Renew the API server's certificate, and check this machine's clock",
    },
    TLS_FAILED: {
        class: "tls",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation:
            "Check credential.caCert, the client certificate and key, and that masterUrl is the API server's https endpoint",
    },
    UNAUTHORIZED: {
        class: "authentication",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Issue a new credential: the cluster did not accept this one",
    },
    BASIC_AUTH_REJECTED: {
        class: "authentication",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation:
            "Use a token, a client certificate or OIDC: user name and password were removed from kube-apiserver in Kubernetes 1.19",
    },
    OIDC_FAILED: {
        class: "authentication",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Check the issuer URL and its CA, the user and the client, and the API server's --oidc-* flags",
    },
    FORBIDDEN_DEFAULT_NAMESPACE: {
        class: "permissions",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation:
            "Grant list on the controllers in default, or set connectionTest.skipDefaultNamespaceValidation: true",
    },
    FORBIDDEN_NAMESPACE: {
        class: "permissions",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Grant the refused right, or choose another namespace",
    },
    NAMESPACE_NOT_FOUND: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Create the namespace, or name one that exists",
    },
    MISSING_PERMISSIONS: {
        class: "permissions",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Grant the missing permissions listed, or relax connectionTest.requiredPermissions",
    },
    RBAC_ESCALATION: {
        class: "permissions",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation:
            "Give the provisioner the rights it grants, or bind and escalate, or use a cluster-admin delegate.provisioner",
    },
    OWNERSHIP_CONFLICT: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Choose other names, or set delegate.adopt: true to take the objects over",
    },
    NAMESPACE_MISSING: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Create the namespace, or set delegate.createNamespace: true",
    },
    NAMESPACE_TERMINATING: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Wait until the namespace is gone, or choose another delegate.namespace",
    },
    TOKEN_TIMEOUT: {
        class: "other",
        timeoutLike: true,
        retryable: "never",
        clusterGone: false,
        remediation: `Check kube-controller-manager's token controller, or set delegate.token: "bound"`,
    },
    ROLLBACK_INCOMPLETE: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation:
            "Grant the provisioner delete on the kinds named, or run pulumi up again when the cluster answers: the connector takes over what is left",
    },
    RATE_LIMITED: {
        class: "unreachable",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation:
            "Try again later, raise connectionTest.timeoutSeconds, or ask for a higher priority level for the identity",
    },
    API_ERROR: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Check masterUrl and the API server's health and logs",
    },
    // Harness registration's codes: `pulumi up` can raise them, the connection test never does.
    HARNESS_UNAUTHORIZED: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        remediation:
            "Check harness.apiKey (or HARNESS_PLATFORM_API_KEY) and harness.accountId (or HARNESS_ACCOUNT_ID): the key must be a valid PAT or SAT of that account, not expired",
    },
    HARNESS_FORBIDDEN: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        remediation:
            "Give the API key's user or service account the Connectors and Secrets create/edit/delete/view permissions in this scope",
    },
    HARNESS_DUPLICATE: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        remediation:
            "Choose another identifier or name, import it with harness.adopt: true if it is this connector, or delete the existing one in Harness",
    },
    HARNESS_INVALID_REQUEST: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        remediation: "Fix what Harness names above; nothing else was changed",
    },
    HARNESS_NOT_FOUND: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        remediation: "Check the org and project identifiers and the secret references: they must exist in Harness",
    },
    HARNESS_REFERENCED: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        remediation:
            "Remove the references (pipelines, services, environments) first, or set harness.forceDelete: true to delete it anyway",
    },
    HARNESS_POLICY_DENIED: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Change the connector or secret to satisfy the policy, or ask the policy's owner for an exception",
    },
    HARNESS_RATE_LIMITED: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        remediation: "Harness kept answering 429 (rate limited): run again later, or raise harness.timeoutSeconds",
    },
    HARNESS_UNAVAILABLE: {
        class: "other",
        timeoutLike: true,
        retryable: "unanswered",
        clusterGone: false,
        remediation:
            "Harness did not answer or answered with a server error: check harness.endpoint and Harness's status, and run again",
    },
    HARNESS_TIMEOUT: {
        class: "other",
        timeoutLike: true,
        retryable: "never",
        clusterGone: false,
        remediation: "Check harness.endpoint and the network path to Harness, or raise harness.timeoutSeconds",
    },
    // A 503 that says no delegate matches is not retried: waiting does not start one.
    HARNESS_TEST_FAILED: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation:
            "Fix what the delegate reports, start a delegate with one of the connector's delegateSelectors, or set harness.test: warn",
    },
    UNEXPECTED: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation:
            "This failure has no code of its own yet: report it to pulumi-kubernetes-connector with this message",
    },
} as const satisfies Record<string, CodeFacts>;

/** What went wrong, as a stable code a pipeline can match on. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Every code, in the table's order. */
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

/** Whether `code` (e.g. a recorded failure's) is one of ours. */
export function isErrorCode(code: string): code is ErrorCode {
    return Object.hasOwn(ERROR_CODES, code);
}

/**
 * The facts of `code`. A code cast from a record (`ConnectorError.recorded`) may be none of ours
 * (another version's): it has UNEXPECTED's facts.
 */
function factsOf(code: ErrorCode): CodeFacts {
    return isErrorCode(code) ? ERROR_CODES[code] : ERROR_CODES.UNEXPECTED;
}

/** The CLI's class of `code` (its exit code). */
export function failureClass(code: ErrorCode): FailureClass {
    return factsOf(code).class;
}

/** Whether a deadline running out causes `code`. */
export function isTimeoutLike(code: ErrorCode): boolean {
    return factsOf(code).timeoutLike;
}

/** When the Harness client sends a request that failed with `code` again. */
export function retryOf(code: ErrorCode): Retry {
    return factsOf(code).retryable;
}

/** Whether `code` means the cluster cannot be reached (so neither can the delegate's objects). */
export function isClusterGone(code: ErrorCode): boolean {
    return factsOf(code).clusterGone;
}

/** What to do about `code` when the raiser has nothing more specific to say. */
export function defaultRemediation(code: ErrorCode): string {
    return factsOf(code).remediation;
}

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
    fallback: { code: ErrorCode; remediation: string } = {
        code: "UNEXPECTED",
        remediation: defaultRemediation("UNEXPECTED"),
    },
): ConnectorError {
    if (e instanceof ConnectorError) return e;
    const message = e instanceof Error ? e.message : String(e);
    return new ConnectorError(fallback.code, message.replace(/\.$/, ""), fallback.remediation);
}
