// Part of a local STAND-IN for Harness's SaaS NG API, for tests: it is not Harness. This file
// keeps the stand-in's state (connectors and text secrets per scope) and the server rules of
// NG-API-NOTES.md: scopes (a project needs its org), identifier and name unique per scope,
// `harnessSecretManager` reserved, `*Ref` resolution (`id`, `org.id`, `account.id`), delete refused
// while referenced unless forced, write-only inline values, and the error codes of each refusal.
// What it does not keep: orgs and projects as entities (any org/project identifier exists),
// secret managers other than the built-in one (and those named in the options), RBAC, Git sync,
// audit trails, and the server's exact message wording beyond the parts the notes quote.
import {
    type FieldError,
    type HarnessErrorCode,
    type Json,
    k8sSecretRefs,
    validateK8sClusterConnector,
    validateSecretTextSpec,
} from "./contract";

/** An org/project scope; both absent is the account scope. A project needs its org. */
export interface Scope {
    org?: string;
    project?: string;
}

/** A refusal with Harness's code, HTTP status and message (and field errors for constraint violations). */
export class HarnessError extends Error {
    constructor(
        readonly httpStatus: number,
        readonly code: HarnessErrorCode,
        message: string,
        readonly fieldErrors: FieldError[] = [],
    ) {
        super(message);
        this.name = "HarnessError";
    }
}

/** A stored connector, as tests see it. */
export interface StoredConnector {
    scope: Scope;
    identifier: string;
    /** The ConnectorInfo as last written (by the API or "in the UI"). */
    connector: Json;
    createdAt: number;
    lastModifiedAt: number;
    /** ConnectorConnectivityDetails: UNKNOWN until tested. */
    status: Json;
    /** Pipelines that reference it ({@link HarnessState.referenceByPipeline}). */
    referencedBy: string[];
}

/** A stored text secret, value included (tests only: the API never returns it). */
export interface StoredSecret {
    scope: Scope;
    identifier: string;
    /** The SecretDTOV2 as last written, `spec.value` included. */
    secret: Json;
    createdAt: number;
    updatedAt: number;
    /** Not referenceable by a connector before this time (eventual consistency, a fault). */
    resolvableAt: number;
}

/** Harness's identifier rule. */
const IDENTIFIER = /^[a-zA-Z_][0-9a-zA-Z_$]{0,127}$/;
/** Harness's entity-name rule (NGEntityName). */
const NAME = /^[a-zA-Z_0-9-.][-0-9a-zA-Z_\s.]{0,127}$/;
/**
 * Identifiers Harness refuses for connectors. Kept here, not imported from the provider: the
 * stand-in must hold Harness's rule, not agree with its client by construction.
 */
const RESERVED = new Set([
    "harnessSecretManager",
    "or",
    "and",
    "eq",
    "ne",
    "lt",
    "gt",
    "le",
    "ge",
    "div",
    "mod",
    "not",
    "null",
    "true",
    "false",
    "new",
    "var",
    "return",
]);

const key = (s: Scope, id: string) => `${s.org ?? ""}/${s.project ?? ""}/${id}`;
const sameScope = (a: Scope, b: Scope) => (a.org ?? "") === (b.org ?? "") && (a.project ?? "") === (b.project ?? "");

/** "account", "org [O]" or "project [P] of org [O]": the scope in a message. */
export function scopeText(s: Scope): string {
    if (s.project) return `project [${s.project}] of org [${s.org}]`;
    if (s.org) return `org [${s.org}]`;
    return "account";
}

const invalid = (message: string, fieldErrors: FieldError[] = []) =>
    new HarnessError(400, "INVALID_REQUEST", message, fieldErrors);

/** Refuses a project without its org, and empty identifiers. */
export function checkScope(s: Scope): Scope {
    const norm: Scope = {};
    if (s.org) norm.org = s.org;
    if (s.project) norm.project = s.project;
    if (norm.project && !norm.org)
        throw invalid(`Project [${norm.project}] needs its orgIdentifier: a project scope is org + project`);
    return norm;
}

