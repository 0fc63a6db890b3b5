// What the connector is in Harness, computed from its inputs: the K8sCluster connector body (with
// `*Ref`s) and the text secrets it needs, from the credential inputs/harnessRules.ts gives Harness
// (whose rules check's validation applies first). Pure: no request is made here (register.ts
// performs the plan).
import { ConnectorError } from "../errors";
import { installIdentity } from "../inputs/delegateName";
import {
    credentialIssue,
    HARNESS_MAX_NAME,
    type HarnessInputIssue,
    harnessCredential,
    harnessScope,
    REF_FIELDS,
} from "../inputs/harnessRules";
import type { ClusterFacts, HarnessSecretField } from "../inputs/harnessTypes";
import { scopedRef } from "../inputs/identifier";
import type { ValidConnectorInputs } from "../inputs/types";
import type { HarnessScope } from "./state";

export type { HarnessSecretField } from "../inputs/harnessTypes";
export type { HarnessScope } from "./state";

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

/** Harness identifiers are at most 128 characters. */
const MAX_IDENTIFIER = 128;

/** The identifier of the secret a connector creates for `field`: `<connector>_<field>`. */
export function secretIdentifier(connector: string, field: HarnessSecretField): string {
    return `${connector.slice(0, MAX_IDENTIFIER - field.length - 1)}_${field}`;
}

/**
 * The name of the secret a connector creates for `field`: `<connector> <field>`, always a valid
 * Harness name (an identifier's `$` becomes `_`, and the whole stays within 128 characters).
 */
export function secretName(connector: string, field: HarnessSecretField): string {
    return `${connector.replace(/\$/g, "_").slice(0, HARNESS_MAX_NAME - field.length - 1)} ${field}`;
}

/** The plan that registers the inputs, or the property that keeps them from being registered. */
export type HarnessPlanResult = { ok: true; plan: HarnessPlan } | { ok: false; issue: HarnessInputIssue };

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
        // An installed delegate's tags are the default: Harness's test then runs on that delegate.
        delegateSelectors:
            inputs.delegateSelectors ??
            (inputs.delegate?.install ? installIdentity(inputs.delegate.install, identifier).tags : []),
        credential: spec,
    };
    return {
        ok: true,
        plan: { scope, secrets, secretRefs, fields, connector: connectorBody(identifier, scope, fields) },
    };
}
