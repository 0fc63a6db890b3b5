// The imperative shell around planHarnessConnector, as named steps: secrets → connector → Harness's
// test (register); GET the connector and secrets (inspect); connector → secrets (deregister). Each
// step records in the run's Steps what it created; when a later step fails, the run undoes that in
// reverse (the connector plainly, then its secrets) and throws the original error. Org and project
// go in the body of create/update and in the query of GET, DELETE and testConnection.
import { type ConnectorError, connectorError } from "../../errors";
import { type HarnessAnswer, type HarnessClient, metAfterRetry, scopeQuery } from "../../harness/client";
import type { HarnessSettings } from "../../inputs/harnessTypes";
import { connectorRef } from "../../inputs/identifier";
import type { Steps } from "../../steps";
import type { HarnessDrift } from "./drift";
import {
    type ConnectorBody,
    connectorDrift,
    type HarnessPlan,
    type HarnessScope,
    type HarnessSecretField,
    type PlannedSecret,
} from "./mapping";
import type { HarnessConnectivity, HarnessState, HarnessTestResult } from "./record";

const CONNECTORS = "/ng/api/connectors";
const SECRETS = "/ng/api/v2/secrets";

/** The `data` of a connector answer. */
interface ConnectorData {
    connector?: ConnectorBody | null;
    createdAt?: number;
    lastModifiedAt?: number;
    governanceMetadata?: { deny?: boolean; id?: string; message?: string; details?: unknown } | null;
    /** ConnectorConnectivityDetails: PENDING until tested, then what Harness's last test said. */
    status?: {
        status?: string | null;
        errorSummary?: string | null;
        testedAt?: number | null;
        lastTestedAt?: number | null;
        lastConnectedAt?: number | null;
    } | null;
}

/** What Harness says of the connector's connectivity (null and absent alike), as the record keeps it. */
export function connectivityOf(data: ConnectorData | undefined): HarnessConnectivity | undefined {
    const s = data?.status;
    if (!s?.status) return undefined;
    const out: HarnessConnectivity = { status: s.status };
    if (s.lastTestedAt ?? s.testedAt) out.lastTestedAt = (s.lastTestedAt ?? s.testedAt)!;
    if (s.lastConnectedAt) out.lastConnectedAt = s.lastConnectedAt;
    if (s.errorSummary) out.errorSummary = s.errorSummary;
    return out;
}

/** What register made: the registration, and warnings to print (Harness's test failed under `warn`). */
export interface Registered {
    state: HarnessState;
    warnings: string[];
}

/** What the previous record says exists in Harness, and which secret values changed since. */
export interface RegisterFrom {
    previous?: HarnessState;
    /** Secret fields whose value differs from the recorded credential's: updated in place. */
    changedSecrets: HarnessSecretField[];
    /** Whether the connector's body differs from the recorded one's (else it is not sent again). */
    connectorChanged?: boolean;
    /** What refresh recorded in `previous` as changed or deleted in Harness: repaired now. */
    drift?: HarnessDrift[];
}

/** The connector's page in the Harness UI. */
export function connectorUrl(endpoint: string, accountId: string, scope: HarnessScope, identifier: string): string {
    const ui = endpoint.replace(/\/gateway$/, "");
    const where = scope.projectIdentifier
        ? `/orgs/${scope.orgIdentifier}/projects/${scope.projectIdentifier}`
        : scope.orgIdentifier
          ? `/orgs/${scope.orgIdentifier}`
          : "";
    return `${ui}/ng/account/${accountId}/settings${where}/resources/connectors/${identifier}`;
}

/** A created secret a connector references but Harness cannot resolve yet (it is eventually consistent). */
function secretNotYetResolvable(plan: HarnessPlan) {
    return (e: ConnectorError) =>
        e.code === "HARNESS_INVALID_REQUEST" &&
        /secret/i.test(e.message) &&
        plan.secrets.some((s) => e.message.includes(s.identifier));
}

/** The `data` of a secret answer. */
interface SecretData {
    secret?: unknown;
    governanceMetadata?: ConnectorData["governanceMetadata"];
}

/**
 * A policy denial: HTTP 200 with `data.connector` (or `data.secret`) null, the reason in
 * governanceMetadata (harness-core `SecretCrudServiceImpl` for secrets). Thrown at once: sending it
 * again is denied again.
 */
