// A local STAND-IN for Harness's SaaS NG API (K8sCluster connectors, text secrets, delegate tokens
// and delegates), for tests:
// it is not Harness. `startHarnessStandIn()` starts it on 127.0.0.1 with TLS from its own CA and
// answers at `<url>/ng/api/...` the way https://app.harness.io/gateway does for the operations of
// the contract (tools/harness/ng-connectors-openapi.yaml, patched for the gaps NG-API-NOTES.md
// lists; and ng-delegates-openapi.yaml, delegate-token-ng and delegate-setup, merged in). It keeps: the contract (every request and every response validated, patched where
// Harness's real answers need it: nulls, PENDING, ENTITY_REFERENCE_EXCEPTION), the server rules of
// harness-core (each names the class it follows, with its error code and wording: identifiers,
// names, secret-ref scopes, secret managers per scope, duplicates by identifier only, not-found
// codes, deletes refused while referenced, forceDelete refused unless the account allows it,
// references released asynchronously after a connector delete, write-only values, status
// PENDING until tested), 401 on a wrong key, and a real test connection against the cluster's
// masterUrl as the NG Kubernetes validation does it (`GET /version` only, no certificate check
// without a caCertRef, 2-minute task bound; no eligible delegate: 400 INVALID_REQUEST). It does
// not keep: other connector or secret types, list/helper endpoints, the real rate limits, RBAC,
// the asynchronous creation of references, or wording the harness-core mirror did not show
// (those places say so). Faults (429 storms, 5xx, eventual consistency, policy denials, slow
// answers, UI edits and deletes, pipeline references, 403s) are injected by methods, not over HTTP.
// Delegates (delegateTokens.ts): tokens minted, read, revoked, purged and auto-revoked at
// revokeAfter as DelegateNgTokenServiceImpl does; delegates register and heartbeat at the
// stand-in-only HEARTBEAT_PATH (not Harness's contract) with their token, and a registered,
// connected delegate takes test connections for the connectors whose selectors it has.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type CertFiles, createCA, issueCert } from "../pki";
import { GATEWAY_IP } from "../pods/network";
import type { Json } from "./contract";
import { DELEGATE_TASK_TIMEOUT_MS, type StandInDelegate } from "./delegate";
import {
    DelegateRegistry,
    HEARTBEAT_EXPIRY_MS,
    type StoredDelegateGroup,
    type StoredDelegateToken,
} from "./delegateTokens";
import { type ConnectorMatch, type FaultState, type LoggedRequest, type SecretMatch, StandInServer } from "./server";
import { HarnessState, type Scope, type StoredConnector, type StoredSecret } from "./state";

export type { Json } from "./contract";
export { validateK8sClusterConnector } from "./contract";
export type { StandInDelegate } from "./delegate";
export { DELEGATE_TASK_TIMEOUT_MS } from "./delegate";
export type { DelegateHeartbeat, StoredDelegateGroup, StoredDelegateToken } from "./delegateTokens";
export { HEARTBEAT_EXPIRY_MS, REVOKED_TOKEN_TTL_MS } from "./delegateTokens";
export type { ConnectorMatch, LoggedRequest, SecretMatch } from "./server";
export { HEARTBEAT_PATH } from "./server";
export type { Scope, StoredConnector, StoredSecret } from "./state";

/**
 * Where an entity lives and its identifier: `{ org?, project?, identifier }`, or a string
 * `"id"` (account), `"O/id"` (org O) or `"O/P/id"` (project P of org O).
 */
export type ScopedId = string | (Scope & { identifier: string });

