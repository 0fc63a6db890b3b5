// What the connector is in Harness, computed from its inputs: the K8sCluster connector body (with
// `*Ref`s), the text secrets it needs, and the input rules only Harness imposes. Pure: no request is
// made here (register.ts performs the plan).
import { AUTH_KINDS, credentialKind, type HarnessCredential } from "../credentials/kinds";
import { ConnectorError } from "../errors";
import { deriveIdentifier, RESERVED_CONNECTOR_IDENTIFIERS, refScopeProblem, scopedRef } from "../inputs/identifier";
import type { ValidConnectorInputs } from "../inputs/types";
import type { HarnessScope, HarnessSecretField } from "./state";

export type { HarnessScope, HarnessSecretField } from "./state";

/** A text secret the connector needs, to create (or update) in Harness, in the connector's scope. */
export interface PlannedSecret {
    field: HarnessSecretField;
    /** Its identifier in the connector's scope (what GET, PUT and DELETE name). */
    identifier: string;
    name: string;
    /** The value (secret): written to Harness, never recorded. */
    value: string;
}

/**
 * What the connector is in Harness beyond where it is (identifier and scope): what create and
 * update send, and what drift and update compare, field by field (FIELD_KEYS). A field added here
 * is sent by connectorBody, read back by fieldsOf and compared by connectorDrift, or does not compile.
 */
export interface HarnessFields {
    name: string;
    description: string;
    tags: Record<string, string>;
    delegateSelectors: string[];
    credential:
        | { type: "InheritFromDelegate" }
        | {
              type: "ManualConfig";
              spec: { masterUrl: string; auth: { type: string; spec: Record<string, string> } };
          };
}

/** The body of a K8sCluster connector as Harness's create and update take it (`{connector: …}`). */
export interface ConnectorBody {
    name: string;
    identifier: string;
    description: string;
    orgIdentifier?: string;
    projectIdentifier?: string;
    tags: Record<string, string>;
    type: "K8sCluster";
    spec: {
        credential: HarnessFields["credential"];
        delegateSelectors: string[];
    };
}

/** The body that sends `fields` for the connector `identifier` in `scope`. */
export function connectorBody(identifier: string, scope: HarnessScope, fields: HarnessFields): ConnectorBody {
    return {
        name: fields.name,
        identifier,
        description: fields.description,
        ...scope,
        tags: fields.tags,
        type: "K8sCluster",
        spec: { credential: fields.credential, delegateSelectors: fields.delegateSelectors },
    };
}

/** The fields a body holds, as Harness answers it (ng-manager answers unset fields as null; null, absent and empty alike). */
export function fieldsOf(body: ConnectorBody): HarnessFields {
    return {
        name: body.name ?? "",
        description: body.description ?? "",
        tags: body.tags ?? {},
        delegateSelectors: body.spec?.delegateSelectors ?? [],
        credential: withoutNulls(body.spec?.credential) as HarnessFields["credential"],
    };
}

/**
 * `v` with null and absent alike: ng-manager's mapper answers unset fields as JSON null
 * (`caCertRef: null`, `credential.spec: null` for InheritFromDelegate), which we never send.
 * Object keys sorted, so that the order Harness answers in does not matter.
 */
function withoutNulls(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(withoutNulls);
    if (!v || typeof v !== "object") return v;
    return Object.fromEntries(
        Object.entries(v)
            .filter(([, x]) => x !== null && x !== undefined)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, x]) => [k, withoutNulls(x)]),
    );
}

/** How each field compares (order of tags and selectors aside): one entry per field, or it does not compile. */
const COMPARED_AS: { [K in keyof HarnessFields]: (v: HarnessFields[K]) => string } = {
    name: (v) => v,
    description: (v) => v,
    tags: (v) => JSON.stringify(Object.entries(v).sort()),
    delegateSelectors: (v) => JSON.stringify([...v].sort()),
    credential: (v) => JSON.stringify(withoutNulls(v)),
};

/** Every field of HarnessFields, in the order drift names them. */
export const FIELD_KEYS = Object.keys(COMPARED_AS) as (keyof HarnessFields)[];

