// Part of a local STAND-IN for Harness's SaaS NG API, for tests: it is not Harness. This file is
// its HTTPS server: every request is routed and validated by openapi-backend against the patched
// contract (contract.ts), refused with Harness's error envelope when the real API would refuse
// it, and every response it sends is validated against the same contract (one that fails is a
// bug of the stand-in: it answers 500 and records it in `contractViolations`). It keeps the
// transport rules of NG-API-NOTES.md: `x-api-key` and `accountIdentifier` (401), the scope in the
// body for connector create/update and in the query for GET/DELETE/testConnection, a fresh
// correlationId on every answer, 429 without Retry-After. Each operation checks in the order of
// the harness-core resource and service it follows (ConnectorResource, DefaultConnectorServiceImpl,
// NGSecretResourceV2, SecretCrudServiceImpl: named at each handler): a connector or secret answer
// shows unset fields as JSON null (ConnectorMapper), a policy denial answers 200 with the entity
// null and governanceMetadata, a test connection with no eligible delegate answers 400
// INVALID_REQUEST (or, as an option, the old 503 UNAVAILABLE_DELEGATES). What it does not keep:
// the gateway's real rate limits (only injected ones), YAML bodies, list/helper endpoints, Git sync.
import { randomUUID } from "node:crypto";
import * as https from "node:https";
import type * as net from "node:net";
import OpenAPIBackend, { type Operation } from "openapi-backend";
import { connectorAnswer, type Json, loadContract } from "./contract";
import {
    type ClusterCredential,
    inheritedCredential,
    pickDelegate,
    type StandInDelegate,
    type TestError,
    testCluster,
} from "./delegate";
import {
    type DelegateHeartbeat,
    type DelegateRegistry,
    type DelegateTokenStatus,
    tokenDetails,
} from "./delegateTokens";
import {
    HARNESS_SECRET_MANAGER,
    HarnessError,
    type HarnessState,
    invalidRequest,
    resourceNotFound,
    type Scope,
    type StoredConnector,
    type StoredSecret,
} from "./state";

/** One request the stand-in received, with its answer's status (it may hold secret values). */
export interface LoggedRequest {
    /** When it arrived (ms since the epoch). */
    at: number;
    method: string;
    /** The path as sent, `/gateway/ng/api/...`. */
    path: string;
    query: Record<string, string>;
    /** The parsed JSON body, or the raw text when it is not JSON; undefined when empty. */
    body?: unknown;
    /** The operationId it matched, if any. */
    operationId?: string;
    status: number;
    /** The error code of a refusal. */
    code?: string;
    correlationId: string;
    /** How long the stand-in took to answer (its delegate's test included, injected slowness not), in ms. */
    ms?: number;
}

/** Selects connectors for a policy denial: an identifier, or a predicate on the ConnectorInfo. */
export type ConnectorMatch = string | ((connector: Json) => boolean);

/** Selects secrets for a policy denial: an identifier, or a predicate on the SecretDTOV2 (its value masked). */
export type SecretMatch = string | ((secret: Json) => boolean);

/** The configuration and mutable fault state the HTTP layer reads. */
export interface ServerConfig {
    accountId: string;
    apiKey: string;
    notFoundStatus: 400 | 404;
    delegates: StandInDelegate[];
    /** Per-request timeout of a test connection's calls to the cluster (ms). */
    testTimeoutMs: number;
    /** Bound of the whole test (the delegate task's execution timeout), ms. */
    taskTimeoutMs: number;
    /** What a test connection answers when no delegate has the connector's selectors. */
    noDelegateAnswer: "invalid-request" | "unavailable-delegates";
    /** What latest-supported-version answers (SupportedDelegateVersion.latestSupportedVersion). */
    delegateVersion: string;
}

