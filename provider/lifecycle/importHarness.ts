// import from Harness: with only an id (`pulumi import … <org>/<project>/<identifier>`), a
// connector registered in Harness gives back what Harness holds of it: each connector field's input
// (provider/parts/registration/mapping.ts HARNESS_FIELDS: its name, description, tags and delegate selectors,
// the credential's type, master URL and auth type with its plain fields), and the registration itself (connector ref, the refs of its secrets, which of them
// this provider's naming says it created). Harness never returns a secret's value: the program
// supplies them (the token, the CA, …), and its first `pulumi up` writes them and runs the tests.
// Where Harness is comes from HARNESS_ACCOUNT_ID, HARNESS_PLATFORM_API_KEY and HARNESS_ENDPOINT,
// as for refresh and destroy: an import has no inputs yet.
import { manualConfigInput } from "../credentials/kinds";
import { resolveHarnessAccess } from "../harness/access";
import { withHarness } from "../harness/client";
import { harnessAccessProblems, harnessScope, REF_FIELDS } from "../inputs/harnessRules";
import type { HarnessSecretField } from "../inputs/harnessTypes";
import { connectorRef, scopedRef } from "../inputs/identifier";
import { connectorInputsSchema } from "../inputs/schema";
import { type ConnectorBody, fieldsOf, inputsOf, secretIdentifier } from "../parts/registration/mapping";
import type { HarnessState } from "../parts/registration/record";
import { connectorUrl, getConnector } from "../parts/registration/register";
import { stripUndefined } from "../state";
import type { ImportedRecord } from "./importRecord";

type Env = Record<string, string | undefined>;

/** What an import finds in Harness. */
export type HarnessImport =
    | { found: false; why: string }
    | {
          found: true;
          /** The record: the inputs Harness defines, the ref, the `harness` input (in `inputs`) and the `harness` registration. */
          outputs: Record<string, unknown>;
          inputs: Record<string, unknown>;
          /** The inputs the program must supply (secret values among them). */
          missing: string[];
      };

/**
 * Looks the imported connector up in Harness. Not found (or no Harness account in the environment):
 * `found: false` and why. A Harness that answers with an error throws it (an import that missed the
 * registration would make the program's first up register it a second time).
 */
export async function importFromHarness(imported: ImportedRecord, env: Env = process.env): Promise<HarnessImport> {
    const settings = connectorInputsSchema.shape.harness.unwrap().parse({});
    const problems = harnessAccessProblems(settings, env);
    if (problems.length)
        return { found: false, why: `not looked up in Harness (${problems.map((p) => p.reason).join("; ")})` };
    const { identifier } = imported.inputs;
    const scope = harnessScope(imported.inputs);
    const access = resolveHarnessAccess(settings, env);
    const data = await withHarness(settings, (client) => getConnector(client, scope, identifier), access);
    const body = data?.connector as ConnectorBody | undefined;
    if (!body)
        return { found: false, why: `no connector ${imported.outputs.ref} in Harness account ${access.accountId}` };
    if (body.type !== "K8sCluster")
        return { found: false, why: `${imported.outputs.ref} in Harness is a ${body.type} connector, not K8sCluster` };

    const secretRefs: Partial<Record<HarnessSecretField, string>> = {};
    const givenRefs: Partial<Record<HarnessSecretField, string>> = {};
    const createdSecrets: string[] = [];
    const missing: string[] = [];
    const c = fieldsOf(body).credential;
    if (c.type === "ManualConfig") {
        const auth = c.spec.auth;
        for (const [field, refField] of Object.entries(REF_FIELDS[auth.type] ?? {}) as [HarnessSecretField, string][]) {
            const ref = auth.spec?.[refField];
            if (!ref) continue;
            secretRefs[field] = ref;
            // The secrets this provider creates are <connector>_<field> in the connector's scope
            // (referred to as account.x, org.x or x); any other was given.
            const created = secretIdentifier(identifier, field);
            if (ref === scopedRef(created, scope)) createdSecrets.push(created);
            else givenRefs[field] = ref;
            missing.push(manualConfigInput(field));
        }
    }
    const harnessInput = Object.keys(givenRefs).length ? { secretRefs: givenRefs } : {};
    const inputs = stripUndefined({
        ...imported.inputs,
        ...inputsOf(body),
        harness: harnessInput,
    });
    const harness: HarnessState = {
        connectorRef: connectorRef(identifier, scope),
        url: connectorUrl(access.endpoint, access.accountId, scope, identifier),
        accountId: access.accountId,
        endpoint: access.endpoint,
        scope: stripUndefined(scope),
        secretRefs,
        createdSecrets,
        ...(data?.createdAt ? { createdAt: data.createdAt } : {}),
        ...(data?.lastModifiedAt ? { lastModifiedAt: data.lastModifiedAt } : {}),
        // Not run by the import: the program's first up runs it.
        connectionTest: { status: "UNKNOWN" },
    };
    const { harness: _settings, ...recorded } = inputs;
    return {
        found: true,
        outputs: {
            ...recorded,
            ref: imported.outputs.ref,
            inputs: { harness: connectorInputsSchema.shape.harness.unwrap().parse(harnessInput) },
            harness,
        },
        inputs,
        missing,
    };
}