/** Options of {@link startHarnessStandIn}. */
export interface HarnessStandInOptions {
    /** The account the API key belongs to; default `standin_account`. */
    accountId?: string;
    /** The only API key accepted (`x-api-key`); default a random `pat.standin...` token. */
    apiKey?: string;
    /** HTTP status of a GET of a missing connector (RESOURCE_NOT_FOUND_EXCEPTION); default 400, as one server version answers. */
    notFoundStatus?: 400 | 404;
    /** The delegates test connections run on; default one delegate named `standin-delegate` with the selectors of `delegateSelectors`. */
    delegates?: StandInDelegate[];
    /** Selectors of the default delegate (ignored when `delegates` is given); default none. */
    delegateSelectors?: string[];
    /**
     * Secret managers secrets may name besides `harnessSecretManager` (they store inline, like it);
     * each, like `harnessSecretManager`, exists in every scope (a secret may name it bare, or as
     * `account.x` / `org.x`). Default none.
     */
    secretManagers?: string[];
    /**
     * Bound of each call a test connection makes to the cluster, in ms; default 10 000. The whole
     * test is also bounded by the delegate task's 2 minutes ({@link DELEGATE_TASK_TIMEOUT_MS}).
     */
    testTimeoutMs?: number;
    /**
     * The account setting `enable_force_delete`: when false (the default, as in Harness) a DELETE
     * with `forceDelete=true` of a connector or secret is refused with 400 INVALID_REQUEST
     * ("Parameter forcedDelete cannot be true. ..."); when true it deletes despite references.
     */
    forceDeleteEnabled?: boolean;
    /**
     * How long, in ms, a connector deleted (or updated) through the API keeps its references to
     * its secrets, which Harness releases asynchronously (ConnectorEntityReferenceHelper, via the
     * event framework): meanwhile deleting those secrets is refused with ENTITY_REFERENCE_EXCEPTION.
     * Default 1500; 0 releases at once.
     */
    referenceReleaseMs?: number;
    /**
     * What a test connection answers when no delegate has the connector's selectors:
     * `"invalid-request"` (the default, as Harness: HTTP 400 INVALID_REQUEST "No eligible
     * delegate(s) in account to execute task. ") or `"unavailable-delegates"` (the stand-in's
     * former HTTP 503 UNAVAILABLE_DELEGATES).
     */
    noDelegateAnswer?: "invalid-request" | "unavailable-delegates";
    /**
     * How long a delegate's last heartbeat keeps it connected, in ms; default 5 minutes
     * ({@link HEARTBEAT_EXPIRY_MS}, DelegateDao.isDelegateHeartBeatUpToDate). Tests shorten it.
     */
    heartbeatExpiryMs?: number;
    /** What `GET /ng/api/delegate-setup/latest-supported-version` answers; default `26.02.88404` (the chart's app version). */
    delegateVersion?: string;
    /** Port on 127.0.0.1; default a free one. */
    port?: number;
}

/** A running stand-in: where it is, what it received, its state, and the faults it can inject. */
export interface HarnessStandIn {
    /** Base URL a client uses, like `https://app.harness.io/gateway`: `https://127.0.0.1:PORT/gateway`. */
    url: string;
    /** The account: every call's `accountIdentifier` must be it (else 401 INVALID_CREDENTIAL). */
    accountId: string;
    /** The only `x-api-key` accepted (else 401 INVALID_TOKEN). */
    apiKey: string;
    /** The CA that signed the server's certificate (for 127.0.0.1, localhost and the pod bridge's gateway address). */
    caCertPem: string;
    /** A file holding {@link caCertPem}, e.g. for NODE_EXTRA_CA_CERTS; one CA per process, removed when it exits. */
    caCertFile: string;
    /**
     * The environment a client of the stand-in runs with, as users' pipelines set it for Harness:
     * HARNESS_ACCOUNT_ID, HARNESS_PLATFORM_API_KEY, HARNESS_ENDPOINT, and NODE_EXTRA_CA_CERTS to
     * trust its CA.
     */
    env: Record<string, string>;
    /** Every request received, in order, with its answer's status; it may hold secret values. */
    requests: LoggedRequest[];
    /** Answers that failed validation against the contract (each became a 500); tests expect it empty. */
    contractViolations: string[];
    /** The stored connectors. */
    connectors(): StoredConnector[];
    /** The stored secrets, values included. */
    secrets(): StoredSecret[];
    /**
     * The next `n` requests answer TOO_MANY_REQUESTS without Retry-After: HTTP 429 as the gateway
     * does (default), or `status` 400 as a service does (the notes: "even TOO_MANY_REQUESTS" is 400).
     */
    rateLimit(n: number, status?: 429 | 400): void;
    /**
     * The next `n` requests answer `status` (default 500) with the Error envelope; with
     * `afterCommit` the request takes effect first (as when an answer is lost after a create); with
     * `operationId` only requests of that operation (e.g. `createConnector`) count.
     */
    serverErrors(n: number, status?: number, opts?: { afterCommit?: boolean; operationId?: string }): void;
    /** The next `n` valid requests answer HTTP 403 NG_ACCESS_DENIED, naming the permission the operation needs. */
    accessDenied(n: number): void;
    /** Secrets created from now on cannot be referenced by a connector (create/update, test) for `ms` (0 ends it). */
    secretResolvableAfter(ms: number): void;
    /** Connector creates/updates that match answer HTTP 200 with `data.connector` absent and `data.governanceMetadata.deny` true; nothing is saved. */
    denyByPolicy(match: ConnectorMatch, policyName: string): void;
    /**
     * Secret creates/updates that match (an identifier, or a predicate on the SecretDTOV2 with its
     * value masked) answer HTTP 200 with `data.secret` null and `data.governanceMetadata.deny`
     * true, as SecretCrudServiceImpl does; nothing is saved. Until {@link clearPolicies}.
     */
    denySecretByPolicy(match: SecretMatch, policyName: string): void;
    /** Ends every policy denial, of connectors and of secrets. */
    clearPolicies(): void;
    /** Turns the account setting `enable_force_delete` on or off (see {@link HarnessStandInOptions.forceDeleteEnabled}; default off). */
    setForceDelete(enabled: boolean): void;
    /** Sets how long a deleted or updated connector's references to secrets outlive it, in ms (see {@link HarnessStandInOptions.referenceReleaseMs}; default 1500). */
    referenceReleaseAfter(ms: number): void;
    /** Delays every answer by `ms` (0 ends it); the request takes effect before the delay. */
    slow(ms: number): void;
    /** Edits a connector as the UI would: deep merge of `patch` into its ConnectorInfo (arrays replace, null deletes). */
    editConnector(ref: ScopedId, patch: Json): StoredConnector;
    /** Deletes a connector as the UI would (even when referenced), its references to secrets with it, at once; false when there was none. */
    deleteConnector(ref: ScopedId): boolean;
    /** Edits a secret as the UI would: deep merge into its SecretDTOV2, e.g. `{ spec: { value: "new" } }`. */
    editSecret(ref: ScopedId, patch: Json): StoredSecret;
    /** Deletes a secret as the UI would (even when referenced); false when there was none. */
    deleteSecret(ref: ScopedId): boolean;
    /** Records that a pipeline references the connector, so that a DELETE without forceDelete is refused (ENTITY_REFERENCE_EXCEPTION). */
    referenceByPipeline(ref: ScopedId, pipelineId: string): void;
    /** Every test connection answers FAILURE with this message (after picking a delegate); undefined ends it. */
    failTestConnection(message?: string): void;
    /**
     * What a delegate's MANAGER_HOST_AND_PORT names to reach this stand-in: `https://127.0.0.1:PORT`
     * (the origin, as `https://app.harness.io` is Harness's). Delegates register and heartbeat at
     * `<managerUrl>/standin/delegate/heartbeat` (HEARTBEAT_PATH): a stand-in-only endpoint, NOT part
     * of Harness's contract (a real delegate speaks its own JWT-authenticated protocol there).
     */
    managerUrl: string;
    /** The delegate tokens, values included (tests only: the API gives a value only to edit permission). */
    delegateTokens(): StoredDelegateToken[];
    /** The registered delegate groups and their instances. */
    delegateGroups(): StoredDelegateGroup[];
    /** Sets how long a heartbeat keeps a delegate connected, in ms (see {@link HarnessStandInOptions.heartbeatExpiryMs}). */
    heartbeatExpiryAfter(ms: number): void;
    /** Stops the server (the CA file stays until the process exits: stand-ins of one process share it). Safe to call twice. */
    stop(): Promise<void>;
}