/** Faults the tests inject (see index.ts for their meaning). */
export interface FaultState {
    rateLimited: number;
    /** HTTP status of an injected TOO_MANY_REQUESTS: 429 from the gateway, 400 from the service. */
    rateLimitStatus: number;
    serverErrors: { count: number; status: number; afterCommit: boolean; operationId?: string };
    slowMs: number;
    denies: { match: ConnectorMatch; policyName: string }[];
    secretDenies: { match: SecretMatch; policyName: string }[];
    testFailure?: string;
    /** Requests left to answer 403 NG_ACCESS_DENIED (a key without the permission). */
    accessDenied: number;
}

/** The permission each operation needs, as Harness names it in NG_ACCESS_DENIED messages. */
const PERMISSIONS: Record<string, string> = {
    createConnector: "core_connector_edit",
    updateConnector: "core_connector_edit",
    getConnector: "core_connector_view",
    deleteConnector: "core_connector_delete",
    getTestConnectionResult: "core_connector_view",
    postSecret: "core_secret_edit",
    putSecret: "core_secret_edit",
    getSecretV2: "core_secret_view",
    deleteSecretV2: "core_secret_delete",
    // DelegateTokenNgResource and DelegateSetupNgResource (RbacConstants: DELEGATE_*_PERMISSION).
    createDelegateToken: "core_delegate_edit",
    revokeDelegateToken: "core_delegate_delete",
    deleteDelegateToken: "core_delegate_delete",
    getDelegateTokens: "core_delegate_view",
    getDelegateGroupsUsingToken: "core_delegate_view",
    listDelegates: "core_delegate_view",
    publishedDelegateVersion: "core_delegate_view",
};

/** The stand-in-only path where a delegate (the test agent) registers and heartbeats: not in Harness's contract. */
export const HEARTBEAT_PATH = "/standin/delegate/heartbeat";

interface Answer {
    status: number;
    body: Json;
}

const scopeOf = (q: Record<string, string>): Scope => ({
    org: q.orgIdentifier || undefined,
    project: q.projectIdentifier || undefined,
});

/** Everything but the inline value, which is write-only. */
function secretView(rec: StoredSecret): Json {
    const secret = structuredClone(rec.secret);
    const spec = { ...((secret.spec as Json) ?? {}) };
    delete spec.value;
    secret.spec = spec;
    return { secret, createdAt: rec.createdAt, updatedAt: rec.updatedAt, draft: false };
}

/** ConnectorResponseDTO as ConnectorMapper.writeDTO fills it: unset fields of the DTOs are null. */
function connectorView(rec: StoredConnector): Json {
    return {
        connector: connectorAnswer(rec.connector),
        createdAt: rec.createdAt,
        lastModifiedAt: rec.lastModifiedAt,
        status: rec.status,
        activityDetails: { lastActivityTime: rec.lastModifiedAt },
        harnessManaged: false,
        governanceMetadata: null,
    };
}

/** Decodes a PEM held either as text or base64 of the text (both are seen in Harness secrets). */
function pem(value: string): string {
    if (value.includes("-----BEGIN")) return value;
    const decoded = Buffer.from(value, "base64").toString("utf8");
    return decoded.includes("-----BEGIN") ? decoded : value;
}

let backend: Promise<OpenAPIBackend> | undefined;

/**
 * The patched contract compiled into an openapi-backend router and validators, once per process
 * (compiling takes seconds; it holds no per-stand-in state).
 */
export function contractBackend(): Promise<OpenAPIBackend> {
    backend ??= (async () => {
        const api = new OpenAPIBackend({
            definition: loadContract() as any,
            apiRoot: "/gateway",
            validate: true,
            coerceTypes: true,
            strict: false,
            quick: false,
            ajvOpts: { allErrors: true, strict: false },
        });
        await api.init();
        return api;
    })();
    return backend;
}

/** The HTTP layer: routing, validation, auth, faults, envelopes, handlers. */
export class StandInServer {
    /** Every request received, in order. */
    readonly requests: LoggedRequest[] = [];
    /** Answers that failed the contract (each sent as a 500 instead). */
    readonly contractViolations: string[] = [];
    private api!: OpenAPIBackend;
    private server?: https.Server;

    constructor(
        private readonly cfg: ServerConfig,
        private readonly state: HarnessState,
        readonly faults: FaultState,
        private readonly delegates: DelegateRegistry,
    ) {}

