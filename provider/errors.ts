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
    /**
     * What to do about it: the one advice of the code, both in every error's remediation (after the
     * facts of the case its raiser adds, see `connectorError`) and in the codes reference
     * (docs/reference/errors.md). One sentence without its final period; names in Markdown backticks.
     */
    advice: string;
    /** When it happens, for the codes reference (Markdown). */
    cause: string;
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
        advice: "Fix the named properties (or environment variables); nothing was sent to the cluster or to Harness",
        cause: "an input breaks a rule (each property is named); from the program, or from `check` for values known only at deploy time (`property … has a problem: [INVALID_INPUT] …`)",
    },
    CREDENTIAL_LOAD_FAILED: {
        class: "credential",
        timeoutLike: false,
        retryable: "never",
        clusterGone: true,
        advice: "Fix the kubeconfig, the path or the credential plugin named (install or log in the plugin, and run it by hand to see why it fails), check `KUBECONFIG`, or use another credential",
        cause: "a kubeconfig file, or a file it names (`certificate-authority`, `client-certificate`, `client-key`, `token-file`), is missing or unreadable (named); no kubeconfig for `InheritFromDelegate`; an exec credential plugin is not found, exits non-zero (its last line is quoted), prints no ExecCredential, or prints an expired one",
    },
    CREDENTIAL_EXPIRED: {
        class: "credential",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Issue a new one (a new token, or a client certificate signed by the cluster's client CA) and update the connector's credential",
        cause: "the credential's client certificate or JWT token has expired: refused before any request",
    },
    UNREACHABLE: {
        class: "unreachable",
        timeoutLike: true,
        retryable: "never",
        clusterGone: true,
        advice: "Check the master URL and port (`masterUrl`), that the API server is running, and that this machine can reach it",
        cause: "connection refused, host unknown",
    },
    TIMEOUT: {
        class: "unreachable",
        timeoutLike: true,
        retryable: "never",
        clusterGone: true,
        advice: "Check that `masterUrl` points at the API server (not a load balancer that drops traffic) and that a firewall or proxy lets this machine through, run an exec credential plugin by hand, or raise `connectionTest.timeoutSeconds`",
        cause: "no answer within `timeoutSeconds`; or an exec credential plugin gave no credential in that time (it is killed, with what it started; only its command is named)",
    },
    TLS_UNKNOWN_AUTHORITY: {
        class: "tls",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Set `credential.caCert` to the CA that signed the API server's certificate (`certificate-authority-data` in a kubeconfig, base64-decoded)",
        cause: "server certificate from a CA not trusted",
    },
    TLS_NAME_MISMATCH: {
        class: "tls",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Use a `masterUrl` whose host the server certificate names, or set `credential.tlsServerName` to a name the certificate holds",
        cause: "certificate not valid for the host",
    },
    TLS_EXPIRED: {
        class: "tls",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Renew the API server's serving certificate, and check this machine's clock",
        cause: "server certificate expired / not yet valid",
    },
    TLS_FAILED: {
        class: "tls",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Check `credential.caCert`, the client certificate and key, and that `masterUrl` is the API server's https endpoint",
        cause: "another TLS handshake failure (bad client certificate or key, not an https endpoint)",
    },
    UNAUTHORIZED: {
        class: "authentication",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "The token may be wrong, expired or revoked, or the client certificate not signed by the cluster's client CA: issue a new credential the cluster authenticates (a ServiceAccount token, a client certificate signed by its client CA, or an OIDC user the API server trusts)",
        cause: "401: token wrong, expired or revoked; client cert not from the cluster's CA; or credentials ignored (anonymous)",
    },
    BASIC_AUTH_REJECTED: {
        class: "authentication",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Use a ServiceAccount token, a client certificate or OpenIdConnect: user name and password (basic authentication) were removed from kube-apiserver in Kubernetes 1.19",
        cause: "user name/password: removed from kube-apiserver in 1.19 (401, or treated as anonymous)",
    },
    OIDC_FAILED: {
        class: "authentication",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Check the issuer (`credential.auth.issuerUrl` and `issuerCaCert`), the user and the client, and that the API server trusts this issuer and client id (`--oidc-issuer-url`, `--oidc-client-id`) and its user name claim",
        cause: "issuer unreachable, password grant refused, or the API server refused the id_token",
    },
    FORBIDDEN_DEFAULT_NAMESPACE: {
        class: "permissions",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Grant the connector's identity `list` on deployments, replicasets, statefulsets and daemonsets in `default`, or set `connectionTest.skipDefaultNamespaceValidation: true` when the cluster has no default namespace or the identity has no rights there",
        cause: "403 listing controllers in `default`",
    },
    FORBIDDEN_NAMESPACE: {
        class: "permissions",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Grant the connector's identity the refused right, or choose another namespace (`connectionTest.namespace`)",
        cause: "403 in `connectionTest.namespace` (or another request)",
    },
    NAMESPACE_NOT_FOUND: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Create the namespace, or name one that exists (in `delegate.namespaces` or `connectionTest.namespace`)",
        cause: "a namespace in `delegate.namespaces` (or `connectionTest.namespace`) does not exist",
    },
    MISSING_PERMISSIONS: {
        class: "permissions",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Grant the missing permissions listed to the identity (a Role and RoleBinding in the namespace, or a ClusterRole), or relax `connectionTest.requiredPermissions`",
        cause: "the identity lacks rights of `requiredPermissions` (listed)",
    },
    RBAC_ESCALATION: {
        class: "permissions",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Give the provisioner the rights Kubernetes lists, or the `bind` verb on the role a binding binds (`escalate` on roles for a role), or use a provisioner credential with cluster-admin (`delegate.provisioner`)",
        cause: '"attempting to grant RBAC permissions not currently held": the provisioner lacks the rights it grants and `bind`/`escalate`',
    },
    OWNERSHIP_CONFLICT: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Choose other names, or set `delegate.adopt: true` to take the objects over",
        cause: "an object of the delegate exists and belongs to another connector or to no one",
    },
    NAMESPACE_MISSING: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Create the namespace, or leave `delegate.createNamespace` unset (true) so the connector creates it",
        cause: "the delegate's namespace does not exist and `delegate.createNamespace` is false",
    },
    NAMESPACE_TERMINATING: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Wait until the namespace is gone (`kubectl get namespace` shows what holds it: finalizers or objects), or choose another `delegate.namespace`",
        cause: "the delegate's namespace is being deleted (waited 120 s)",
    },
    TOKEN_TIMEOUT: {
        class: "other",
        timeoutLike: true,
        retryable: "never",
        clusterGone: false,
        advice: 'Check that kube-controller-manager runs the service-account token controller (with `--service-account-private-key-file`), raise `delegate.tokenWaitSeconds`, or set `delegate.token: "bound"`',
        cause: "the token controller did not fill the token Secret in `tokenWaitSeconds`",
    },
    ROLLBACK_INCOMPLETE: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Grant the provisioner `delete` on the kinds named, or run `pulumi up` again when the cluster answers: the connector takes over what is left",
        cause: "a step failed and undoing it failed too; the objects left are listed, each with why (`delete refused: 403 Forbidden`, or the cluster did not answer)",
    },
    RATE_LIMITED: {
        class: "unreachable",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "The API server is shedding load (API Priority and Fairness, or `--max-requests-inflight`): try again later, raise `connectionTest.timeoutSeconds`, or ask the cluster's admins to give the identity a higher priority level",
        cause: "the API server kept answering 429 Too Many Requests until the deadline (retried at most 4 times, never past `timeoutSeconds`)",
    },
    API_ERROR: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Check that `masterUrl` is the API server's root URL, without a path, and the API server's health and logs",
        cause: "the API server answered with another HTTP error (e.g. 404 for a `masterUrl` with a path, 5xx)",
    },
    // Harness registration's codes: `pulumi up` can raise them, the connection test never does.
    HARNESS_UNAUTHORIZED: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        advice: "Check `harness.apiKey` (or `HARNESS_PLATFORM_API_KEY`) and `harness.accountId` (or `HARNESS_ACCOUNT_ID`): the key must be a valid PAT or SAT of that account, not expired",
        cause: "Harness answered 401: the API key is wrong, expired or not of this account",
    },
    HARNESS_FORBIDDEN: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        advice: "Give the API key's user or service account the Connectors and Secrets create/edit/delete/view permissions in this scope",
        cause: "403: the key's principal lacks a permission (named by Harness)",
    },
    HARNESS_DUPLICATE: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        advice: "Choose another identifier or name, import it with `harness.adopt: true` if it is this connector, or delete the existing one in Harness",
        cause: 'a connector or secret with that identifier exists in the scope (Harness\'s 400 "… that already exists. Please enter a unique ID." / "Secret with identifier … already exists in this scope", or `DUPLICATE_FIELD`)',
    },
    HARNESS_INVALID_REQUEST: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        advice: "Fix what Harness names; nothing else was changed",
        cause: 'Harness refused a request (its message is quoted, with the correlationId); e.g. "The project level secret cannot be used at account level" (a bare ref from an account or org connector: preview catches it for `secretRefs`); force delete: `harness.forceDelete: true` and Harness answered "Force Delete is not enabled for account": the account setting `enable_force_delete` is off (the default; the error then says to turn on Enable Force Delete of Harness Resources in the account\'s settings, or to remove the references and set `forceDelete: false`)',
    },
    HARNESS_NOT_FOUND: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        advice: "Create it, or fix the org and project identifiers and the secret references (`secretRefs`): they must exist in Harness",
        cause: "an org, project or referenced secret does not exist",
    },
    HARNESS_REFERENCED: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        advice: "Remove the references (pipelines, services, environments) first, or set `harness.forceDelete: true` to delete it anyway (it needs the account setting Enable Force Delete of Harness Resources); then run again",
        cause: "delete refused (`ENTITY_REFERENCE_EXCEPTION`): pipelines (or other entities) reference the connector; for its secrets, only while Harness has not yet released the deleted connector's reference and past `harness.timeoutSeconds`",
    },
    HARNESS_POLICY_DENIED: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Change the connector or secret to satisfy the policy, or ask the policy's owner for an exception",
        cause: "a Harness (OPA) policy denied the connector or one of its secrets (HTTP 200 with no connector or secret; the policy is named); failed at once, nothing left",
    },
    HARNESS_RATE_LIMITED: {
        class: "other",
        timeoutLike: false,
        retryable: "byStatus",
        clusterGone: false,
        advice: "Harness kept answering 429 (rate limited): run again later, or raise `harness.timeoutSeconds`",
        cause: "Harness kept answering 429 until `harness.timeoutSeconds`",
    },
    HARNESS_UNAVAILABLE: {
        class: "other",
        timeoutLike: true,
        retryable: "unanswered",
        clusterGone: false,
        advice: "Harness did not answer or answered with a server error: check `harness.endpoint`, the network path to Harness and Harness's status, and run again",
        cause: "Harness could not be reached, or answered 5xx until the deadline",
    },
    HARNESS_TIMEOUT: {
        class: "other",
        timeoutLike: true,
        retryable: "never",
        clusterGone: false,
        advice: "Check `harness.endpoint` and the network path to Harness, or raise `harness.timeoutSeconds`",
        cause: "Harness did not answer within `harness.timeoutSeconds`",
    },
    // A 503 that says no delegate matches is not retried: waiting does not start one.
    HARNESS_TEST_FAILED: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Fix what the delegate reports, start a delegate with one of the connector's `delegateSelectors` that can reach `masterUrl` with these credentials, or set `harness.test: warn`",
        cause: "Harness's own test did not say SUCCESS under `test: gate` (its errorSummary and delegate quoted), or no delegate has the selectors (Harness's 400 \"no eligible delegate\" or 503 `UNAVAILABLE_DELEGATES`; a warning under `warn`)",
    },
    // The delegate install's codes: minting, revoking and purging its token, and the wait for it.
    DELEGATE_TOKEN_NAME_TAKEN: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Choose another delegate token name, or purge the revoked token first: Harness keeps token names unique per account, and a revoked token's name stays taken for 30 days unless the token is purged",
        cause: 'minting a delegate token whose name a token of the account already has, a revoked one too (Harness keeps it 30 days): "Token with given name … already exists for given account."',
    },
    DELEGATE_TOKEN_NOT_FOUND: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Check the delegate token's name (no token of the account has it: it may have been purged), and that the API key may edit delegates (`core_delegate_edit`)",
        cause: 'revoking a delegate token, or listing the delegate groups using one, that does not exist ("Specified token does not exist.", "No such delegate token exists.")',
    },
    DELEGATE_TOKEN_ACTIVE: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Revoke the delegate token before purging it: Harness deletes only revoked tokens",
        cause: "purging a delegate token that is still ACTIVE",
    },
    DELEGATE_TOKEN_SECRET_INVALID: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Create the Secret `delegate.install.token.existingSecret` names in the delegate's namespace, or have Vault / the external-secrets operator sync it, with the token under the key `DELEGATE_TOKEN`; then run `pulumi up` again",
        cause: "the Secret `delegate.install.token.existingSecret` names does not exist in the delegate's namespace, or holds no `DELEGATE_TOKEN` key; nothing was written",
    },
    DELEGATE_NOT_CONNECTED: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "Look at the delegate pods' events and logs (`kubectl describe pod`, `kubectl logs`), the proxy settings, and the manager URL (`MANAGER_HOST_AND_PORT`) they use, then run again; a revoked or expired token: set `delegate.install.token.name` to a new name",
        cause: "the installed delegate did not show as connected with an active token in Harness (`listDelegates`) within `waitSeconds` (what Harness last showed is quoted, with the declared tags it does not show yet after a tag change, and the delegate pods' own reasons when they are not running: `ErrImagePull`, `ImagePullBackOff`, `CrashLoopBackOff` with restarts and the last exit code, not scheduled; when Harness holds its token REVOKED, expired or not at all, that is said instead, with a new token name as the remediation)",
    },
    UNEXPECTED: {
        class: "other",
        timeoutLike: false,
        retryable: "never",
        clusterGone: false,
        advice: "This failure has no code of its own yet: report it to pulumi-kubernetes-connector with this message",
        cause: "a failure no other code describes (its message is quoted)",
    },
} as const satisfies Record<string, CodeFacts>;