function checkIdentifier(id: unknown, what: string, reserved: boolean): string {
    if (typeof id !== "string" || !IDENTIFIER.test(id))
        throw invalid(`Invalid identifier [${String(id)}] of ${what}: it must match ${IDENTIFIER.source}`, [
            { fieldId: "identifier", error: `must match "${IDENTIFIER.source}"` },
        ]);
    if (reserved && RESERVED.has(id)) throw invalid(`Identifier [${id}] is reserved: choose another identifier`);
    return id;
}

function checkName(name: unknown, what: string): void {
    if (typeof name !== "string" || !NAME.test(name))
        throw invalid(`Invalid name [${String(name)}] of ${what}: it must match ${NAME.source}`, [
            { fieldId: "name", error: `must match "${NAME.source}"` },
        ]);
}

const clone = <T>(v: T): T => structuredClone(v);

/** Deep merge for UI edits: objects merge, anything else (arrays included) replaces; null deletes. */
export function deepMerge(base: Json, patch: Json): Json {
    const out: Json = { ...base };
    for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete out[k];
        else if (
            typeof v === "object" &&
            !Array.isArray(v) &&
            typeof out[k] === "object" &&
            out[k] !== null &&
            !Array.isArray(out[k])
        )
            out[k] = deepMerge(out[k] as Json, v as Json);
        else out[k] = clone(v);
    }
    return out;
}

/** The stand-in's state and rules; the HTTP layer (server.ts) maps requests onto these methods. */
export class HarnessState {
    private readonly connectorMap = new Map<string, StoredConnector>();
    private readonly secretMap = new Map<string, StoredSecret>();
    /** Milliseconds a new secret stays unresolvable for connectors (fault; 0 = at once). */
    secretDelayMs = 0;

    constructor(
        /** Secret managers a secret may name: `harnessSecretManager` and any configured. */
        private readonly secretManagers: ReadonlySet<string>,
        private readonly now: () => number = Date.now,
    ) {}

    /** Every connector, oldest first (copies). */
    connectors(): StoredConnector[] {
        return [...this.connectorMap.values()].map(clone);
    }

    /** Every secret with its value, oldest first (copies). */
    secrets(): StoredSecret[] {
        return [...this.secretMap.values()].map(clone);
    }

    // ---- secrets ---------------------------------------------------------------------------

    /** The scope of a secret request: the query and the body must agree where both give it. */
    secretScope(query: Scope, secret: Json): Scope {
        const body: Scope = {
            org: secret.orgIdentifier as string | undefined,
            project: secret.projectIdentifier as string | undefined,
        };
        for (const k of ["org", "project"] as const) {
            if (query[k] && body[k] && query[k] !== body[k])
                throw invalid("Invalid request, scope in payload and params do not match.");
        }
        return checkScope({ org: query.org ?? body.org, project: query.project ?? body.project });
    }

    private checkSecretBody(secret: Json): void {
        checkIdentifier(secret.identifier, "the secret", false);
        checkName(secret.name, "the secret");
        if (secret.type !== "SecretText")
            throw invalid(`Secret type [${String(secret.type)}] is not supported by the stand-in: only SecretText`);
        const problems = validateSecretTextSpec(secret.spec);
        if (problems.length) throw invalid(problems.map((p) => `${p.fieldId}: ${p.error}`).join("; "), problems);
        const sm = (secret.spec as Json).secretManagerIdentifier as string;
        if (!this.secretManagers.has(sm)) throw invalid(`Secret manager with identifier [${sm}] not found`);
    }