function assertNotDenied<T extends ConnectorData | SecretData>(
    data: T | null | undefined,
    what: string,
    correlationId?: string,
    entity: "connector" | "secret" = "connector",
): T {
    if (data && (data as Record<string, unknown>)[entity]) return data;
    const g = data?.governanceMetadata;
    const policy = g ? [g.id, g.message].filter(Boolean).join(": ") : "";
    throw connectorError(
        "HARNESS_POLICY_DENIED",
        `a Harness policy denied ${what}${policy ? ` (policy ${policy})` : ""}${correlationId ? ` (correlationId ${correlationId})` : ""}`,
    );
}

/**
 * Makes the connector exist in Harness as `plan` says: secrets, then the connector, then Harness's
 * test. From a previous record it updates in place (secret values that changed, the whole connector).
 */
export async function registerConnector(
    client: HarnessClient,
    plan: HarnessPlan,
    settings: HarnessSettings,
    steps: Steps,
    from: RegisterFrom = { changedSecrets: [] },
): Promise<Registered> {
    // What this run makes is undone by `steps` should this or a later step fail. Never with
    // forceDelete: Harness refuses it unless the account setting enable_force_delete is on (off by
    // default), and what this run just made has no other references.
    let made = 0;
    const created = (kind: "secret" | "connector", identifier: string) => {
        made++;
        steps.made(`Harness ${kind} ${identifier}`, "harness", () =>
            kind === "connector"
                ? deleteConnectorIn(client, plan.scope, identifier, false)
                : deleteSecretIn(client, plan.scope, identifier),
        );
    };
    const previous = from.previous;
    const drift = from.drift ?? [];
    const createdSecrets: string[] = [];
    for (const secret of plan.secrets) {
        const known = previous?.createdSecrets.includes(secret.identifier);
        const gone = drift.some((d) => d.kind === "secretDeleted" && d.identifier === secret.identifier);
        if (known && !gone) {
            if (from.changedSecrets.includes(secret.field)) await putSecret(client, plan.scope, secret, settings);
        } else if (await createSecret(client, plan.scope, secret, settings)) {
            created("secret", secret.identifier);
        }
        createdSecrets.push(secret.identifier);
    }
    const exists = previous && !drift.some((d) => d.kind === "connectorDeleted");
    const edited = drift.some((d) => d.kind === "connectorChanged");
    const data: ConnectorData = !exists
        ? await createConnector(client, plan, settings, () => created("connector", plan.connector.identifier))
        : from.connectorChanged !== false || edited || made > 0
          ? await putConnector(client, plan)
          : { createdAt: previous.createdAt, lastModifiedAt: previous.lastModifiedAt };
    const connectionTest = await runHarnessTest(client, plan, settings);
    const warnings =
        connectionTest.status === "SUCCESS" || connectionTest.status === "SKIPPED"
            ? []
            : [
                  `Harness's connection test of ${plan.connector.identifier} says ${connectionTest.status}: ${connectionTest.errorSummary ?? "no summary"} (harness.test is warn: recorded, not failed)`,
              ];
    const state: HarnessState = {
        connectorRef: connectorRef(plan.connector.identifier, plan.scope),
        url: connectorUrl(client.endpoint, client.accountId, plan.scope, plan.connector.identifier),
        accountId: client.accountId,
        endpoint: client.endpoint,
        scope: plan.scope,
        secretRefs: plan.secretRefs,
        createdSecrets,
        createdAt: data.createdAt,
        lastModifiedAt: data.lastModifiedAt,
        connectionTest,
    };
    const status = afterTest(connectivityOf(data), connectionTest);
    if (status) state.status = status;
    return { state, warnings };
}

/** The connectivity after Harness's test ran (what its answer says), or as the connector's answer said. */
function afterTest(before: HarnessConnectivity | undefined, test: HarnessTestResult): HarnessConnectivity | undefined {
    if (test.status === "SKIPPED" || !test.testedAt) return before;
    return {
        status: test.status,
        lastTestedAt: test.testedAt,
        ...(test.status === "SUCCESS"
            ? { lastConnectedAt: test.testedAt }
            : before?.lastConnectedAt
              ? { lastConnectedAt: before.lastConnectedAt }
              : {}),
        ...(test.errorSummary ? { errorSummary: test.errorSummary } : {}),
    };
}

/**
 * Creates a secret; resolves to whether this run made it: true when created, also by a retry whose
 * first attempt's answer was lost; false when an existing one was taken over (adopt).
 */
