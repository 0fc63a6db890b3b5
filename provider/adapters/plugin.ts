// The provider plugin's resource methods (check, diff, create, read, update, delete) for
// `kubernetes-connector:index:KubernetesClusterConnector`, served by @pulumi/pulumi's provider
// host (provider/plugin/main.ts). Like the dynamic adapter, they only translate: the engine's
// property bags (with secrets wrapped, see secretBags.ts) to the lifecycle's typed records and
// back. What the plugin adds: the owner comes from the URN, diff says which property changed
// (detailedDiff), read with only an id imports, and the kubeconfig output is filled here (a
// program in another language has no SDK to build it).
import type * as provider from "@pulumi/pulumi/provider";
import { underOverallDeadline } from "../deadline";
import {
    checkConnector,
    createConnector,
    deleteConnector,
    importFromHarness,
    importRecord,
    inputWarnings,
    type PropertyChange,
    planUpdate,
    propertyChanges,
    readConnector,
    recordWarnings,
    updateConnector,
} from "../lifecycle";
import { type ConnectorOutputs, publishRecord, recordFromPluginState } from "../state";
import { type Props, printWarnings, type ShowWarnings, userInputs } from "./engineProps";
import { concealSecrets, credentialSecretPaths, movePaths, recordSecretPaths, revealSecrets } from "./secretBags";

/** The resource type the plugin serves. */
export const CONNECTOR_TYPE = "kubernetes-connector:index:KubernetesClusterConnector";

/** A diff with the property-level changes: provider/plugin/detailedDiff.ts gives them to the engine. */
export interface DetailedDiffResult extends provider.DiffResult {
    detailedDiff: PropertyChange[];
}

/**
 * The provider's resource methods, with diff's detailed result. Diff, update, read and delete take
 * the request's old inputs last (provider/plugin/oldInputs.ts brings them: the host drops them).
 */
export type ConnectorPlugin = Required<Pick<provider.Provider, "check" | "create">> & {
    diff: (id: string, urn: string, olds: Props, news: Props, oldInputs?: Props) => Promise<DetailedDiffResult>;
    update: (id: string, urn: string, olds: Props, news: Props, oldInputs?: Props) => Promise<provider.UpdateResult>;
    read: (id: string, urn: string, props?: Props, oldInputs?: Props) => Promise<provider.ReadResult>;
    delete: (id: string, urn: string, props: Props, oldInputs?: Props) => Promise<void>;
};

/** `<project>/<stack>` of a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`): the owner the dynamic SDK records too. */
export function ownerOf(urn: string): string {
    const [stackPart, project] = urn.split("::");
    return `${project}/${stackPart.replace(/^urn:pulumi:/, "")}`;
}

function assertType(urn: string): void {
    const type = urn.split("::")[2]?.split("$").at(-1);
    if (type !== CONNECTOR_TYPE)
        throw new Error(`unknown resource type ${type} (this plugin serves ${CONNECTOR_TYPE})`);
}

/**
 * The record as the engine keeps it (publishRecord: the outputs in full, no copy of the inputs),
 * every secret wrapped: where the inputs had one, and wherever provider/secrets.ts says.
 */
function stateOf(record: ConnectorOutputs, inputSecrets: Set<string>): Props {
    const outputs = publishRecord(record);
    return concealSecrets(
        outputs,
        new Set([...movePaths(inputSecrets, "toRecord"), ...recordSecretPaths(outputs as Props)]),
    );
}

/** The record the lifecycle reads (recordFromPluginState), secrets unwrapped, and where they were. */
function recordOf(olds: Props, oldInputs: Props | undefined): { plain: any; secrets: Set<string> } {
    return revealSecrets(recordFromPluginState(olds, oldInputs));
}

/**
 * The connector's provider plugin methods. `show` takes the warnings of check, create, update, read and
 * delete with the resource's URN (provider/plugin/engineLog.ts sends them to the engine); it
 * defaults to printing them on standard error.
 */