    /** POST /v2/secrets. */
    createSecret(scope: Scope, secret: Json): StoredSecret {
        this.checkSecretBody(secret);
        const id = secret.identifier as string;
        const spec = (secret.spec ?? {}) as Json;
        if (spec.valueType === "Inline" && (typeof spec.value !== "string" || spec.value === ""))
            throw invalid(`The value of inline secret [${id}] must not be empty`, [
                { fieldId: "secret.spec.value", error: "must not be empty" },
            ]);
        if (this.secretMap.has(key(scope, id)))
            throw new HarnessError(400, "DUPLICATE_FIELD", `Secret [${id}] already exists in ${scopeText(scope)}`);
        const t = this.now();
        const rec: StoredSecret = {
            scope,
            identifier: id,
            secret: this.withScope(clone(secret), scope),
            createdAt: t,
            updatedAt: t,
            resolvableAt: t + this.secretDelayMs,
        };
        this.secretMap.set(key(scope, id), rec);
        return clone(rec);
    }

    /** PUT /v2/secrets/{identifier}: an absent inline value keeps the stored one. */
    updateSecret(scope: Scope, identifier: string, secret: Json): StoredSecret {
        this.checkSecretBody(secret);
        if (secret.identifier !== identifier)
            throw invalid(
                `The identifier in the body [${String(secret.identifier)}] is not the one in the path [${identifier}]`,
            );
        const rec = this.secretMap.get(key(scope, identifier));
        if (!rec) throw invalid(`No such secret found: [${identifier}] in ${scopeText(scope)}`);
        const next = this.withScope(clone(secret), scope);
        const spec = next.spec as Json;
        const old = rec.secret.spec as Json;
        if (spec.valueType === "Inline" && spec.value === undefined && old.valueType === "Inline")
            spec.value = old.value;
        rec.secret = next;
        rec.updatedAt = this.now();
        return clone(rec);
    }

    /** GET /v2/secrets/{identifier}: ENTITY_NOT_FOUND (404) when missing. */
    getSecret(scope: Scope, identifier: string): StoredSecret {
        const rec = this.secretMap.get(key(scope, identifier));
        if (!rec)
            throw new HarnessError(
                404,
                "ENTITY_NOT_FOUND",
                `Secret with identifier [${identifier}] does not exist in ${scopeText(scope)}`,
            );
        return clone(rec);
    }

    /** DELETE /v2/secrets/{identifier}: refused while a connector references it, unless forced. */
    deleteSecret(scope: Scope, identifier: string, force: boolean): void {
        const k = key(scope, identifier);
        const rec = this.secretMap.get(k);
        if (!rec)
            throw new HarnessError(
                404,
                "ENTITY_NOT_FOUND",
                `Secret with identifier [${identifier}] does not exist in ${scopeText(scope)}`,
            );
        const users = this.connectorsReferencing(rec);
        if (users.length && !force)
            throw invalid(
                `Could not delete the secret [${identifier}] as it is referenced by other entities - [${users.map((u) => `Connector: ${u}`).join(", ")}]. Use forceDelete to delete it anyway.`,
            );
        this.secretMap.delete(k);
    }

    private withScope(dto: Json, scope: Scope): Json {
        delete dto.orgIdentifier;
        delete dto.projectIdentifier;
        if (scope.org) dto.orgIdentifier = scope.org;
        if (scope.project) dto.projectIdentifier = scope.project;
        return dto;
    }

    /** The scope a `*Ref` names from a referrer's scope: `account.x`, `org.x` or `x` (same scope). */
    refTarget(ref: string, from: Scope): { scope: Scope; identifier: string } | undefined {
        if (ref.startsWith("account.")) return { scope: {}, identifier: ref.slice(8) };
        if (ref.startsWith("org."))
            return from.org ? { scope: { org: from.org }, identifier: ref.slice(4) } : undefined;
        return { scope: from, identifier: ref };
    }

    /** The secret a ref resolves to, if it exists and is resolvable now. */
    resolveSecret(ref: string, from: Scope): StoredSecret | undefined {
        const t = this.refTarget(ref, from);
        const rec = t && this.secretMap.get(key(t.scope, t.identifier));
        return rec && rec.resolvableAt <= this.now() ? rec : undefined;
    }

