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
    /** When it happens, for the codes reference (docs/reference/errors.md; Markdown). */
    cause: string;
    /** What to do about it, for the codes reference (Markdown). */
    fix: string;
}

/**
 * Every code, a stable string a pipeline can match on, with its facts. A new code does not compile
 * until it has them all; docs/reference/errors.md is generated from it (`npm run gen:docs`).
 */
const ERROR_CODES = {
    INVALID_INPUT: {
        class: "usage",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Fix the named properties; nothing was sent to a cluster",
        cause: "an input breaks a rule (each property is named); from the program, or from `check` for values known only at deploy time (`property … has a problem: [INVALID_INPUT] …`)",
        fix: "fix the named properties; nothing was sent to a cluster",
    },
    CREDENTIAL_LOAD_FAILED: {
        class: "credential",
        timeoutLike: false,
        retryable: "never",
        clusterGone: true,
        remediation:
            "Fix the path, install or log in the credential plugin (run it by hand to see why), and check KUBECONFIG",
        cause: "a kubeconfig file, or a file it names (`certificate-authority`, `client-certificate`, `client-key`, `token-file`), is missing or unreadable (named); no kubeconfig for `InheritFromDelegate`; an exec credential plugin is not found, exits non-zero (its last line is quoted), prints no ExecCredential, or prints an expired one",
        fix: "fix the path, install or log in the plugin (run it by hand to see why), check `KUBECONFIG`",
    },
    CREDENTIAL_EXPIRED: {
        class: "credential",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Issue a new credential and update the connector's credential",
        cause: "the credential's client certificate or JWT token has expired: refused before any request",
        fix: "issue a new one and update the credential",
    },
    UNREACHABLE: {
        class: "unreachable",
        timeoutLike: true,
        retryable: "never",
        clusterGone: true,
        remediation: "Check masterUrl, its port and the network path to the API server",
        cause: "connection refused, host unknown",
        fix: "check `masterUrl`, port and network path",
    },
    TIMEOUT: {
        class: "unreachable",
        timeoutLike: true,
        retryable: "never",
        clusterGone: true,
        remediation:
            "Check that masterUrl points at the API server and that this machine can reach it, or raise connectionTest.timeoutSeconds",
        cause: "no answer within `timeoutSeconds`; or an exec credential plugin gave no credential in that time (it is killed, with what it started; only its command is named)",
        fix: "check the URL points at the API server, run the plugin by hand; raise `connectionTest.timeoutSeconds`",
    },
    TLS_UNKNOWN_AUTHORITY: {
        class: "tls",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Set credential.caCert to the CA that signed the API server's certificate",
        cause: "server certificate from a CA not trusted",
        fix: "set `credential.caCert`",
    },
    TLS_NAME_MISMATCH: {
        class: "tls",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Use a host the server certificate names in masterUrl, or set credential.tlsServerName",
        cause: "certificate not valid for the host",
        fix: "use a host in the certificate, or `tlsServerName`",
    },
    TLS_EXPIRED: {
        class: "tls",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Renew the API server's certificate, and check this machine's clock",
        cause: "server certificate expired / not yet valid",
        fix: "renew it; check the clock",
    },
    TLS_FAILED: {
        class: "tls",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation:
            "Check credential.caCert, the client certificate and key, and that masterUrl is the API server's https endpoint",
        cause: "another TLS handshake failure (bad client certificate or key, not an https endpoint)",
        fix: "check `caCert`, the client certificate and key, and that `masterUrl` is the API server",
    },
    UNAUTHORIZED: {
        class: "authentication",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Issue a new credential: the cluster did not accept this one",
        cause: "401: token wrong, expired or revoked; client cert not from the cluster's CA; or credentials ignored (anonymous)",
        fix: "issue a new credential",
    },
    BASIC_AUTH_REJECTED: {
        class: "authentication",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation:
            "Use a token, a client certificate or OIDC: user name and password were removed from kube-apiserver in Kubernetes 1.19",
        cause: "user name/password: removed from kube-apiserver in 1.19 (401, or treated as anonymous)",
        fix: "use a token, client certificate or OIDC",
    },
    OIDC_FAILED: {
        class: "authentication",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Check the issuer URL and its CA, the user and the client, and the API server's --oidc-* flags",
        cause: "issuer unreachable, password grant refused, or the API server refused the id_token",
        fix: "check issuer URL/CA, user, client; the server's `--oidc-*` flags",
    },
    FORBIDDEN_DEFAULT_NAMESPACE: {
        class: "permissions",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation:
            "Grant list on the controllers in default, or set connectionTest.skipDefaultNamespaceValidation: true",
        cause: "403 listing controllers in `default`",
        fix: "grant `list` there, or `skipDefaultNamespaceValidation: true`",
    },
    FORBIDDEN_NAMESPACE: {
        class: "permissions",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Grant the refused right, or choose another namespace",
        cause: "403 in `connectionTest.namespace` (or another request)",
        fix: "grant the right, or choose another namespace",
    },
    NAMESPACE_NOT_FOUND: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Create the namespace, or name one that exists",
        cause: "a namespace in `delegate.namespaces` (or `connectionTest.namespace`) does not exist",
        fix: "create it",
    },
    MISSING_PERMISSIONS: {
        class: "permissions",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Grant the missing permissions listed, or relax connectionTest.requiredPermissions",
        cause: "the identity lacks rights of `requiredPermissions` (listed)",
        fix: "grant them, or relax the profile",
    },
    RBAC_ESCALATION: {
        class: "permissions",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation:
            "Give the provisioner the rights it grants, or bind and escalate, or use a cluster-admin delegate.provisioner",
        cause: '"attempting to grant RBAC permissions not currently held": the provisioner lacks the rights it grants and `bind`/`escalate`',
        fix: "give the provisioner those rights or `bind`/`escalate`, or use a cluster-admin `delegate.provisioner`",
    },
    OWNERSHIP_CONFLICT: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Choose other names, or set delegate.adopt: true to take the objects over",
        cause: "an object of the delegate exists and belongs to another connector or to no one",
        fix: "choose other names, or `adopt: true`",
    },
    NAMESPACE_MISSING: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Create the namespace, or set delegate.createNamespace: true",
        cause: "the delegate's namespace does not exist and `delegate.createNamespace` is false",
        fix: "create it",
    },
    NAMESPACE_TERMINATING: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Wait until the namespace is gone, or choose another delegate.namespace",
        cause: "the delegate's namespace is being deleted (waited 120 s)",
        fix: "wait until it is gone, or choose another `delegate.namespace`",
    },
    TOKEN_TIMEOUT: {
        class: "other",
        timeoutLike: true,
        retryable: "never",
        clusterGone: false,
        remediation: `Check kube-controller-manager's token controller, or set delegate.token: "bound"`,
        cause: "the token controller did not fill the token Secret in `tokenWaitSeconds`",
        fix: 'check kube-controller-manager\'s token controller; or `token: "bound"`',
    },
    ROLLBACK_INCOMPLETE: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation:
            "Grant the provisioner delete on the kinds named, or run pulumi up again when the cluster answers: the connector takes over what is left",
        cause: "a step failed and undoing it failed too; the objects left are listed, each with why (`delete refused: 403 Forbidden`, or the cluster did not answer)",
        fix: "grant the provisioner `delete` on the kinds named, or run `pulumi up` again when the cluster answers: the connector takes over what is left",
    },
    RATE_LIMITED: {
        class: "unreachable",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation:
            "Try again later, raise connectionTest.timeoutSeconds, or ask for a higher priority level for the identity",
        cause: "the API server kept answering 429 Too Many Requests until the deadline (retried at most 4 times, never past `timeoutSeconds`)",
        fix: "try again later, raise `connectionTest.timeoutSeconds`, or ask for a higher priority level for the identity",
    },
    API_ERROR: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Check masterUrl and the API server's health and logs",
        cause: "the API server answered with another HTTP error (e.g. 404 for a `masterUrl` with a path, 5xx)",
        fix: "check `masterUrl` and the API server's health and logs; Kubernetes' message is quoted",
    },
    // Harness registration's codes: `pulumi up` can raise them, the connection test never does.
    HARNESS_UNAUTHORIZED: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        remediation:
            "Check harness.apiKey (or HARNESS_PLATFORM_API_KEY) and harness.accountId (or HARNESS_ACCOUNT_ID): the key must be a valid PAT or SAT of that account, not expired",
        cause: "Harness answered 401: the API key is wrong, expired or not of this account",
        fix: "check `harness.apiKey` / `HARNESS_PLATFORM_API_KEY` and `harness.accountId`",
    },
    HARNESS_FORBIDDEN: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        remediation:
            "Give the API key's user or service account the Connectors and Secrets create/edit/delete/view permissions in this scope",
        cause: "403: the key's principal lacks a permission (named by Harness)",
        fix: "grant Connectors and Secrets create/edit/delete/view in the scope",
    },
    HARNESS_DUPLICATE: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        remediation:
            "Choose another identifier or name, import it with harness.adopt: true if it is this connector, or delete the existing one in Harness",
        cause: 'a connector or secret with that identifier exists in the scope (Harness\'s 400 "… that already exists. Please enter a unique ID." / "Secret with identifier … already exists in this scope", or `DUPLICATE_FIELD`)',
        fix: "choose another identifier, `harness.adopt: true` if it is this connector, or delete it in Harness",
    },
    HARNESS_INVALID_REQUEST: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        remediation: "Fix what Harness names above; nothing else was changed",
        cause: 'Harness refused a request (its message is quoted, with the correlationId); e.g. "The project level secret cannot be used at account level" (a bare ref from an account or org connector: preview catches it for `secretRefs`); force delete: `harness.forceDelete: true` and Harness answered "Force Delete is not enabled for account": the account setting `enable_force_delete` is off (the default)',
        fix: "fix what it names; force delete: turn on Enable Force Delete of Harness Resources in the account's settings, or remove the references and set `forceDelete: false`",
    },
    HARNESS_NOT_FOUND: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        remediation: "Check the org and project identifiers and the secret references: they must exist in Harness",
        cause: "an org, project or referenced secret does not exist",
        fix: "create it, or fix the identifiers and `secretRefs`",
    },
    HARNESS_REFERENCED: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        remediation:
            "Remove the references (pipelines, services, environments) first, or set harness.forceDelete: true to delete it anyway",
        cause: "delete refused (`ENTITY_REFERENCE_EXCEPTION`): pipelines (or other entities) reference the connector; for its secrets, only while Harness has not yet released the deleted connector's reference and past `harness.timeoutSeconds`",
        fix: "remove the references, or `harness.forceDelete: true` (needs the account setting); run destroy again",
    },
    HARNESS_POLICY_DENIED: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Change the connector or secret to satisfy the policy, or ask the policy's owner for an exception",
        cause: "a Harness (OPA) policy denied the connector or one of its secrets (HTTP 200 with no connector or secret; the policy is named); failed at once, nothing left",
        fix: "satisfy the policy",
    },
    HARNESS_RATE_LIMITED: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        remediation: "Harness kept answering 429 (rate limited): run again later, or raise harness.timeoutSeconds",
        cause: "Harness kept answering 429 until `harness.timeoutSeconds`",
        fix: "run again later, or raise the timeout",
    },
    HARNESS_UNAVAILABLE: {
        class: "other",
        timeoutLike: true,
        retryable: "unanswered",
        clusterGone: false,
        remediation:
            "Harness did not answer or answered with a server error: check harness.endpoint and Harness's status, and run again",
        cause: "Harness could not be reached, or answered 5xx until the deadline",
        fix: "check `harness.endpoint` and Harness's status",
    },
    HARNESS_TIMEOUT: {
        class: "other",
        timeoutLike: true,
        retryable: "never",
        clusterGone: false,
        remediation: "Check harness.endpoint and the network path to Harness, or raise harness.timeoutSeconds",
        cause: "Harness did not answer within `harness.timeoutSeconds`",
        fix: "check the network path, raise the timeout",
    },
    // A 503 that says no delegate matches is not retried: waiting does not start one.
    HARNESS_TEST_FAILED: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation:
            "Fix what the delegate reports, start a delegate with one of the connector's delegateSelectors, or set harness.test: warn",
        cause: "Harness's own test did not say SUCCESS under `test: gate` (its errorSummary and delegate quoted), or no delegate has the selectors (Harness's 400 \"no eligible delegate\" or 503 `UNAVAILABLE_DELEGATES`; a warning under `warn`)",
        fix: "fix what the delegate reports, start a delegate with the selectors, or `test: warn`",
    },
    // The delegate install's codes: minting, revoking and purging its token, and the wait for it.
    DELEGATE_TOKEN_NAME_TAKEN: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation:
            "Choose another delegate token name: Harness keeps token names unique per account, and a revoked token's name stays taken for 30 days unless the token is purged",
        cause: 'minting a delegate token whose name a token of the account already has, a revoked one too (Harness keeps it 30 days): "Token with given name … already exists for given account."',
        fix: "choose another token name, or purge the revoked token first",
    },
    DELEGATE_TOKEN_NOT_FOUND: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Check the delegate token's name: no token of the account has it (it may have been purged)",
        cause: 'revoking a delegate token, or listing the delegate groups using one, that does not exist ("Specified token does not exist.", "No such delegate token exists.")',
        fix: "check the token name",
    },
    DELEGATE_TOKEN_ACTIVE: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation: "Revoke the delegate token before purging it: Harness deletes only revoked tokens",
        cause: "purging a delegate token that is still ACTIVE",
        fix: "revoke it first",
    },
    DELEGATE_TOKEN_SECRET_INVALID: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation:
            "Create the Secret named by delegate.install.token.existingSecret in the delegate's namespace, with the delegate token under the key DELEGATE_TOKEN, then run again",
        cause: "the Secret `delegate.install.token.existingSecret` names does not exist in the delegate's namespace, or holds no `DELEGATE_TOKEN` key; nothing was written",
        fix: "create it (or have Vault / the external-secrets operator sync it) with the key `DELEGATE_TOKEN`",
    },
    DELEGATE_NOT_CONNECTED: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation:
            "Look at the delegate pods' events and logs (kubectl describe pod, kubectl logs), the proxy settings, and the manager URL (MANAGER_HOST_AND_PORT) they use; then run again",
        cause: "the installed delegate did not show as connected with an active token in Harness (`listDelegates`) within `waitSeconds` (what Harness last showed is quoted, with the declared tags it does not show yet after a tag change, and the delegate pods' own reasons when they are not running: `ErrImagePull`, `ImagePullBackOff`, `CrashLoopBackOff` with restarts and the last exit code, not scheduled; when Harness holds its token REVOKED, expired or not at all, that is said instead, with a new token name as the remediation)",
        fix: "read the pods' events and logs, check the proxy and the manager URL; a revoked or expired token: set `delegate.install.token.name` to a new name",
    },
    UNEXPECTED: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        remediation:
            "This failure has no code of its own yet: report it to pulumi-kubernetes-connector with this message",
        cause: "a failure no other code describes (its message is quoted)",
        fix: "report it with the message; it should get a code of its own",
    },
} as const satisfies Record<string, CodeFacts>;

