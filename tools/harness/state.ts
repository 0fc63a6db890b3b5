// Part of a local STAND-IN for Harness's SaaS NG API, for tests: it is not Harness. This file
// keeps the stand-in's state (connectors and text secrets per scope) and the server rules, each
// following the harness-core class named beside it (the public mirror vigneswara-propelo/harness-core,
// 2023-12) with its error code and wording: identifiers (EntityIdentifierValidator) and names
// (NGEntityNameValidator), `harnessSecretManager` refused as a connector identifier
// (ConnectorResource), secret refs by SecretRefData's scopes (a bare ref is a project secret;
// SecretRefInputValidationHelper), secret managers per scope, duplicates refused by identifier
// only (DefaultConnectorServiceImpl, NGEncryptedDataServiceImpl), connectors PENDING until tested,
// deletes refused while referenced (ENTITY_REFERENCE_EXCEPTION) and forceDelete refused unless
// the account setting allows it, references of a deleted or updated connector released
// asynchronously (ConnectorEntityReferenceHelper), write-only inline values.
// What it does not keep: orgs and projects as entities (any org/project identifier exists),
// secret managers other than `harnessSecretManager` and those named in the options (both exist
// in every scope), the asynchronous CREATION of references (a reference counts at once), RBAC,
// Git sync, audit trails, and wording that the mirror did not show (each such place says so).
import {
    connectorAnswer,
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
    /** ConnectorConnectivityDetails: PENDING until tested. */
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

/** Harness's identifier rule: EntityIdentifierValidator.IDENTIFIER_PATTERN (maxLength 128). */
const IDENTIFIER = /^[a-zA-Z_][0-9a-zA-Z_$]{0,127}$/;
/**
 * EntityIdentifierValidator.NOT_ALLOWED_WORDS as the newest harness-core has it (checked in the
 * mirror). Kept here, not imported from the provider: the stand-in must hold Harness's rule, not
 * agree with its client by construction.
 */
export const NOT_ALLOWED_WORDS: ReadonlySet<string> = new Set([
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
    "step",
    "parallel",
    "stepGroup",
    "org",
    "account",
    "class",
    "shellScriptProvisioner",
]);
/** NGConstants.HARNESS_SECRET_MANAGER_IDENTIFIER. */
export const HARNESS_SECRET_MANAGER = "harnessSecretManager";
/**
 * NGEntityNameValidator: letters, digits, `-`, `_`, `.`, `/` and spaces (its test's
 * ALLOWED_CHARS_STRING), at most 128 characters for connectors and secrets (the notes; the
 * validator's default is 64, the DTOs set maxLength).
 */
const NAME_CHARS = /^[a-zA-Z0-9\-_. /]*$/;
const NAME_MAX = 128;

const key = (s: Scope, id: string) => `${s.org ?? ""}/${s.project ?? ""}/${id}`;
const sameScope = (a: Scope, b: Scope) => (a.org ?? "") === (b.org ?? "") && (a.project ?? "") === (b.project ?? "");

/** "account", "org [O]" or "project [P] of org [O]": the scope in the stand-in's own messages. */
export function scopeText(s: Scope): string {
    if (s.project) return `project [${s.project}] of org [${s.org}]`;
    if (s.org) return `org [${s.org}]`;
    return "account";
}

/**
 * harness-core's InvalidRequestException: code INVALID_REQUEST, HTTP 400, and a body message
 * that ErrorCode.INVALID_REQUEST's template "Invalid request: ${message}" prefixes (the notes
 * quote it so: "Invalid request: Secret with identifier X already exists in this scope").
 */
export const invalidRequest = (message: string, fieldErrors: FieldError[] = []) =>
    new HarnessError(400, "INVALID_REQUEST", `Invalid request: ${message}`, fieldErrors);

/** Bean-validation failures (ConstraintViolations): INVALID_REQUEST naming each field and its error. */
const violations = (problems: FieldError[]) =>
    invalidRequest(problems.map((p) => `${p.fieldId} ${p.error}`).join("; "), problems);

/** A bean-validation failure (ConstraintViolation): INVALID_REQUEST with the field's error. */
const violation = (fieldId: string, error: string) =>
    new HarnessError(400, "INVALID_REQUEST", `Invalid request: ${fieldId} ${error}`, [{ fieldId, error }]);

/**
 * harness-core's NotFoundException (javax.ws.rs) as NotFoundExceptionMapper answers it:
 * RESOURCE_NOT_FOUND_EXCEPTION, HTTP 400 unless told otherwise.
 */
export const resourceNotFound = (message: string, status: 400 | 404 = 400) =>
    new HarnessError(status, "RESOURCE_NOT_FOUND_EXCEPTION", message);

/** String.format's rendering of a Java null, as harness-core's messages show it. */
const j = (v: string | undefined) => (v === undefined ? "null" : v);

/** Refuses a project without its org (the stand-in's wording for query scopes). */
export function checkScope(s: Scope): Scope {
    const norm: Scope = {};
    if (s.org) norm.org = s.org;
    if (s.project) norm.project = s.project;
    if (norm.project && !norm.org)
        throw invalidRequest(`Project [${norm.project}] needs its orgIdentifier: a project scope is org + project`);
    return norm;
}

/**
 * EntityIdentifierValidator.isValid (the @EntityIdentifier of ConnectorInfoDTO and SecretDTOV2):
 * blank "cannot be empty"; the pattern; NOT_ALLOWED_WORDS "<id> is a keyword, so cannot be used".
 */
function checkIdentifier(id: unknown): string {
    if (typeof id !== "string" || id.trim() === "") throw violation("identifier", "cannot be empty");
    if (!IDENTIFIER.test(id))
        throw violation(
            "identifier",
            "can be 128 characters long and can only contain alphanumeric, underscore and $ characters, and not start with a number or $",
        );
    if (NOT_ALLOWED_WORDS.has(id)) throw violation("identifier", `${id} is a keyword, so cannot be used`);
    return id;
}

/**
 * NGEntityNameValidator.isValid: "cannot be empty.", "cannot be more than 128 characters long."
 * (the mirror's wording with the DTOs' maxLength); the allowed-characters message is the older
 * validator's wording extended to the new characters (the mirror did not show the new one).
 */
function checkName(name: unknown): void {
    if (typeof name !== "string" || name.trim() === "") throw violation("name", "cannot be empty.");
    if (name.length > NAME_MAX) throw violation("name", `cannot be more than ${NAME_MAX} characters long.`);
    if (!NAME_CHARS.test(name))
        throw violation("name", "can only contain alphanumeric, hyphen, underscore, dot, slash and space characters.");
}

/** SecretRefData's scope of a ref: `account.x` ACCOUNT, `org.x` ORG, a bare `x` PROJECT. */
export type RefScope = "account" | "org" | "project";

/** Parses a secret (or secret manager) ref as SecretRefData does. */
export function parseRef(ref: string): { level: RefScope; identifier: string } {
    if (ref.startsWith("account.")) return { level: "account", identifier: ref.slice("account.".length) };
    if (ref.startsWith("org.")) return { level: "org", identifier: ref.slice("org.".length) };
    return { level: "project", identifier: ref };
}

/**
 * The scope a ref names from a referrer's scope, as IdentifierRefHelper.getIdentifierRef builds it
 * (the level keeps the referrer's org and project it needs; missing ones stay missing).
 */
export function refTarget(ref: string, from: Scope): { level: RefScope; scope: Scope; identifier: string } {
    const { level, identifier } = parseRef(ref);
    const scope: Scope = {};
    if (level !== "account" && from.org) scope.org = from.org;
    if (level === "project" && from.project) scope.project = from.project;
    return { level, scope, identifier };
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

/** The account settings and faults the rules read (index.ts changes them). */
export interface StateSettings {
    /** The account of every call (harness-core's messages name it). */
    accountId: string;
    /** Secret managers besides `harnessSecretManager`; like it, each exists in every scope. */
    secretManagers: ReadonlySet<string>;
    /** The account setting `enable_force_delete` (off by default in Harness). */
    forceDeleteEnabled: boolean;
    /** How long a deleted (or updated) connector's references to its secrets outlive it, in ms. */
    referenceReleaseMs: number;
    /** Milliseconds a new secret stays unresolvable for connectors (fault; 0 = at once). */
    secretDelayMs: number;
}

/** A reference of a deleted or updated connector to a secret, not yet released. */
interface PendingRelease {
    scope: Scope;
    identifier: string;
    /** The connector that held it, as `scope/identifier`. */
    by: string;
    until: number;
}

/** The stand-in's state and rules; the HTTP layer (server.ts) maps requests onto these methods. */
export class HarnessState {
    private readonly connectorMap = new Map<string, StoredConnector>();
    private readonly secretMap = new Map<string, StoredSecret>();
    private pendingReleases: PendingRelease[] = [];

    constructor(
        readonly settings: StateSettings,
        private readonly now: () => number = Date.now,
    ) {}

    /** Milliseconds a new secret stays unresolvable for connectors (fault; 0 = at once). */
    get secretDelayMs(): number {
        return this.settings.secretDelayMs;
    }
    set secretDelayMs(ms: number) {
        this.settings.secretDelayMs = ms;
    }

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
            org: (secret.orgIdentifier as string | undefined) || undefined,
            project: (secret.projectIdentifier as string | undefined) || undefined,
        };
        for (const k of ["org", "project"] as const) {
            if (query[k] && body[k] && query[k] !== body[k])
                // The stand-in's wording (the mirror did not show NGSecretResourceV2's check).
                throw new HarnessError(
                    400,
                    "INVALID_REQUEST",
                    "Invalid request, scope in payload and params do not match.",
                );
        }
        return checkScope({ org: query.org ?? body.org, project: query.project ?? body.project });
    }

    /** The bean validation of SecretDTOV2 (@EntityIdentifier, @NGEntityName) and the SecretText spec. */
    checkSecretBody(secret: Json): void {
        checkIdentifier(secret.identifier);
        checkName(secret.name);
        if (secret.type !== "SecretText")
            throw invalidRequest(
                `Secret type [${String(secret.type)}] is not supported by the stand-in: only SecretText`,
            );
        const problems = validateSecretTextSpec(secret.spec);
        if (problems.length) throw violations(problems);
    }

    /**
     * The secret manager a secret names, looked up as SecretCrudServiceImpl
     * .checkIfSecretManagerUsedIsHarnessManaged does through NGConnectorSecretManagerServiceImpl:
     * a bare identifier at the secret's own scope ("as of now Secrets can be created using SM at
     * same scope"), a scoped one (`account.x`, `org.x`: the notes) at the scope it names.
     * `harnessSecretManager` exists in every scope (Harness creates one per account, org and
     * project). Missing: NotFoundException "Connector with identifier [x] in project [P], org [O]
     * not found" (NGConnectorSecretManagerServiceImpl.getConnectorDTO), RESOURCE_NOT_FOUND_EXCEPTION.
     */
    private checkSecretManager(ref: string, secretScope: Scope): void {
        const t = refTarget(ref, secretScope);
        const exists =
            (t.identifier === HARNESS_SECRET_MANAGER || this.settings.secretManagers.has(t.identifier)) &&
            !(t.level === "org" && !secretScope.org);
        if (!exists)
            throw resourceNotFound(
                `Connector with identifier [${t.identifier}] in project [${j(t.scope.project)}], org [${j(t.scope.org)}] not found`,
            );
    }

    /**
     * SecretCrudServiceImpl.create: an empty value "value cannot be empty for a secret text.", then
     * the policy (server.ts, before this), the secret manager, then
     * NGEncryptedDataServiceImpl.validateSecretDoesNotExist: "Secret with identifier X already
     * exists in this scope" (INVALID_REQUEST).
     */
    createSecret(scope: Scope, secret: Json): StoredSecret {
        const id = secret.identifier as string;
        const spec = (secret.spec ?? {}) as Json;
        this.checkSecretManager(spec.secretManagerIdentifier as string, scope);
        if (this.secretMap.has(key(scope, id)))
            throw invalidRequest(`Secret with identifier ${id} already exists in this scope`);
        const t = this.now();
        const rec: StoredSecret = {
            scope,
            identifier: id,
            secret: this.withScope(clone(secret), scope),
            createdAt: t,
            updatedAt: t,
            resolvableAt: t + this.settings.secretDelayMs,
        };
        this.secretMap.set(key(scope, id), rec);
        return clone(rec);
    }

    /** SecretCrudServiceImpl.create's first check: "value cannot be empty for a secret text." */
    checkSecretValue(secret: Json): void {
        const spec = (secret.spec ?? {}) as Json;
        if (typeof spec.value !== "string" || spec.value === "")
            throw invalidRequest("value cannot be empty for a secret text.");
    }

    /**
     * SecretCrudServiceImpl.validateUpdateRequestAndGetSecret: a missing secret is "No such secret
     * found, please check identifier/scope and try again."; NGEncryptedDataServiceImpl
     * .validateUpdateRequest: "Cannot change secret manager after creation."; an absent inline
     * value keeps the stored one (NGEncryptedDataServiceImpl.encrypt with an empty value).
     */
    checkSecretUpdate(scope: Scope, identifier: string, secret: Json): StoredSecret {
        if (secret.identifier !== identifier)
            throw invalidRequest(
                `The identifier in the body [${String(secret.identifier)}] is not the one in the path [${identifier}]`,
            );
        const rec = this.secretMap.get(key(scope, identifier));
        if (!rec) throw invalidRequest("No such secret found, please check identifier/scope and try again.");
        return rec;
    }

    /** PUT /v2/secrets/{identifier}, after {@link checkSecretUpdate} and the policy. */
    updateSecret(scope: Scope, identifier: string, secret: Json): StoredSecret {
        const rec = this.checkSecretUpdate(scope, identifier, secret);
        const next = this.withScope(clone(secret), scope);
        const spec = next.spec as Json;
        const old = rec.secret.spec as Json;
        if (spec.secretManagerIdentifier !== old.secretManagerIdentifier)
            throw invalidRequest("Cannot change secret manager after creation.");
        this.checkSecretManager(spec.secretManagerIdentifier as string, scope);
        if (spec.valueType === "Inline" && (spec.value === undefined || spec.value === null || spec.value === "")) {
            if (old.valueType === "Inline") spec.value = old.value;
            else delete spec.value;
        }
        rec.secret = next;
        rec.updatedAt = this.now();
        return clone(rec);
    }

    /** The secret or undefined. */
    findSecret(scope: Scope, identifier: string): StoredSecret | undefined {
        const rec = this.secretMap.get(key(scope, identifier));
        return rec && clone(rec);
    }

    /**
     * DELETE /v2/secrets/{identifier}, as the newest SecretCrudServiceImpl.delete: forceDelete
     * without the account setting "Parameter forcedDelete cannot be true. Force deletion of secret
     * is not enabled for this account [A]" (INVALID_REQUEST, checked first); a missing secret
     * EntityNotFoundException "Secret with identifier [X] does not exist in the specified scope"
     * (ENTITY_NOT_FOUND, 404); still referenced and not forced: SecretEntityReferenceHelper
     * .validateSecretIsNotUsedByOthers' ReferencedEntityException "Could not delete the secret X as
     * it is referenced by other entities" (ENTITY_REFERENCE_EXCEPTION).
     */
    deleteSecret(scope: Scope, identifier: string, force: boolean): void {
        if (force && !this.settings.forceDeleteEnabled)
            throw invalidRequest(
                `Parameter forcedDelete cannot be true. Force deletion of secret is not enabled for this account [${this.settings.accountId}]`,
            );
        const k = key(scope, identifier);
        const rec = this.secretMap.get(k);
        if (!rec)
            throw new HarnessError(
                404,
                "ENTITY_NOT_FOUND",
                `Secret with identifier [${identifier}] does not exist in the specified scope`,
            );
        if (!force && this.referencesOf(rec).length)
            throw new HarnessError(
                400,
                "ENTITY_REFERENCE_EXCEPTION",
                `Could not delete the secret ${identifier} as it is referenced by other entities`,
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

    /** The secret a ref resolves to from a referrer's scope, if it exists and is resolvable now. */
    resolveSecret(ref: string, from: Scope): StoredSecret | undefined {
        const t = refTarget(ref, from);
        if (t.level === "org" && !from.org) return undefined;
        if (t.level === "project" && !from.project) return undefined;
        const rec = this.secretMap.get(key(t.scope, t.identifier));
        return rec && rec.resolvableAt <= this.now() ? rec : undefined;
    }

    /**
     * Who references a secret (`scope/identifier` of connectors): the connectors whose refs name
     * it, and the references of deleted or updated connectors not yet released.
     */
    private referencesOf(secret: StoredSecret): string[] {
        const t0 = this.now();
        this.pendingReleases = this.pendingReleases.filter((p) => p.until > t0);
        const out: string[] = [];
        for (const c of this.connectorMap.values())
            if (this.targetsOf(c).some((t) => t.identifier === secret.identifier && sameScope(t.scope, secret.scope)))
                out.push(`${scopeText(c.scope)}/${c.identifier}`);
        for (const p of this.pendingReleases)
            if (p.identifier === secret.identifier && sameScope(p.scope, secret.scope)) out.push(p.by);
        return out;
    }

    /** The secrets a connector's refs name (scope and identifier), whether they exist or not. */
    private targetsOf(c: { scope: Scope; connector: Json }): { scope: Scope; identifier: string }[] {
        return k8sSecretRefs(c.connector.spec).map(({ ref }) => refTarget(ref, c.scope));
    }

    /**
     * ConnectorEntityReferenceHelper sends reference changes to the event framework, whose
     * consumer applies them later: the references of a deleted connector (or those an update
     * drops) outlive it by `referenceReleaseMs`.
     */
    private releaseLater(c: StoredConnector, keep: { scope: Scope; identifier: string }[] = []): void {
        const until = this.now() + this.settings.referenceReleaseMs;
        if (this.settings.referenceReleaseMs <= 0) return;
        for (const t of this.targetsOf(c))
            if (!keep.some((k) => k.identifier === t.identifier && sameScope(k.scope, t.scope)))
                this.pendingReleases.push({ ...t, by: `${scopeText(c.scope)}/${c.identifier}`, until });
    }

    // ---- connectors ------------------------------------------------------------------------

    /** The bean validation of ConnectorInfoDTO: @EntityIdentifier identifier, @NGEntityName name. */
    checkConnectorBean(info: Json): void {
        checkIdentifier(info.identifier);
        checkName(info.name);
    }

    /**
     * Validates a ConnectorInfo (scope from the body), as ConnectorResource and
     * DefaultConnectorServiceImpl do before saving: the bean validation (@EntityIdentifier,
     * @NGEntityName), the K8sCluster spec, a project needs its org ("Project P specified without
     * the org Identifier", assureThatTheProjectAndOrgExists), then each secret ref
     * (assureThatTheSecretIsValidAndItExists). Returns the scope.
     */
    validateConnector(info: Json): Scope {
        this.checkConnectorBean(info);
        if (info.type !== "K8sCluster")
            throw invalidRequest(
                `Connector type [${String(info.type)}] is not supported by the stand-in: only K8sCluster`,
            );
        const problems = validateK8sClusterConnector(info.spec);
        if (problems.length) throw violations(problems);
        const org = (info.orgIdentifier as string | undefined) || undefined;
        const project = (info.projectIdentifier as string | undefined) || undefined;
        if (project && !org) throw invalidRequest(`Project ${project} specified without the org Identifier`);
        const scope: Scope = {};
        if (org) scope.org = org;
        if (project) scope.project = project;
        for (const { field, ref } of k8sSecretRefs(info.spec)) {
            const why = this.refProblem(ref, scope);
            // DefaultConnectorServiceImpl.assureThatTheSecretIsValidAndItExists adds the field name.
            if (why) throw invalidRequest(`Error while validating ${field} field : ${why}`);
        }
        return scope;
    }

    /**
     * Why a ref cannot be used from a referrer's scope (undefined: it can), as
     * SecretRefInputValidationHelper.validateTheSecretInput says it: validateTheScopeOfTheSecret
     * ("The project level secret cannot be used at a org level", "The project level secret cannot
     * be used at account level", "The org level secret cannot be used at account level"), then
     * validateTheSecretIsPresent ("No secret exists with the id x  in organization O in project P",
     * String.format's spacing kept).
     */
    refProblem(ref: string, from: Scope): string | undefined {
        const t = refTarget(ref, from);
        if (!from.project) {
            if (from.org) {
                if (t.level === "project") return "The project level secret cannot be used at a org level";
            } else if (t.level !== "account") {
                return `The ${t.level} level secret cannot be used at account level`;
            }
        }
        if (!this.resolveSecret(ref, from)) {
            const project = t.scope.project ? ` in project ${t.scope.project}` : "";
            const org = t.scope.org ? ` in organization ${t.scope.org}` : "";
            return `No secret exists with the id ${t.identifier} ${org}${project}`;
        }
        return undefined;
    }

    /**
     * POST /connectors, after {@link validateConnector}: ConnectorResource.create refuses
     * `harnessSecretManager` ("harnessSecretManager cannot be used as connector identifier");
     * DefaultConnectorServiceImpl.createInternal refuses a duplicate identifier ("Connector: N has
     * been given an identifier: X that already exists. Please enter a unique ID.", INVALID_REQUEST).
     * Names are not unique. A new connector's status is PENDING (never tested).
     */
    createConnector(info: Json, scope: Scope): StoredConnector {
        const id = info.identifier as string;
        if (this.connectorMap.has(key(scope, id)))
            throw invalidRequest(
                `Connector: ${String(info.name)} has been given an identifier: ${id} that already exists. Please enter a unique ID.`,
            );
        const t = this.now();
        const rec: StoredConnector = {
            scope,
            identifier: id,
            connector: normalizeConnector(info),
            createdAt: t,
            lastModifiedAt: t,
            status: { status: "PENDING" },
            referencedBy: [],
        };
        this.connectorMap.set(key(scope, id), rec);
        return clone(rec);
    }

    /**
     * PUT /connectors: the whole connector (DefaultConnectorServiceImpl.update): a missing one
     * "No connector exists with the  Identifier X" (INVALID_REQUEST, its double space kept); the
     * connectivity details and createdAt stay; references the update drops are released later.
     */
    updateConnector(info: Json, scope: Scope): StoredConnector {
        const id = info.identifier as string;
        const rec = this.connectorMap.get(key(scope, id));
        if (!rec) throw invalidRequest(`No connector exists with the  Identifier ${id}`);
        if (rec.connector.type !== info.type) throw invalidRequest(`The type of connector [${id}] cannot change`);
        const next = { scope, connector: normalizeConnector(info) };
        this.releaseLater(rec, this.targetsOf(next));
        rec.connector = next.connector;
        rec.lastModifiedAt = this.now();
        return clone(rec);
    }

    /** The stored connector or undefined. */
    findConnector(scope: Scope, identifier: string): StoredConnector | undefined {
        const rec = this.connectorMap.get(key(scope, identifier));
        return rec && clone(rec);
    }

    /**
     * DELETE /connectors/{identifier}, as DefaultConnectorServiceImpl.delete: missing
     * (ConnectorErrorMessagesHelper.createConnectorNotFoundMessage) "No connector exists with the
     * identifier X in account A[, organisation O][, project P]"; forceDelete without the account
     * setting "Parameter forcedDelete cannot be true. Force Delete is not enabled for account [A]";
     * referenced and not forced: ReferencedEntityException "Could not delete the connector X as it
     * is referenced by other entities" (ENTITY_REFERENCE_EXCEPTION,
     * checkThatTheConnectorIsNotUsedByOthers). Its references to secrets are released later.
     */
    deleteConnector(scope: Scope, identifier: string, force: boolean): void {
        const k = key(scope, identifier);
        const rec = this.connectorMap.get(k);
        if (!rec) {
            let m = `No connector exists with the identifier ${identifier} in account ${this.settings.accountId}`;
            if (scope.org) m += `, organisation ${scope.org}`;
            if (scope.project) m += `, project ${scope.project}`;
            throw invalidRequest(m);
        }
        if (force && !this.settings.forceDeleteEnabled)
            throw invalidRequest(
                `Parameter forcedDelete cannot be true. Force Delete is not enabled for account [${this.settings.accountId}]`,
            );
        if (rec.referencedBy.length && !force)
            throw new HarnessError(
                400,
                "ENTITY_REFERENCE_EXCEPTION",
                `Could not delete the connector ${identifier} as it is referenced by other entities`,
            );
        this.connectorMap.delete(k);
        this.releaseLater(rec);
    }

    /** Records a test result on the connector (status, errorSummary, errors, testedAt, lastTestedAt, lastConnectedAt). */
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

    /**
     * Deletes a connector as the UI would, references or not, at once; false when there was none.
     * Its references to secrets go with it at once too (a test convenience: Harness releases them
     * later, as {@link deleteConnector} does).
     */
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

/** A ConnectorInfo as Harness answers it: unset fields are JSON null ({@link connectorAnswer}). */
export function connectorInfoAnswer(rec: StoredConnector): Json {
    return connectorAnswer(rec.connector);
}