    private connectorsReferencing(secret: StoredSecret): string[] {
        const out: string[] = [];
        for (const c of this.connectorMap.values()) {
            for (const { ref } of k8sSecretRefs(c.connector.spec)) {
                const t = this.refTarget(ref, c.scope);
                if (t && t.identifier === secret.identifier && sameScope(t.scope, secret.scope)) {
                    out.push(`${scopeText(c.scope)}/${c.identifier}`);
                    break;
                }
            }
        }
        return out;
    }

    // ---- connectors ------------------------------------------------------------------------

    /** Validates a ConnectorInfo (scope from the body) and resolves its refs; returns its scope. */
    validateConnector(info: Json): Scope {
        const scope = checkScope({
            org: info.orgIdentifier as string | undefined,
            project: info.projectIdentifier as string | undefined,
        });
        checkIdentifier(info.identifier, "the connector", true);
        checkName(info.name, "the connector");
        if (info.type !== "K8sCluster")
            throw invalid(`Connector type [${String(info.type)}] is not supported by the stand-in: only K8sCluster`);
        const problems = validateK8sClusterConnector(info.spec);
        if (problems.length) throw invalid(problems.map((p) => `${p.fieldId}: ${p.error}`).join("; "), problems);
        for (const { field, ref } of k8sSecretRefs(info.spec)) {
            if (!this.refTarget(ref, scope))
                throw invalid(
                    `Secret [${ref}] not found (${field}): an org-level reference needs a connector at org or project scope`,
                );
            if (!this.resolveSecret(ref, scope))
                throw invalid(`Secret [${ref}] not found (${field}) for ${scopeText(scope)}`);
        }
        return scope;
    }

    /** POST /connectors: identifier (DUPLICATE_FIELD) and name (INVALID_REQUEST) unique per scope. */
    createConnector(info: Json): StoredConnector {
        const scope = this.validateConnector(info);
        const id = info.identifier as string;
        if (this.connectorMap.has(key(scope, id)))
            throw new HarnessError(400, "DUPLICATE_FIELD", `Connector [${id}] already exists in ${scopeText(scope)}`);
        this.checkNameFree(scope, info.name as string, id);
        const t = this.now();
        const rec: StoredConnector = {
            scope,
            identifier: id,
            connector: normalizeConnector(info),
            createdAt: t,
            lastModifiedAt: t,
            status: { status: "UNKNOWN" },
            referencedBy: [],
        };
        this.connectorMap.set(key(scope, id), rec);
        return clone(rec);
    }

    /** PUT /connectors: the whole connector; a missing identifier is INVALID_REQUEST. */
    updateConnector(info: Json): StoredConnector {
        const scope = this.validateConnector(info);
        const id = info.identifier as string;
        const rec = this.connectorMap.get(key(scope, id));
        if (!rec) throw invalid(`Connector [${id}] does not exist in ${scopeText(scope)}: it cannot be updated`);
        if (rec.connector.type !== info.type) throw invalid(`The type of connector [${id}] cannot change`);
        this.checkNameFree(scope, info.name as string, id);
        rec.connector = normalizeConnector(info);
        rec.lastModifiedAt = this.now();
        return clone(rec);
    }

    private checkNameFree(scope: Scope, name: string, except: string): void {
        for (const c of this.connectorMap.values())
            if (sameScope(c.scope, scope) && c.identifier !== except && c.connector.name === name)
                throw invalid(`Connector with name [${name}] already exists in ${scopeText(scope)}`);
    }

    /** The stored connector or undefined. */
    findConnector(scope: Scope, identifier: string): StoredConnector | undefined {
        const rec = this.connectorMap.get(key(scope, identifier));
        return rec && clone(rec);
    }