/** Which fields Harness holds differently (in `held`, its answer's body) from `wanted`; all when it holds none. */
export function connectorDrift(wanted: HarnessFields, held: ConnectorBody | null | undefined): (keyof HarnessFields)[] {
    if (!held) return FIELD_KEYS;
    const there = fieldsOf(held);
    const differs = <K extends keyof HarnessFields>(k: K) => COMPARED_AS[k](wanted[k]) !== COMPARED_AS[k](there[k]);
    return FIELD_KEYS.filter(differs);
}

/** Everything the connector is in Harness. */
export interface HarnessPlan {
    scope: HarnessScope;
    /** What is sent and compared. */
    fields: HarnessFields;
    /** The body that sends `fields` (connectorBody). */
    connector: ConnectorBody;
    /** The secrets this connector creates (those not given in `harness.secretRefs`). */
    secrets: PlannedSecret[];
    /** The ref the connector uses for each secret field: created or given. */
    secretRefs: Partial<Record<HarnessSecretField, string>>;
}

/** Facts learnt on the cluster side that the Harness connector needs. */
export interface ClusterFacts {
    /** The API server URL the connection test used (InheritFromDelegate and kubeconfigs). */
    masterUrl?: string;
    /** The delegate's token, when the connector authenticates as the delegate. */
    delegateToken?: string;
}

/** The credential the Harness connector uses, or why it cannot be registered (the credential's kind knows). */
function harnessCredential(inputs: ValidConnectorInputs, facts: ClusterFacts): HarnessCredential | string {
    const c = inputs.credential;
    const kind = credentialKind(c);
    if (inputs.delegate?.useAsCredential) {
        const cluster = kind.harness.cluster(c);
        const masterUrl = cluster.masterUrl ?? facts.masterUrl;
        return {
            type: "ManualConfig",
            masterUrl: masterUrl ?? "",
            authType: "ServiceAccount",
            secrets: { token: facts.delegateToken ?? "", caCert: cluster.caCert },
            plain: {},
        };
    }
    return kind.harness.toHarness(c);
}

/** Which `auth.spec` field of Harness's K8sCluster connector holds each secret field's ref (each auth type's). */
export const REF_FIELDS: Record<string, Partial<Record<HarnessSecretField, string>>> = Object.fromEntries(
    Object.values(AUTH_KINDS).map((k) => [k.type, k.harness.refFields]),
);

/** Harness identifiers are at most 128 characters. */
const MAX_IDENTIFIER = 128;

/** The identifier of the secret a connector creates for `field`: `<connector>_<field>`. */
export function secretIdentifier(connector: string, field: HarnessSecretField): string {
    return `${connector.slice(0, MAX_IDENTIFIER - field.length - 1)}_${field}`;
}

/** Harness's entity-name rule for connectors and secrets (harness-core `NGEntityNameValidator`). */
export const HARNESS_NAME_PATTERN = /^[a-zA-Z0-9_.\-/ ]+$/;
/** The longest name `NGEntityNameValidator` accepts. */
const MAX_NAME = 128;

/**
 * The name of the secret a connector creates for `field`: `<connector> <field>`, always a valid
 * Harness name (an identifier's `$` becomes `_`, and the whole stays within 128 characters).
 */
export function secretName(connector: string, field: HarnessSecretField): string {
    return `${connector.replace(/\$/g, "_").slice(0, MAX_NAME - field.length - 1)} ${field}`;
}

/** Why Harness would refuse `name` for a connector or secret, or undefined. */
export function harnessNameProblem(name: string): string | undefined {
    if (name.length > MAX_NAME) return `must be at most ${MAX_NAME} characters for Harness (got ${name.length})`;
    if (!HARNESS_NAME_PATTERN.test(name)) {
        const bad = [...new Set(name.replace(/[a-zA-Z0-9_.\-/ ]/g, ""))].map((c) => JSON.stringify(c)).join(", ");
        return `may hold only letters, digits, spaces and "-", "_", ".", "/" in Harness (found ${bad})`;
    }
    return undefined;
}

/** The scope of a connector. */
export function harnessScope(inputs: Pick<ValidConnectorInputs, "orgIdentifier" | "projectIdentifier">): HarnessScope {
    return { orgIdentifier: inputs.orgIdentifier, projectIdentifier: inputs.projectIdentifier };
}

/** A property Harness cannot take, and why (as harnessInputProblems reports it). */
export interface HarnessInputIssue {
    property: string;
    reason: string;
}