async function createSecret(
    client: HarnessClient,
    scope: HarnessScope,
    secret: PlannedSecret,
    settings: HarnessSettings,
): Promise<boolean> {
    const what = `creating secret "${secret.identifier}"`;
    let answer: HarnessAnswer<SecretData>;
    try {
        answer = await client.request<SecretData>({
            what,
            method: "POST",
            path: SECRETS,
            query: scopeQuery(scope),
            body: secretBody(scope, secret, settings),
        });
    } catch (e) {
        if ((e as ConnectorError).code !== "HARNESS_DUPLICATE") throw e;
        // A retried create that meets its own first attempt: the secret is ours; write the value to be sure.
        const ours = metAfterRetry(e);
        if (!ours && !settings.adopt) throw e;
        await putSecret(client, scope, secret, settings);
        return ours;
    }
    assertNotDenied(answer.data, what, answer.correlationId, "secret");
    return true;
}

/** Writes a secret's value (and name) in place. */
async function putSecret(
    client: HarnessClient,
    scope: HarnessScope,
    secret: PlannedSecret,
    settings: HarnessSettings,
): Promise<void> {
    const what = `updating secret "${secret.identifier}"`;
    const answer = await client.request<SecretData>({
        what,
        method: "PUT",
        path: `${SECRETS}/${secret.identifier}`,
        query: scopeQuery(scope),
        body: secretBody(scope, secret, settings),
    });
    assertNotDenied(answer.data, what, answer.correlationId, "secret");
}

function secretBody(scope: HarnessScope, secret: PlannedSecret, settings: HarnessSettings) {
    return {
        secret: {
            type: "SecretText",
            name: secret.name,
            identifier: secret.identifier,
            ...scope,
            description: "Created by pulumi-kubernetes-connector",
            tags: {},
            spec: {
                type: "SecretText",
                secretManagerIdentifier: settings.secretManager,
                valueType: "Inline",
                value: secret.value,
            },
        },
    };
}

/**
 * Creates the connector, retrying while a just-created secret is not yet resolvable. An existing
 * connector of the same identifier is taken over when `adopt`, or when a retry of a create whose
 * answer was lost finds it exactly as ours.
 */
async function createConnector(
    client: HarnessClient,
    plan: HarnessPlan,
    settings: HarnessSettings,
    onCreated: () => void,
): Promise<ConnectorData> {
    try {
        return await sendConnector(client, plan, "POST", onCreated);
    } catch (e) {
        if ((e as ConnectorError).code !== "HARNESS_DUPLICATE") throw e;
        if (settings.adopt) return putConnector(client, plan);
        // Exactly ours, met by a retry whose first attempt's answer was lost: this run made it.
        if (!metAfterRetry(e)) throw e;
        const held = await getConnector(client, plan.scope, plan.connector.identifier);
        if (held?.connector && connectorDrift(plan.fields, held.connector).length === 0) {
            onCreated();
            return held;
        }
        throw e;
    }
}

/** Replaces the connector with `plan`'s (Harness's update takes every field). */
function putConnector(client: HarnessClient, plan: HarnessPlan): Promise<ConnectorData> {
    return sendConnector(client, plan, "PUT");
}

/**
 * Sends the whole connector (POST creates it, PUT replaces it), retrying while a just-created secret
 * is not yet resolvable; `onSaved` runs when Harness saved it, before a policy denial is thrown.
 */
async function sendConnector(
    client: HarnessClient,
    plan: HarnessPlan,
    method: "POST" | "PUT",
    onSaved?: () => void,
): Promise<ConnectorData> {
    const what = `${method === "POST" ? "creating" : "updating"} connector "${plan.connector.identifier}"`;
    const answer = await client.request<ConnectorData>({
        what,
        method,
        path: CONNECTORS,
        body: { connector: plan.connector },
        retryAlso: secretNotYetResolvable(plan),
    });
    if (answer.data?.connector) onSaved?.();
    return assertNotDenied(answer.data, what, answer.correlationId);
}

/** The connector as Harness holds it; undefined when it does not exist. */
export async function getConnector(
    client: HarnessClient,
    scope: HarnessScope,
    identifier: string,
): Promise<ConnectorData | undefined> {
    try {
        const answer = await client.request<ConnectorData>({
            what: `reading connector "${identifier}"`,
            method: "GET",
            path: `${CONNECTORS}/${identifier}`,
            query: scopeQuery(scope),
        });
        return answer.data ?? undefined;
    } catch (e) {
        if ((e as ConnectorError).code === "HARNESS_NOT_FOUND") return undefined;
        throw e;
    }
}