    /** DELETE /connectors/{identifier}: missing is INVALID_REQUEST; referenced is refused unless forced. */
    deleteConnector(scope: Scope, identifier: string, force: boolean): void {
        const k = key(scope, identifier);
        const rec = this.connectorMap.get(k);
        if (!rec) throw invalid(`No connector exists with the identifier [${identifier}] in ${scopeText(scope)}`);
        if (rec.referencedBy.length && !force)
            throw invalid(
                `Could not delete the connector [${identifier}] as it is referenced by other entities - [${rec.referencedBy.map((p) => `Pipeline: ${p}`).join(", ")}]. Use forceDelete to delete it anyway.`,
            );
        this.connectorMap.delete(k);
    }

    /** Records a test result on the connector (status, testedAt, lastTestedAt, lastConnectedAt). */
    recordTest(scope: Scope, identifier: string, result: Json): void {
        const rec = this.connectorMap.get(key(scope, identifier));
        if (!rec) return;
        const t = result.testedAt as number;
        rec.status = {
            status: result.status,
            errorSummary: result.errorSummary,
            errors: result.errors,
            testedAt: t,
            lastTestedAt: t,
            lastConnectedAt: result.status === "SUCCESS" ? t : rec.status.lastConnectedAt,
        };
        for (const k of Object.keys(rec.status)) if (rec.status[k] === undefined) delete rec.status[k];
    }

    // ---- as if done in the UI (faults) ------------------------------------------------------

    /** Edits a connector as the UI would (deep merge; arrays replace; null deletes), skipping ref checks. */
    editConnector(scope: Scope, identifier: string, patch: Json): StoredConnector {
        const rec = this.connectorMap.get(key(scope, identifier));
        if (!rec) throw new Error(`the stand-in has no connector [${identifier}] in ${scopeText(scope)}`);
        const next = deepMerge(rec.connector, patch);
        const problems = validateK8sClusterConnector(next.spec);
        if (problems.length)
            throw new Error(
                `the edit makes an invalid connector: ${problems.map((p) => `${p.fieldId}: ${p.error}`).join("; ")}`,
            );
        rec.connector = next;
        rec.lastModifiedAt = this.now();
        return clone(rec);
    }

    /** Deletes a connector as the UI would, references or not; false when there was none. */
    removeConnector(scope: Scope, identifier: string): boolean {
        return this.connectorMap.delete(key(scope, identifier));
    }

    /** Edits a secret as the UI would (deep merge into its SecretDTOV2, e.g. `{spec: {value}}`); the identifier and scope stay. */
    editSecret(scope: Scope, identifier: string, patch: Json): StoredSecret {
        const rec = this.secretMap.get(key(scope, identifier));
        if (!rec) throw new Error(`the stand-in has no secret [${identifier}] in ${scopeText(scope)}`);
        const next = this.withScope(deepMerge(rec.secret, patch), scope);
        next.identifier = identifier;
        rec.secret = next;
        rec.updatedAt = this.now();
        return clone(rec);
    }

    /** Deletes a secret as the UI would (forced); false when there was none. */
    removeSecret(scope: Scope, identifier: string): boolean {
        return this.secretMap.delete(key(scope, identifier));
    }

    /** Marks a connector as used by a pipeline, so that a plain DELETE is refused. */
    referenceByPipeline(scope: Scope, identifier: string, pipelineId: string): void {
        const rec = this.connectorMap.get(key(scope, identifier));
        if (!rec) throw new Error(`the stand-in has no connector [${identifier}] in ${scopeText(scope)}`);
        if (!rec.referencedBy.includes(pipelineId)) rec.referencedBy.push(pipelineId);
    }
}

/** The ConnectorInfo as Harness stores it: tags default to {}, the body's fields otherwise. */
function normalizeConnector(info: Json): Json {
    const c = clone(info);
    if (c.tags === undefined || c.tags === null) c.tags = {};
    return c;
}