/** Parses a {@link ScopedId}. */
export function parseScopedId(ref: ScopedId): { scope: Scope; identifier: string } {
    if (typeof ref !== "string") {
        const scope: Scope = {};
        if (ref.org) scope.org = ref.org;
        if (ref.project) scope.project = ref.project;
        return { scope, identifier: ref.identifier };
    }
    const parts = ref.split("/");
    if (parts.length === 1) return { scope: {}, identifier: parts[0] };
    if (parts.length === 2) return { scope: { org: parts[0] }, identifier: parts[1] };
    if (parts.length === 3) return { scope: { org: parts[0], project: parts[1] }, identifier: parts[2] };
    throw new Error(`"${ref}" is not id, org/id or org/project/id`);
}

/** Starts a Harness NG API stand-in on 127.0.0.1 with TLS; see {@link HarnessStandIn}. */
export async function startHarnessStandIn(opts: HarnessStandInOptions = {}): Promise<HarnessStandIn> {
    const accountId = opts.accountId ?? "standin_account";
    const apiKey = opts.apiKey ?? `pat.${accountId}.${Math.random().toString(36).slice(2, 12)}.standin`;
    {
        const { ca, serving } = standInTls();
        const state = new HarnessState({
            accountId,
            secretManagers: new Set(opts.secretManagers ?? []),
            forceDeleteEnabled: opts.forceDeleteEnabled ?? false,
            referenceReleaseMs: opts.referenceReleaseMs ?? 1500,
            secretDelayMs: 0,
        });
        const delegates = new DelegateRegistry(accountId, opts.heartbeatExpiryMs ?? HEARTBEAT_EXPIRY_MS);
        const faults: FaultState = {
            rateLimited: 0,
            rateLimitStatus: 429,
            accessDenied: 0,
            serverErrors: { count: 0, status: 500, afterCommit: false },
            slowMs: 0,
            denies: [],
            secretDenies: [],
        };
        const server = new StandInServer(
            {
                accountId,
                apiKey,
                notFoundStatus: opts.notFoundStatus ?? 400,
                delegates: opts.delegates ?? [{ name: "standin-delegate", selectors: opts.delegateSelectors ?? [] }],
                testTimeoutMs: opts.testTimeoutMs ?? 10_000,
                taskTimeoutMs: DELEGATE_TASK_TIMEOUT_MS,
                noDelegateAnswer: opts.noDelegateAnswer ?? "invalid-request",
                delegateVersion: opts.delegateVersion ?? "26.02.88404",
            },
            state,
            faults,
            delegates,
        );
        const port = await server.listen({ cert: serving.certPem, key: serving.keyPem }, opts.port);
        let stopped = false;
        return {
            url: `https://127.0.0.1:${port}/gateway`,
            accountId,
            apiKey,
            caCertPem: ca.certPem,
            caCertFile: ca.certPath,
            env: {
                HARNESS_ACCOUNT_ID: accountId,
                HARNESS_PLATFORM_API_KEY: apiKey,
                HARNESS_ENDPOINT: `https://127.0.0.1:${port}/gateway`,
                NODE_EXTRA_CA_CERTS: ca.certPath,
            },
            requests: server.requests,
            contractViolations: server.contractViolations,
            managerUrl: `https://127.0.0.1:${port}`,
            delegateTokens: () => delegates.allTokens(),
            delegateGroups: () => delegates.allGroups(),
            heartbeatExpiryAfter: (ms) => {
                delegates.heartbeatExpiryMs = ms;
            },
            connectors: () => state.connectors(),
            secrets: () => state.secrets(),
            rateLimit: (n, status = 429) => {
                faults.rateLimited = n;
                faults.rateLimitStatus = status;
            },
            serverErrors: (n, status = 500, o = {}) => {
                faults.serverErrors = { count: n, status, afterCommit: !!o.afterCommit, operationId: o.operationId };
            },
            accessDenied: (n) => {
                faults.accessDenied = n;
            },
            secretResolvableAfter: (ms) => {
                state.secretDelayMs = ms;
            },
            denyByPolicy: (match, policyName) => {
                faults.denies.push({ match, policyName });
            },
            denySecretByPolicy: (match, policyName) => {
                faults.secretDenies.push({ match, policyName });
            },
            clearPolicies: () => {
                faults.denies.length = 0;
                faults.secretDenies.length = 0;
            },
            setForceDelete: (enabled) => {
                state.settings.forceDeleteEnabled = enabled;
            },
            referenceReleaseAfter: (ms) => {
                state.settings.referenceReleaseMs = ms;
            },
            slow: (ms) => {
                faults.slowMs = ms;
            },
            editConnector: (ref, patch) => {
                const { scope, identifier } = parseScopedId(ref);
                return state.editConnector(scope, identifier, patch);
            },
            deleteConnector: (ref) => {
                const { scope, identifier } = parseScopedId(ref);
                return state.removeConnector(scope, identifier);
            },
            editSecret: (ref, patch) => {
                const { scope, identifier } = parseScopedId(ref);
                return state.editSecret(scope, identifier, patch);
            },
            deleteSecret: (ref) => {
                const { scope, identifier } = parseScopedId(ref);
                return state.removeSecret(scope, identifier);
            },
            referenceByPipeline: (ref, pipelineId) => {
                const { scope, identifier } = parseScopedId(ref);
                state.referenceByPipeline(scope, identifier, pipelineId);
            },
            failTestConnection: (message) => {
                faults.testFailure = message;
            },
            stop: async () => {
                if (stopped) return;
                stopped = true;
                await server.close();
            },
        };
    }
}

let tlsFiles: { ca: CertFiles; serving: CertFiles } | undefined;

/**
 * The stand-ins' CA and serving certificate, made once per process (an RSA CA takes seconds on a
 * busy machine) in a temp folder removed when the process exits.
 */
function standInTls(): { ca: CertFiles; serving: CertFiles } {
    if (tlsFiles) return tlsFiles;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-harness-"));
    process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    const ca = createCA(dir, "harness-standin-ca");
    const serving = issueCert(ca, dir, "harness-standin", {
        cn: "harness-standin",
        // The gateway of the local cluster's pod bridge too: pods reach the stand-in there (ControlPlane.pods.exposeToPods).
        sans: ["IP:127.0.0.1", "DNS:localhost", `IP:${GATEWAY_IP}`],
        keyType: "ec",
    });
    tlsFiles = { ca, serving };
    return tlsFiles;
}
