// What the connector is in Harness, computed from its inputs: the K8sCluster connector body (with
// `*Ref`s) and the text secrets it needs, from the credential inputs/harnessRules.ts gives Harness
// (whose rules check's validation applies first). Pure: no request is made here (register.ts
// performs the plan).
import { authKind } from "../../credentials/kinds";
import { ConnectorError, connectorError } from "../../errors";
import type { HarnessScope } from "../../harness/scope";
import { installIdentity } from "../../inputs/delegateName";
import {
    credentialIssue,
    HARNESS_MAX_NAME,
    type HarnessInputIssue,
    harnessCredential,
    harnessScope,
    REF_FIELDS,
} from "../../inputs/harnessRules";
import type { ClusterFacts, HarnessSecretField } from "../../inputs/harnessTypes";
import { scopedRef } from "../../inputs/identifier";
import type { ValidConnectorInputs } from "../../inputs/types";

export type { HarnessSecretField } from "../../inputs/harnessTypes";
export type { HarnessScope } from "./record";

/** A text secret the connector needs, to create (or update) in Harness, in the connector's scope. */
export interface PlannedSecret {
    field: HarnessSecretField;
    /** Its identifier in the connector's scope (what GET, PUT and DELETE name). */
    identifier: string;
    name: string;
    /** The value (secret): written to Harness, never recorded. */
    value: string;
}

/** The credential as the K8sCluster connector's spec holds it (its secrets as `*Ref`s). */
export type HarnessCredentialSpec =
    | { type: "InheritFromDelegate" }
    | {
          type: "ManualConfig";
          spec: { masterUrl: string; auth: { type: string; spec: Record<string, string> } };
      };

/**
 * One field of the K8sCluster connector: where the body holds it, how it is sent (from the inputs),
 * read back (Harness's answer), compared (drift) and given back to an import. Declared once per
 * field in HARNESS_FIELDS: connectorBody, fieldsOf, connectorDrift and the importer read the table.
 */
interface HarnessField<T, At extends "connector" | "spec"> {
    /** In the body (`connector`) or in its `spec`. */
    at: At;
    /** The value sent, from the inputs (`credential`: the spec the plan built, with its refs). */
    send(inputs: ValidConnectorInputs, plan: { identifier: string; credential: HarnessCredentialSpec }): T;
    /** Harness's answer as what was sent: ng-manager answers unset fields as null (null, absent and empty alike). */
    read(answer: unknown): T;
    /** The value as compared (the order of tags and selectors aside). */
    compared(value: T): string;
    /** The input an import gets from what Harness holds; undefined for none. */
    toInput(value: T): unknown;
}

/** A field of HARNESS_FIELDS (its types inferred, its place kept literal). */
const field = <T, At extends "connector" | "spec">(f: HarnessField<T, At>) => f;

/** Harness's answer of a map of strings, empty when unset. */
const readMap = (v: unknown) => (v ?? {}) as Record<string, string>;

/**
 * What the connector is in Harness beyond where it is (identifier and scope): what create and
 * update send, and what drift and update compare, field by field. A new connector field is one
 * entry here (and its input in provider/inputs/schema.ts).
 */
export const HARNESS_FIELDS = {
    name: field({
        at: "connector",
        send: (inputs) => inputs.name,
        read: (v) => (v as string | null) ?? "",
        compared: (v: string) => v,
        toInput: (v) => v,
    }),
    description: field({
        at: "connector",
        send: (inputs) => inputs.description ?? "",
        read: (v) => (v as string | null) ?? "",
        compared: (v: string) => v,
        toInput: (v) => v || undefined,
    }),
    tags: field({
        at: "connector",
        send: (inputs) => inputs.tags ?? {},
        read: readMap,
        compared: (v) => JSON.stringify(Object.entries(v).sort()),
        toInput: (v) => (Object.keys(v).length ? v : undefined),
    }),
    delegateSelectors: field({
        at: "spec",
        // An installed delegate's tags are the default: Harness's test then runs on that delegate.
        send: (inputs, { identifier }) =>
            inputs.delegateSelectors ??
            (inputs.delegate?.install ? installIdentity(inputs.delegate.install, identifier).tags : []),
        read: (v) => (v ?? []) as string[],
        compared: (v) => JSON.stringify([...v].sort()),
        toInput: (v) => (v.length ? v : undefined),
    }),
    credential: field({
        at: "spec",
        send: (_inputs, { credential }) => credential,
        read: (v) => withoutNulls(v) as HarnessCredentialSpec,
        compared: (v) => JSON.stringify(withoutNulls(v)),
        // The plain fields only: Harness never returns a secret (the importer reads the refs).
        toInput: (c): Record<string, unknown> =>
            c.type === "ManualConfig"
                ? {
                      type: "ManualConfig",
                      masterUrl: c.spec.masterUrl,
                      auth: {
                          type: c.spec.auth.type,
                          ...authKind(c.spec.auth.type)?.harness.fromHarness(c.spec.auth.spec ?? {}),
                      },
                  }
                : { type: "InheritFromDelegate" },
    }),
};