/** What went wrong, as a stable code a pipeline can match on. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Every code, in the table's order. */
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

/** When `code` happens and what to do about it, as the codes reference says (Markdown). */
export function codeDocs(code: ErrorCode): { cause: string; advice: string } {
    const { cause, advice } = ERROR_CODES[code];
    return { cause, advice };
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

/** What to do about `code`: its one advice, the remediation of every error of that code after the case's own facts. */
export function defaultRemediation(code: ErrorCode): string {
    return factsOf(code).advice;
}

/** What one failure adds to its code's advice, and what the answer it comes from carried. */
export interface CaseFacts {
    /**
     * What is particular to this case and not in the code's advice (which permission to grant,
     * which property to set, which object), as a sentence without its final period. It comes
     * before the advice in the remediation.
     */
    facts?: string;
    /** Kubernetes' own words, when it said something useful. */
    kubernetesMessage?: string;
    /** The HTTP status of the answer, when there was one. */
    httpStatus?: number;
}

/** The remediation of a `code` error: the case's facts, when there are any, then the code's advice. */
export function remediationOf(code: ErrorCode, facts?: string): string {
    const advice = defaultRemediation(code);
    return facts ? `${facts}. ${advice}` : advice;
}

/**
 * The error a raiser throws: `what` happened, and the remediation is the code's advice after the
 * case's own facts. `new ConnectorError` is for rebuilding one from another's parts (a record, a
 * redaction, a rollback), never to write advice again.
 */
export function connectorError(code: ErrorCode, what: string, c: CaseFacts = {}): ConnectorError {
    return new ConnectorError(code, what, remediationOf(code, c.facts), c.kubernetesMessage, c.httpStatus);
}

/**
 * An error a user can act on: `message` says what happened, `remediation` what to do. A raiser
 * makes one with `connectorError` (the code's advice, after the case's facts).
 */
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
 * `e` as a ConnectorError. Anything else (a bug, or a failure no code describes yet) becomes an
 * error of `fallback.code` (UNEXPECTED unless told), quoting its message, with that code's advice
 * after the fallback's facts; the caller redacts it.
 */
export function toConnectorError(
    e: unknown,
    fallback: { code: ErrorCode; facts?: string } = { code: "UNEXPECTED" },
): ConnectorError {
    if (e instanceof ConnectorError) return e;
    const message = e instanceof Error ? e.message : String(e);
    return connectorError(fallback.code, message.replace(/\.$/, ""), { facts: fallback.facts });
}