/** Runs Harness's own connection test as `settings.test` says; throws under `gate` unless SUCCESS. */
async function runHarnessTest(
    client: HarnessClient,
    plan: HarnessPlan,
    settings: HarnessSettings,
): Promise<HarnessTestResult> {
    if (settings.test === "skip") return { status: "SKIPPED" };
    const identifier = plan.connector.identifier;
    let result: HarnessTestResult;
    try {
        const answer = await client.request<HarnessTestResult>({
            what: `testing connector "${identifier}"`,
            method: "POST",
            path: `${CONNECTORS}/testConnection/${identifier}`,
            query: scopeQuery(plan.scope),
        });
        const d = answer.data;
        result = { status: d.status, errorSummary: d.errorSummary, testedAt: d.testedAt, delegateId: d.delegateId };
    } catch (e) {
        if ((e as ConnectorError).code !== "HARNESS_TEST_FAILED" || settings.test === "gate") throw e;
        result = { status: "FAILURE", errorSummary: (e as ConnectorError).what };
    }
    if (result.status !== "SUCCESS" && settings.test === "gate")
        throw connectorError(
            "HARNESS_TEST_FAILED",
            `Harness's connection test of connector "${identifier}" says ${result.status}: ${result.errorSummary ?? "no summary"}${result.delegateId ? ` (delegate ${result.delegateId})` : ""}`,
        );
    return result;
}

/** What `pulumi refresh` finds changed or deleted in Harness, compared with `plan`. */
export async function inspectRegistration(
    client: HarnessClient,
    plan: HarnessPlan,
    state: HarnessState,
): Promise<{ drift: HarnessDrift[]; data?: ConnectorData }> {
    const data = await getConnector(client, state.scope, plan.connector.identifier);
    const drift: HarnessDrift[] = [];
    if (!data?.connector) drift.push({ kind: "connectorDeleted" });
    else
        drift.push(
            ...connectorDrift(plan.fields, data.connector).map((field) => ({
                kind: "connectorChanged" as const,
                field,
            })),
        );
    for (const identifier of state.createdSecrets) {
        try {
            await client.request({
                what: `reading secret "${identifier}"`,
                method: "GET",
                path: `${SECRETS}/${identifier}`,
                query: scopeQuery(state.scope),
            });
        } catch (e) {
            if ((e as ConnectorError).code !== "HARNESS_NOT_FOUND") throw e;
            drift.push({ kind: "secretDeleted", identifier });
        }
    }
    return { drift, data };
}

/** Deletes the connector (a missing one is already gone), then the secrets it created. */
export async function deregisterConnector(
    client: HarnessClient,
    state: HarnessState,
    identifier: string,
    forceDelete: boolean,
): Promise<void> {
    await deleteConnectorIn(client, state.scope, identifier, forceDelete);
    for (const secret of [...state.createdSecrets].reverse()) await deleteSecretIn(client, state.scope, secret);
}

/** Whether a failed delete means the thing is already gone. */
function alreadyGone(e: ConnectorError): boolean {
    return e.code === "HARNESS_NOT_FOUND" || /no (connector|secret) exists/i.test(e.message);
}

async function deleteConnectorIn(
    client: HarnessClient,
    scope: HarnessScope,
    identifier: string,
    forceDelete: boolean,
): Promise<void> {
    try {
        await client.request({
            what: `deleting connector "${identifier}"`,
            method: "DELETE",
            path: `${CONNECTORS}/${identifier}`,
            query: { ...scopeQuery(scope), ...(forceDelete ? { forceDelete: true } : {}) },
        });
    } catch (e) {
        if (!alreadyGone(e as ConnectorError)) throw e;
    }
}

/** Deletes a secret, waiting (bounded) while Harness still sees the just-deleted connector reference it. */
async function deleteSecretIn(client: HarnessClient, scope: HarnessScope, identifier: string): Promise<void> {
    try {
        await client.request({
            what: `deleting secret "${identifier}"`,
            method: "DELETE",
            path: `${SECRETS}/${identifier}`,
            query: scopeQuery(scope),
            retryAlso: (e) => e.code === "HARNESS_REFERENCED",
        });
    } catch (e) {
        if (!alreadyGone(e as ConnectorError)) throw e;
    }
}