/** The plan that registers the inputs, or the property that keeps them from being registered. */
export type HarnessPlanResult = { ok: true; plan: HarnessPlan } | { ok: false; issue: HarnessInputIssue };

/** Why the credential cannot be registered in Harness (the kind's reason), as the property to change. */
function credentialIssue(inputs: ValidConnectorInputs, reason: string): HarnessInputIssue {
    return { property: inputs.credential.type === "Kubeconfig" ? "credential.kubeconfig" : "credential", reason };
}

/**
 * The connector and secrets that register `inputs` in Harness; throws INVALID_INPUT, naming the
 * property, when they cannot be (inputs that passed harnessInputProblems always can).
 */
export function planHarnessConnector(
    inputs: ValidConnectorInputs,
    identifier: string,
    facts: ClusterFacts = {},
): HarnessPlan {
    const result = harnessPlanFor(inputs, identifier, facts);
    if (result.ok) return result.plan;
    throw new ConnectorError(
        "INVALID_INPUT",
        `cannot register the connector in Harness: ${result.issue.property} ${result.issue.reason}`,
        "Fix the named property; nothing was sent to Harness",
    );
}

/** The connector and secrets that register `inputs` in Harness, or why they cannot be. */
export function harnessPlanFor(
    inputs: ValidConnectorInputs,
    identifier: string,
    facts: ClusterFacts = {},
): HarnessPlanResult {
    const credential = harnessCredential(inputs, facts);
    if (typeof credential === "string") return { ok: false, issue: credentialIssue(inputs, credential) };
    const given = inputs.harness?.secretRefs ?? {};
    const scope = harnessScope(inputs);
    const secrets: PlannedSecret[] = [];
    const secretRefs: Partial<Record<HarnessSecretField, string>> = {};
    let spec: HarnessFields["credential"] = { type: "InheritFromDelegate" };
    if (credential.type === "ManualConfig") {
        const auth: Record<string, string> = { ...credential.plain };
        for (const [field, refField] of Object.entries(REF_FIELDS[credential.authType]) as [
            HarnessSecretField,
            string,
        ][]) {
            const value = credential.secrets[field];
            let ref = given[field];
            if (!ref && value) {
                // Created in the connector's scope, so referred to with that scope's prefix: a bare
                // ref would mean a project's secret (harness-core SecretRefData).
                const secretId = secretIdentifier(identifier, field);
                secrets.push({ field, identifier: secretId, name: secretName(identifier, field), value });
                ref = scopedRef(secretId, scope);
            }
            if (!ref) continue;
            secretRefs[field] = ref;
            auth[refField] = ref;
        }
        spec = {
            type: "ManualConfig",
            spec: { masterUrl: credential.masterUrl, auth: { type: credential.authType, spec: auth } },
        };
    }
    const fields: HarnessFields = {
        name: inputs.name,
        description: inputs.description ?? "",
        tags: inputs.tags ?? {},
        delegateSelectors: inputs.delegateSelectors ?? [],
        credential: spec,
    };
    return {
        ok: true,
        plan: { scope, secrets, secretRefs, fields, connector: connectorBody(identifier, scope, fields) },
    };
}