    /** Listens on 127.0.0.1 (a free port unless given); returns the port. */
    async listen(tls: { cert: string; key: string }, port = 0): Promise<number> {
        this.api = await contractBackend();
        const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
            // A client that goes away mid-request ends only its own request.
            this.serve(req, res).catch(() => res.destroy());
        });
        this.server = server;
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(port, "127.0.0.1", () => resolve());
        });
        return (server.address() as net.AddressInfo).port;
    }

    /** Stops listening and drops open connections. */
    async close(): Promise<void> {
        const server = this.server;
        if (!server) return;
        this.server = undefined;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
    }

    private async serve(
        req: import("node:http").IncomingMessage,
        res: import("node:http").ServerResponse,
    ): Promise<void> {
        const correlationId = randomUUID();
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const raw = Buffer.concat(chunks).toString("utf8");
        const url = new URL(req.url ?? "/", "https://stand-in");
        const query = Object.fromEntries(url.searchParams);
        const entry: LoggedRequest = {
            at: Date.now(),
            method: req.method ?? "GET",
            path: url.pathname,
            query,
            status: 0,
            correlationId,
        };
        let body: unknown;
        let badJson = false;
        if (raw.length) {
            try {
                body = JSON.parse(raw);
            } catch {
                body = raw;
                badJson = true;
            }
            entry.body = body;
        }
        this.requests.push(entry);
        const started = performance.now();
        let answer: Answer;
        try {
            answer =
                url.pathname === HEARTBEAT_PATH
                    ? this.heartbeat(entry, body, correlationId)
                    : await this.answer(entry, req.headers, body, badJson, correlationId);
        } catch (e) {
            answer = this.error(
                500,
                "DEFAULT_ERROR_CODE",
                `The stand-in failed: ${(e as Error).message}`,
                correlationId,
            );
            this.contractViolations.push(`${entry.method} ${entry.path}: the stand-in threw ${(e as Error).stack}`);
        }
        entry.status = answer.status;
        entry.ms = performance.now() - started;
        if (answer.status >= 400) entry.code = answer.body.code as string;
        if (this.faults.slowMs > 0) await new Promise((r) => setTimeout(r, this.faults.slowMs));
        const text = JSON.stringify(answer.body);
        res.writeHead(answer.status, {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(text),
            "x-harness-stand-in": "true",
        });
        res.end(text);
    }

    /** A Harness error body: ERROR with responseMessages (Error entity); FAILURE with field errors for constraint violations. */
    private error(
        status: number,
        code: string,
        message: string,
        correlationId: string,
        fieldErrors: { fieldId: string; error: string }[] = [],
    ): Answer {
        const body: Json = {
            status: fieldErrors.length ? "FAILURE" : "ERROR",
            code,
            message,
            correlationId,
            detailedMessage: null,
            responseMessages: [{ code, level: "ERROR", message, failureTypes: [] }],
        };
        if (fieldErrors.length) body.errors = fieldErrors;
        return { status, body };
    }

    /** The RestResponse envelope of the delegate resources: {metaData, resource, responseMessages}. */
    private rest(resource: unknown): Answer {
        return { status: 200, body: { metaData: {}, resource, responseMessages: [] } };
    }

    /**
     * The stand-in-only heartbeat (HEARTBEAT_PATH, outside Harness's contract, so checked by hand):
     * a delegate registers and heartbeats with its token value (DelegateRegistry.heartbeat has the
     * rules). Answers {status, data: {delegateId, delegateGroupId}} or Harness's error envelope.
     */
    private heartbeat(entry: LoggedRequest, body: unknown, cid: string): Answer {
        entry.operationId = "standinDelegateHeartbeat";
        if (entry.method !== "POST") return this.error(405, "INVALID_REQUEST", `${HEARTBEAT_PATH} takes POST`, cid);
        const hb = body as Partial<DelegateHeartbeat> | undefined;
        const missing = ["accountId", "token", "delegateName", "hostName"].filter(
            (k) => typeof (hb as any)?.[k] !== "string" || (hb as any)[k] === "",
        );
        if (!hb || missing.length)
            return this.error(400, "INVALID_REQUEST", `Invalid request: ${missing.join(", ")} must not be empty`, cid);
        try {
            const { group, instance } = this.delegates.heartbeat(hb as DelegateHeartbeat);
            return this.ok({ delegateId: instance.uuid, delegateGroupId: group.uuid }, cid);
        } catch (e) {
            if (!(e instanceof HarnessError)) throw e;
            return this.error(e.httpStatus, e.code, e.message, cid, e.fieldErrors);
        }
    }

    private ok(data: unknown, correlationId: string): Answer {
        return { status: 200, body: { status: "SUCCESS", data, metaData: {}, correlationId } };
    }

    private async answer(
        entry: LoggedRequest,
        headers: import("node:http").IncomingHttpHeaders,
        body: unknown,
        badJson: boolean,
        correlationId: string,
    ): Promise<Answer> {
        const request = {
            method: entry.method,
            path: entry.path,
            query: entry.query,
            headers: headers as Record<string, string>,
            body,
        };
        const operation = this.api.router.matchOperation(request);
        if (!operation?.operationId) {
            // Outside the contract: no schema to check the answer against.
            return this.error(
                404,
                "RESOURCE_NOT_FOUND",
                `Unable to find ${entry.method} ${entry.path} (the stand-in serves only the contract's operations)`,
                correlationId,
            );
        }
        entry.operationId = operation.operationId;
        const answer = await this.route(operation, request, body, badJson, correlationId);
        const check = this.api.validateResponse(answer.body, operation, answer.status);
        if (check.errors?.length) {
            const why = check.errors.map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
            this.contractViolations.push(`${operation.operationId} HTTP ${answer.status}: ${why}`);
            return this.error(
                500,
                "DEFAULT_ERROR_CODE",
                `The stand-in's answer broke the contract: ${why}`,
                correlationId,
            );
        }
        return answer;
    }

    private async route(
        operation: Operation,
        request: any,
        body: unknown,
        badJson: boolean,
        correlationId: string,
    ): Promise<Answer> {
        const f = this.faults;
        if (f.rateLimited > 0) {
            f.rateLimited--;
            return this.error(
                f.rateLimitStatus,
                "TOO_MANY_REQUESTS",
                "Too many requests: rate limit exceeded, try again later",
                correlationId,
            );
        }
        const before = this.injectedServerError(false, correlationId, operation.operationId);
        if (before) return before;
        const key = request.headers["x-api-key"];
        if (key !== this.cfg.apiKey)
            return this.error(
                401,
                "INVALID_TOKEN",
                key ? "Token is not valid." : "Token is missing: send the x-api-key header",
                correlationId,
            );
        const account = request.query.accountIdentifier;
        if (account !== undefined && account !== this.cfg.accountId)
            return this.error(
                401,
                "INVALID_CREDENTIAL",
                `Invalid credentials: the API key does not belong to account [${account}]`,
                correlationId,
            );
        if (badJson)
            return this.error(
                400,
                "INVALID_REQUEST",
                "Unable to process JSON: the body is not valid JSON",
                correlationId,
            );
        // JAX-RS ignores query parameters an operation does not declare; the validator would not.
        const declared = new Set((operation.parameters ?? []).map((p: any) => p.in === "query" && p.name));
        const query = Object.fromEntries(
            Object.entries(request.query as Record<string, string>).filter(([k]) => declared.has(k)),
        );
        const v = this.api.validateRequest({ ...request, query }, operation);
        if (v.errors?.length) {
            const fieldErrors = v.errors.map((e) => {
                const params = (e.params ?? {}) as Record<string, unknown>;
                const at = e.instancePath
                    .replace(/^\/requestBody\/?/, "")
                    .replace(/^\//, "")
                    .replace(/\//g, ".");
                const missing = typeof params.missingProperty === "string" ? params.missingProperty : undefined;
                const fieldId = [at, missing].filter(Boolean).join(".") || "request";
                const allowed = Array.isArray(params.allowedValues) ? `: ${params.allowedValues.join(", ")}` : "";
                return { fieldId, error: missing ? "must not be null" : `${e.message}${allowed}` };
            });
            return this.error(
                400,
                "INVALID_REQUEST",
                `Invalid request: ${fieldErrors.map((x) => `${x.fieldId} ${x.error}`).join("; ")}`,
                correlationId,
                fieldErrors,
            );
        }
        if (this.faults.accessDenied > 0) {
            this.faults.accessDenied--;
            const permission = PERMISSIONS[operation.operationId!] ?? "core_connector_view";
            return this.error(
                403,
                "NG_ACCESS_DENIED",
                `Missing permission ${permission} on ${permission.split("_")[1]}`,
                correlationId,
            );
        }
        let answer: Answer;
        try {
            answer = await this.handle(operation.operationId!, request, body as Json, correlationId);
        } catch (e) {
            if (!(e instanceof HarnessError)) throw e;
            return this.error(e.httpStatus, e.code, e.message, correlationId, e.fieldErrors);
        }
        return this.injectedServerError(true, correlationId, operation.operationId) ?? answer;
    }

    /** An injected 5xx due at this point (before the request takes effect, or after), if any. */
    private injectedServerError(afterCommit: boolean, correlationId: string, operationId?: string): Answer | undefined {
        const e = this.faults.serverErrors;
        if (e.count <= 0 || e.afterCommit !== afterCommit) return undefined;
        if (e.operationId && e.operationId !== operationId) return undefined;
        e.count--;
        return this.error(
            e.status,
            "DEFAULT_ERROR_CODE",
            "An error has occurred. Please contact the Harness support team.",
            correlationId,
        );
    }

    private async handle(operationId: string, request: any, body: Json, cid: string): Promise<Answer> {
        const q = request.query as Record<string, string>;
        const params = this.api.router.parseRequest(request, this.api.router.getOperation(operationId)).params;
        const rawId = (params.identifier ?? params.delegateIdentifier) as string | undefined;
        // Identifiers may hold "$", which clients send as %24.
        const id = rawId === undefined ? "" : decodeURIComponent(rawId);
        const force = q.forceDelete === "true";
        const s = this.state;
        switch (operationId) {
            case "createConnector":
            case "updateConnector": {
                const info = body?.connector as Json | undefined;
                if (!info)
                    throw new HarnessError(400, "INVALID_REQUEST", "Invalid request: connector must not be null", [
                        { fieldId: "connector", error: "must not be null" },
                    ]);
                const create = operationId === "createConnector";
                // ConnectorResource.create/update: bean validation, then harnessSecretManager.
                s.checkConnectorBean(info);
                if (info.identifier === HARNESS_SECRET_MANAGER)
                    throw invalidRequest(
                        create
                            ? `${HARNESS_SECRET_MANAGER} cannot be used as connector identifier`
                            : "Update operation not supported for Harness Secret Manager",
                    );
                // Validated before the policy, like the server (a denied body is still a valid one).
                const scope = s.validateConnector(info);
                const denial = this.faults.denies.find((d) =>
                    typeof d.match === "string" ? d.match === info.identifier : d.match(info),
                );
                if (denial)
                    return this.ok(
                        { governanceMetadata: governance(denial.policyName, info, scope, "connector") },
                        cid,
                    );
                const saved = create ? s.createConnector(info, scope) : s.updateConnector(info, scope);
                return this.ok(connectorView(saved), cid);
            }
            case "getConnector": {
                // ConnectorResource.get: NotFoundException "Connector with identifier [X] in project
                // [P], org [O] not found" (Java nulls as "null"), RESOURCE_NOT_FOUND_EXCEPTION.
                const scope = checkQueryScope(q);
                const rec = s.findConnector(scope, id);
                if (!rec)
                    throw resourceNotFound(
                        `Connector with identifier [${id}] in project [${scope.project ?? "null"}], org [${scope.org ?? "null"}] not found`,
                        this.cfg.notFoundStatus,
                    );
                return this.ok(connectorView(rec), cid);
            }
            case "deleteConnector":
                // ConnectorResource.delete refuses the built-in secret manager first.
                if (id === HARNESS_SECRET_MANAGER)
                    throw invalidRequest("Delete operation not supported for Harness Secret Manager");
                s.deleteConnector(checkQueryScope(q), id, force);
                return this.ok(true, cid);
            case "getTestConnectionResult":
                return this.ok(await this.testConnection(checkQueryScope(q), id), cid);
            case "postSecret": {
                // NGSecretResourceV2.create -> SecretCrudServiceImpl.create: bean validation, the
                // empty value, the policy, the secret manager, the duplicate.
                const secret = body?.secret as Json;
                s.checkSecretBody(secret);
                const scope = s.secretScope(scopeOf(q), secret);
                s.checkSecretValue(secret);
                const denied = this.secretDenial(secret, scope);
                if (denied) return this.ok(denied, cid);
                return this.ok(secretView(s.createSecret(scope, secret)), cid);
            }
            case "putSecret": {
                // SecretCrudServiceImpl.update: the secret must exist, then the policy, then the update.
                const secret = body?.secret as Json | undefined;
                if (!secret)
                    throw new HarnessError(400, "INVALID_REQUEST", "Invalid request: secret must not be null", [
                        { fieldId: "secret", error: "must not be null" },
                    ]);
                s.checkSecretBody(secret);
                const scope = s.secretScope(scopeOf(q), secret);
                s.checkSecretUpdate(scope, id, secret);
                const denied = this.secretDenial(secret, scope);
                if (denied) return this.ok(denied, cid);
                return this.ok(secretView(s.updateSecret(scope, id, secret)), cid);
            }
            case "getSecretV2": {
                // NGSecretResourceV2.get: a missing secret is a NotFoundException
                // (RESOURCE_NOT_FOUND_EXCEPTION, 400, the notes); its wording is the one harness-core's
                // v1 secret API gives its NotFoundException (NGSecretResourceV2's was not found).
                const scope = checkQueryScope(q);
                const rec = s.findSecret(scope, id);
                if (!rec)
                    throw resourceNotFound(
                        `Secret with identifier [${id}] in org [${scope.org ?? "null"}] and project [${scope.project ?? "null"}] not found`,
                    );
                return this.ok(secretView(rec), cid);
            }
            case "deleteSecretV2":
                s.deleteSecret(checkQueryScope(q), id, force);
                return this.ok(true, cid);
            // DelegateTokenNgResource -> DelegateNgTokenInternalResource -> DelegateNgTokenServiceImpl.
            case "createDelegateToken": {
                const revokeAfter = q.revokeAfter === undefined ? undefined : Number(q.revokeAfter);
                const t = this.delegates.mint(checkQueryScope(q), q.tokenName, revokeAfter);
                return this.rest(tokenDetails(t, this.cfg.accountId, true));
            }
            case "getDelegateTokens": {
                // The value only with delegate edit permission (hasEditAccess): the key has every permission here.
                const found = this.delegates.read(checkQueryScope(q), q.name, q.status as DelegateTokenStatus);
                return this.rest(found.map((t) => tokenDetails(t, this.cfg.accountId, true)));
            }
            case "revokeDelegateToken":
                checkQueryScope(q);
                return this.rest(tokenDetails(this.delegates.revoke(q.tokenName), this.cfg.accountId, false));
            case "deleteDelegateToken":
                checkQueryScope(q);
                this.delegates.purge(q.tokenName);
                return this.rest(true);
            case "getDelegateGroupsUsingToken": {
                const scope = checkQueryScope(q);
                this.delegates.checkTokenExists(q.delegateTokenName);
                return this.rest({ delegateGroupDetails: this.delegates.groupDetails(scope, q.delegateTokenName) });
            }
            case "listDelegates": {
                // DelegateSetupNgResource.listDelegates -> DelegateSetupServiceImpl.listDelegates.
                const f = (body ?? {}) as { delegateName?: string; status?: string; delegateTags?: string[] };
                return this.rest(this.delegates.list(checkQueryScope(q), f));
            }
            case "deleteDelegate": {
                // DelegateSetupNgResource.deleteDelegateGroup -> DelegateServiceImpl.deleteDelegateGroupV3/V2.
                this.delegates.deleteGroup(checkQueryScope(q), id);
                return this.rest({ responseMsg: "Successfully deleted delegate." });
            }
            case "publishedDelegateVersion": {
                // DelegateSetupNgResource.publishedDelegateVersion: account-level, the scope is not read.
                const v = this.cfg.delegateVersion;
                return this.rest({ latestSupportedVersion: v, latestSupportedMinimalVersion: `${v}.minimal` });
            }
        }
        throw new Error(`no handler for ${operationId}`);
    }

    /**
     * An OPA denial of a secret create/update (SecretCrudServiceImpl.isOpaPoliciesSatisfied): the
     * SecretResponseWrapper with only governanceMetadata set (secret null), nothing saved.
     */
    private secretDenial(secret: Json, scope: Scope): Json | undefined {
        const d = this.faults.secretDenies.find((x) =>
            typeof x.match === "string" ? x.match === secret.identifier : x.match(masked(secret)),
        );
        if (!d) return undefined;
        return {
            secret: null,
            createdAt: null,
            updatedAt: null,
            draft: false,
            governanceMetadata: governance(d.policyName, secret, scope, "secret"),
        };
    }

    /** What a delegate does for a K8sCluster test: the result (HTTP 200 even when it failed). */
    private async testConnection(scope: Scope, id: string): Promise<Json> {
        // ConnectorResource.testConnection: ConnectorNotFoundException "No connector found with
        // identifier X" (CONNECTOR_NOT_FOUND_EXCEPTION, 400).
        const rec = this.state.findConnector(scope, id);
        if (!rec)
            throw new HarnessError(400, "CONNECTOR_NOT_FOUND_EXCEPTION", `No connector found with identifier ${id}`);
        const spec = rec.connector.spec as any;
        const selectors: string[] = spec.delegateSelectors ?? [];
        // The configured delegates, then those registered by heartbeat that may serve this scope
        // (connected, token active: DelegateRegistry.usable).
        const registered: StandInDelegate[] = this.delegates.usable(scope).map(({ group, instance }) => ({
            name: group.name,
            selectors: this.delegates.selectorsOf(group),
            inheritCredential: instance.inheritCredential,
        }));
        const delegate = pickDelegate([...this.cfg.delegates, ...registered], selectors);
        if (!delegate) {
            // The delegate service's NoEligibleDelegatesInAccountException ("No eligible
            // delegate(s) in account to execute task. ": DelegateTaskServiceClassicImpl,
            // DelegateSelectionLogsServiceImpl.NO_ELIGIBLE_DELEGATES) comes back over gRPC and is
            // answered as an InvalidRequestException (the notes). The old 503 on request.
            if (this.cfg.noDelegateAnswer === "unavailable-delegates")
                throw new HarnessError(
                    503,
                    "UNAVAILABLE_DELEGATES",
                    selectors.length
                        ? `Delegates are not available for performing this operation: none has all the selectors [${selectors.join(", ")}]`
                        : "Delegates are not available for performing this operation",
                );
            throw invalidRequest("No eligible delegate(s) in account to execute task. ");
        }
        let errors: TestError[];
        if (this.faults.testFailure !== undefined) {
            errors = [{ reason: "Injected failure", message: this.faults.testFailure, code: 450 }];
        } else {
            const cred = this.credentialFor(rec, delegate);
            errors =
                typeof cred === "string"
                    ? [{ reason: "Unable to resolve the credential", message: cred, code: 450 }]
                    : await testCluster(cred, this.cfg.testTimeoutMs, this.cfg.taskTimeoutMs);
        }
        const result: Json = {
            status: errors.length ? "FAILURE" : "SUCCESS",
            errors,
            testedAt: Date.now(),
            delegateId: delegate.name,
        };
        if (errors.length) result.errorSummary = `Error Encountered (${errors[0].reason}: ${errors[0].message})`;
        this.state.recordTest(scope, id, result);
        return result;
    }

    /** The credential a delegate would use, or why there is none. */
    private credentialFor(rec: StoredConnector, delegate: StandInDelegate): ClusterCredential | string {
        const cred = (rec.connector.spec as any).credential;
        if (cred.type === "InheritFromDelegate") {
            return inheritedCredential(delegate);
        }
        const auth = cred.spec.auth;
        const a = auth.spec as Record<string, string>;
        const values: Record<string, string> = {};
        for (const [field, ref] of Object.entries(a)) {
            if (!field.endsWith("Ref") || typeof ref !== "string") continue;
            // The same scope rules and wording as on save (SecretRefInputValidationHelper).
            const why = this.state.refProblem(ref, rec.scope);
            if (why) return `Error while validating ${field} field : ${why}`;
            const secret = this.state.resolveSecret(ref, rec.scope)!;
            const sp = secret.secret.spec as Json;
            if (sp.valueType !== "Inline")
                return `Secret [${ref}] (${field}) is a Reference: the stand-in resolves only inline values`;
            values[field] = sp.value as string;
        }
        // No caCertRef: the client does not verify the server (ApiClientFactoryImpl).
        const base: ClusterCredential = {
            masterUrl: cred.spec.masterUrl,
            trustedCaCertPems: delegate.trustedCaCertPems,
        };
        if (values.caCertRef) base.caCertPem = pem(values.caCertRef);
        switch (auth.type) {
            case "ServiceAccount":
                return { ...base, token: values.serviceAccountTokenRef.trim() };
            case "ClientKeyCert":
                return {
                    ...base,
                    clientCertPem: pem(values.clientCertRef),
                    // K8sValidationHelper gives the client neither the passphrase nor clientKeyAlgo.
                    clientKeyPem: pem(values.clientKeyRef),
                };
            case "UsernamePassword":
                return { ...base, username: a.username ?? values.usernameRef, password: values.passwordRef };
            case "OpenIdConnect":
                return {
                    ...base,
                    oidc: {
                        issuerUrl: a.oidcIssuerUrl,
                        clientId: values.oidcClientIdRef,
                        clientSecret: values.oidcSecretRef,
                        username: a.oidcUsername ?? values.oidcUsernameRef,
                        password: values.oidcPasswordRef,
                        scopes: a.oidcScopes,
                        trustedCaCertPems: delegate.trustedCaCertPems,
                    },
                };
            default:
                return `auth type ${auth.type} is not supported by the stand-in's delegate`;
        }
    }
}

function checkQueryScope(q: Record<string, string>): Scope {
    const scope = scopeOf(q);
    if (scope.project && !scope.org)
        throw new HarnessError(
            400,
            "INVALID_REQUEST",
            `Project [${scope.project}] needs its orgIdentifier: a project scope is org + project`,
        );
    return scope;
}

/** The SecretDTOV2 the policy sees: its value masked (SecretCrudServiceImpl.getMaskedDTOForOpa). */
function masked(secret: Json): Json {
    const m = structuredClone(secret);
    if (m.spec && typeof m.spec === "object") (m.spec as Json).value = null;
    return m;
}

/** Governance metadata of an OPA denial, shaped like Harness's (deny, id, details per policy set). */
function governance(policyName: string, info: Json, scope: Scope, type: "connector" | "secret"): Json {
    const id = randomUUID();
    const message = `${type === "connector" ? "Connector" : "Secret"} [${String(info.identifier)}] is denied by policy [${policyName}]`;
    return {
        id,
        deny: true,
        status: "error",
        message,
        timestamp: Date.now(),
        entity: String(info.identifier),
        type,
        action: "onsave",
        orgId: scope.org ?? "",
        projectId: scope.project ?? "",
        details: [
            {
                policySetId: "standin_policy_set",
                policySetName: "stand-in policy set",
                deny: true,
                status: "error",
                policyMetadata: [
                    { policyId: policyName.replace(/\W/g, "_"), policyName, status: "error", denyMessages: [message] },
                ],
            },
        ],
    };
}