type FieldTable = typeof HARNESS_FIELDS;

/** The values of the connector's fields (HARNESS_FIELDS), as sent and as read back. */
export type HarnessFields = { [K in keyof FieldTable]: ReturnType<FieldTable[K]["read"]> };

/** The fields the body holds at `at`. */
type FieldsAt<At> = { [K in keyof FieldTable as FieldTable[K]["at"] extends At ? K : never]: HarnessFields[K] };

/** The body of a K8sCluster connector as Harness's create and update take it (`{connector: …}`). */
export type ConnectorBody = FieldsAt<"connector"> & {
    identifier: string;
    orgIdentifier?: string;
    projectIdentifier?: string;
    type: "K8sCluster";
    spec: FieldsAt<"spec">;
};

/** Every field of HarnessFields, in the order drift names them. */
export const FIELD_KEYS = Object.keys(HARNESS_FIELDS) as (keyof HarnessFields)[];

/** The fields placed at `at` of `fields`, each as the table says. */
function placed<At extends "connector" | "spec">(fields: Partial<Record<string, unknown>>, at: At) {
    return Object.fromEntries(FIELD_KEYS.filter((k) => HARNESS_FIELDS[k].at === at).map((k) => [k, fields[k]]));
}

/** The body that sends `fields` for the connector `identifier` in `scope`. */
export function connectorBody(identifier: string, scope: HarnessScope, fields: HarnessFields): ConnectorBody {
    return {
        ...(placed(fields, "connector") as FieldsAt<"connector">),
        identifier,
        ...scope,
        type: "K8sCluster",
        spec: placed(fields, "spec") as FieldsAt<"spec">,
    };
}

/** The fields a body holds, as Harness answers it (ng-manager answers unset fields as null; null, absent and empty alike). */
export function fieldsOf(body: ConnectorBody): HarnessFields {
    const answer = { ...body, ...body.spec } as Record<string, unknown>;
    const at = (k: keyof HarnessFields) =>
        HARNESS_FIELDS[k].at === "spec" ? body.spec?.[k as "credential"] : answer[k];
    return Object.fromEntries(FIELD_KEYS.map((k) => [k, HARNESS_FIELDS[k].read(at(k))])) as HarnessFields;
}

/** The inputs an import gets from what Harness holds of the connector (the plain parts: no secret comes back). */
export function inputsOf(body: ConnectorBody): Record<string, unknown> {
    const fields = fieldsOf(body);
    return Object.fromEntries(
        FIELD_KEYS.map((k) => [k, (HARNESS_FIELDS[k].toInput as (v: unknown) => unknown)(fields[k])]),
    );
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

/** Which fields Harness holds differently (in `held`, its answer's body) from `wanted`; all when it holds none. */
export function connectorDrift(wanted: HarnessFields, held: ConnectorBody | null | undefined): (keyof HarnessFields)[] {
    if (!held) return FIELD_KEYS;
    const there = fieldsOf(held);
    const compared = (k: keyof HarnessFields, v: HarnessFields) =>
        (HARNESS_FIELDS[k].compared as (x: unknown) => string)(v[k]);
    return FIELD_KEYS.filter((k) => compared(k, wanted) !== compared(k, there));
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
    throw connectorError(
        "INVALID_INPUT",
        `cannot register the connector in Harness: ${result.issue.property} ${result.issue.reason}`,
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
    let spec: HarnessCredentialSpec = { type: "InheritFromDelegate" };
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
    const sent = { identifier, credential: spec };
    const fields = Object.fromEntries(
        FIELD_KEYS.map((k) => [k, HARNESS_FIELDS[k].send(inputs, sent)]),
    ) as HarnessFields;
    return {
        ok: true,
        plan: { scope, secrets, secretRefs, fields, connector: connectorBody(identifier, scope, fields) },
    };
}