/** What in the inputs Harness cannot take, each with the property to change: checked at preview. */
export function harnessInputProblems(inputs: ValidConnectorInputs): HarnessInputIssue[] {
    if (!inputs.harness) return [];
    const issues: HarnessInputIssue[] = [];
    const c = inputs.credential;
    const inherits = c.type === "InheritFromDelegate" && !inputs.delegate?.useAsCredential;
    if (inherits && !inputs.delegateSelectors?.length)
        issues.push({
            property: "delegateSelectors",
            reason: "must name at least one delegate tag when credential.type is InheritFromDelegate and the connector is registered in Harness: Harness runs it on a delegate with those tags",
        });
    const nameProblem = harnessNameProblem(inputs.name);
    if (nameProblem) issues.push({ property: "name", reason: nameProblem });
    const identifier = inputs.identifier ?? deriveIdentifier(inputs.name);
    if (RESERVED_CONNECTOR_IDENTIFIERS.has(identifier))
        issues.push({
            property: "identifier",
            reason: `"${identifier}" is the built-in secret manager's identifier, which Harness refuses for a connector: choose another identifier`,
        });
    const scope = harnessScope(inputs);
    if (inputs.harness.requireCaCert && !inherits && !harnessCaGiven(inputs))
        issues.push({
            property: "credential.caCert",
            reason: "is required by harness.requireCaCert: without a CA Harness's delegate does not verify the API server's certificate (harness-core ApiClientFactoryImpl); give the cluster's CA",
        });
    // A secret names its manager from its own scope (harness-core IdentifierRefHelper): a bare one
    // is of that scope, and `org.x` needs an org.
    const manager = inputs.harness.secretManager;
    if (manager.startsWith("org.") && !scope.orgIdentifier)
        issues.push({
            property: "harness.secretManager",
            reason: `"${manager}" names an org-level secret manager, which an account-level connector's secrets cannot use: write account.<id> or <id>`,
        });
    if (c.type === "ManualConfig" && c.tlsServerName)
        issues.push({
            property: "credential.tlsServerName",
            reason: "cannot be registered in Harness (its K8sCluster connector has no server-name override): use a masterUrl whose host is in the server certificate",
        });
    if (c.type === "Kubeconfig" && !inputs.delegate?.useAsCredential) {
        const credential = harnessCredential(inputs, {});
        if (typeof credential === "string") issues.push(credentialIssue(inputs, credential));
    }
    const refs = inputs.harness.secretRefs ?? {};
    if (Object.keys(refs).length) {
        const credential = harnessCredential(inputs, { masterUrl: "https://x", delegateToken: "x" });
        const usable =
            typeof credential === "object" && credential.type === "ManualConfig"
                ? Object.keys(REF_FIELDS[credential.authType])
                : [];
        for (const [field, ref] of Object.entries(refs)) {
            const scopeProblem = refScopeProblem(ref, scope);
            if (!usable.includes(field))
                issues.push({
                    property: `harness.secretRefs.${field}`,
                    reason: `is not a secret this credential registers (it registers ${usable.join(", ") || "none"})`,
                });
            else if (scopeProblem) issues.push({ property: `harness.secretRefs.${field}`, reason: scopeProblem });
        }
    }
    return issues;
}

/** Whether the registered connector names a CA for the API server (a created or a given secret). */
function harnessCaGiven(inputs: ValidConnectorInputs): boolean {
    if (inputs.harness?.secretRefs?.caCert) return true;
    const credential = harnessCredential(inputs, { masterUrl: "https://x", delegateToken: "x" });
    return typeof credential === "object" && credential.type === "ManualConfig" && !!credential.secrets.caCert;
}

/**
 * Warnings about a registration Harness accepts but a user should know of: a connector without a CA,
 * which Harness's delegate reaches without verifying the API server's certificate
 * (harness-core `ApiClientFactoryImpl`: `setVerifyingSsl(isNotEmpty(caCert))`).
 */
export function harnessInputWarnings(inputs: ValidConnectorInputs): string[] {
    if (!inputs.harness) return [];
    const c = inputs.credential;
    const id = inputs.identifier ?? deriveIdentifier(inputs.name);
    const warnings: string[] = [];
    const inherits = c.type === "InheritFromDelegate" && !inputs.delegate?.useAsCredential;
    if (!inherits && !inputs.harness.requireCaCert && !harnessCaGiven(inputs))
        warnings.push(
            `connector ${id} is registered in Harness without a CA: Harness's delegate will reach ${c.type === "ManualConfig" ? c.masterUrl : "the API server"} WITHOUT verifying its certificate (our own connection test still verifies it). Give credential.caCert (or harness.secretRefs.caCert), or set harness.requireCaCert: true to refuse this`,
        );
    // harness-core's K8s validation builds its client without the passphrase (2023): an encrypted key fails there.
    const credential = harnessCredential(inputs, { masterUrl: "https://x", delegateToken: "x" });
    if (
        inputs.harness.test !== "skip" &&
        typeof credential === "object" &&
        credential.type === "ManualConfig" &&
        (credential.secrets.clientKeyPassphrase || inputs.harness.secretRefs?.clientKeyPassphrase)
    )
        warnings.push(
            `connector ${id} has a passphrase-protected client key: Harness's own test builds its client without the passphrase, so it may fail there while ours passes. Use an unencrypted key in Harness, or set harness.test: skip`,
        );
    return warnings;
}