export function connectorPlugin(show: ShowWarnings = printWarnings): ConnectorPlugin {
    return {
        /** Validates inputs with the schema; fills the identifier and defaults; keeps secret what was. */
        async check(urn, olds, news) {
            assertType(urn);
            const given = revealSecrets(news);
            const outcome = checkConnector(revealSecrets(olds).plain, userInputs(given.plain));
            if ("failures" in outcome) return { failures: outcome.failures };
            await show(urn, inputWarnings(outcome.inputs, outcome.valid));
            const secrets = new Set([...given.secrets, ...credentialSecretPaths(outcome.inputs)]);
            return { inputs: concealSecrets(outcome.inputs, secrets) };
        },

        /** The update plan, with each changed property and whether it replaces the connector. */
        async diff(_id, _urn, olds, news, oldInputs) {
            const record = recordOf(olds, oldInputs).plain as ConnectorOutputs;
            const inputs = userInputs(revealSecrets(news).plain);
            const plan = planUpdate(record, inputs);
            return {
                changes: plan.changes,
                replaces: plan.replaces,
                deleteBeforeReplace: plan.deleteBeforeReplace,
                detailedDiff: plan.changes ? propertyChanges(record, inputs, plan) : [],
            };
        },

        /**
         * Provisions the delegate when declared and runs the connection test; records the connector only
         * when it passes. Create, update and delete end by the resource's custom timeout (customTimeouts.ts).
         */
        async create(urn, props) {
            const { plain, secrets } = revealSecrets(props);
            const { id, outputs, warnings } = await underOverallDeadline(() =>
                createConnector(userInputs(plain), ownerOf(urn)),
            );
            await show(urn, warnings);
            return { id, outs: stateOf(outputs, secrets) };
        },

        /** Re-provisions and re-tests what changed; a description change touches no cluster. */
        async update(_id, urn, olds, news, oldInputs) {
            const { plain, secrets } = revealSecrets(news);
            const record = recordOf(olds, oldInputs).plain as ConnectorOutputs;
            const { outputs, warnings } = await underOverallDeadline(() =>
                updateConnector(record, userInputs(plain), ownerOf(urn)),
            );
            await show(urn, warnings);
            return { outs: stateOf(outputs, secrets) };
        },

        /**
         * Refresh: runs the test again and looks for drift. With only an id (`pulumi import`): what
         * Harness holds of a registered connector (importHarness.ts), else the identifiers and ref; and a
         * warning naming the inputs (and secrets) the program must supply.
         */
        async read(id, urn, props, oldInputs) {
            if (!props?.identifier) {
                const imported = importRecord(id);
                const registered = await importFromHarness(imported);
                if (registered.found) {
                    await show(urn, [
                        `imported ${id} from Harness (name, description, tags, delegate selectors, credential type, master URL, the registration): Harness never returns secret values, so set ${registered.missing.length ? registered.missing.join(", ") : "the credential"} in the program; its first pulumi up writes them and runs the connection tests`,
                    ]);
                    return { id, props: registered.outputs, inputs: registered.inputs };
                }
                await show(urn, [
                    `imported ${id} from its id alone (${registered.why}): the cluster cannot be reached without the credential, so set ${imported.missing.join(", ")} in the program (the credential's secrets too: they are never read back)`,
                ]);
                return { id, props: imported.outputs, inputs: imported.inputs };
            }
            const { plain, secrets } = recordOf(props, oldInputs);
            const refreshed = await readConnector({ ...plain, __owner: ownerOf(urn) } as ConnectorOutputs);
            if (!refreshed) return { id, props };
            await show(urn, recordWarnings(refreshed.outputs));
            // The record's secret paths as input paths, which stateOf takes (as create and update give them).
            const recordedAsInputs = movePaths(secrets, "toInputs");
            const inputSecrets = new Set([...recordedAsInputs, ...credentialSecretPaths(refreshed.inputs)]);
            return {
                id,
                props: stateOf(refreshed.outputs, recordedAsInputs),
                inputs: concealSecrets(refreshed.inputs, inputSecrets),
            };
        },

        /** Removes the delegate's objects; a cluster that cannot be reached is a warning. */
        async delete(_id, urn, props, oldInputs) {
            const record = recordOf(props, oldInputs).plain as ConnectorOutputs;
            const { warnings } = await underOverallDeadline(() =>
                deleteConnector({ ...record, __owner: ownerOf(urn) }),
            );
            await show(urn, warnings);
        },
    };
}