/** What went wrong, as a stable code a pipeline can match on. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Every code, in the table's order. */
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

/** When `code` happens and what to do about it, as the codes reference says (Markdown). */
export function codeDocs(code: ErrorCode): { cause: string; fix: string } {
    const { cause, fix } = ERROR_CODES[code];
    return { cause, fix };
}

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

    /**
     * The error a recorded failure describes, from its parts (already redacted). A failure recorded
     * by an earlier version has only its message: that is then what happened.
     */
    static recorded(failure: RecordedFailure): ConnectorError {
        const code = failure.code as ErrorCode;
        const e = new ConnectorError(
            code,
            failure.what ?? failure.message,
            failure.remediation ?? "",
            failure.kubernetesMessage,
            failure.httpStatus,
        );
        if (failure.what === undefined) e.message = failure.message;
        return e;
    }
}

/** A failure as a report records it: the code, the whole message, and the parts it is made of. */
export interface RecordedFailure {
    code: string;
    /** `[CODE] what (Kubernetes said: …). remediation`, as the error's message. */
    message: string;
    remediation?: string;
    /** What happened, without the code and the remediation. */
    what?: string;
    /** Kubernetes' own words, when it said something useful. */
    kubernetesMessage?: string;
    /** The HTTP status of the answer, when there was one. */
    httpStatus?: number;
}

/** What a ConnectorError records in a report. */
export function recordFailure(e: ConnectorError): RecordedFailure {
    const failure: RecordedFailure = { code: e.code, message: e.message, remediation: e.remediation, what: e.what };
    if (e.kubernetesMessage !== undefined) failure.kubernetesMessage = e.kubernetesMessage;
    if (e.httpStatus !== undefined) failure.httpStatus = e.httpStatus;
    return failure;
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
