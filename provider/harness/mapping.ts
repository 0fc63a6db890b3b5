// What the connector is in Harness, computed from its inputs: the K8sCluster connector body (with
// `*Ref`s) and the text secrets it needs, from the credential inputs/harnessRules.ts gives Harness
// (whose rules check's validation applies first). Pure: no request is made here (register.ts
// performs the plan).
import { ConnectorError } from "../errors";
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
        credential:
            | { type: "InheritFromDelegate" }
            | {
                  type: "ManualConfig";
                  spec: { masterUrl: string; auth: { type: string; spec: Record<string, string> } };
              };
        delegateSelectors: string[];
    };
}

/** Everything the connector is in Harness. */
export interface HarnessPlan {
    scope: HarnessScope;
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
    let spec: ConnectorBody["spec"]["credential"] = { type: "InheritFromDelegate" };
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
    const plan: HarnessPlan = {
        scope,
        secrets,
        secretRefs,
        connector: {
            name: inputs.name,
            identifier,
            description: inputs.description ?? "",
            ...scope,
            tags: inputs.tags ?? {},
            type: "K8sCluster",
            spec: { credential: spec, delegateSelectors: inputs.delegateSelectors ?? [] },
        },
    };
    return { ok: true, plan };
}
