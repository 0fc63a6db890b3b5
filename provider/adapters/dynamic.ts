// The dynamic provider's methods (check, diff, create, read, update, delete), which the shim in
// sdk/provider.ts loads when the engine calls it: they translate the engine's property bags to the
// lifecycle's typed records and back, and nothing else.
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { ConnectorOutputs } from "../outputs";
import { upgradeRecord } from "../recordUpgrade";
import { engineKeys, type Props, userInputs, warn } from "./engineProps";

// The lifecycle is loaded on the first call that needs it: a destroy of connectors that own
// nothing outside the state loads only ../lifecycle/delete (no schema, no cluster code).
const lifecycle = () => require("../lifecycle") as typeof import("../lifecycle");

/** Validates inputs with the schema; fills the identifier and defaults. */
export async function check(olds: Props, news: Props): Promise<dynamic.CheckResult> {
    const { checkConnector, inputWarnings } = lifecycle();
    const outcome = checkConnector(olds, userInputs(news));
    if ("failures" in outcome) return { failures: outcome.failures };
    warn(inputWarnings(outcome.inputs, outcome.valid));
    return { inputs: { ...engineKeys(news), ...outcome.inputs } };
}

/** Replacement for identifier or scope changes (old one deleted first when it would collide in Harness), an update otherwise. */
export async function diff(_id: string, olds: Props, news: Props): Promise<dynamic.DiffResult> {
    const plan = lifecycle().planUpdate(upgradeRecord(olds) as ConnectorOutputs, userInputs(news));
    return { changes: plan.changes, replaces: plan.replaces, deleteBeforeReplace: plan.deleteBeforeReplace };
}

/** Provisions the delegate when declared and runs the connection test; records the connector only when it passes. */
export async function create(props: Props): Promise<dynamic.CreateResult> {
    const { id, outputs, warnings } = await lifecycle().createConnector(userInputs(props), props.__owner);
    warn(warnings);
    return { id, outs: outputs };
}

/** Re-provisions and re-tests what changed; a description change touches no cluster. */
export async function update(_id: string, olds: Props, news: Props): Promise<dynamic.UpdateResult> {
    const { outputs, warnings } = await lifecycle().updateConnector(
        upgradeRecord(olds) as ConnectorOutputs,
        userInputs(news),
        news.__owner,
    );
    warn(warnings);
    return { outs: outputs };
}

/** Refresh: runs the test again and looks for drift; a cluster that is down is recorded, not thrown. */
export async function read(id: string, props: Props): Promise<dynamic.ReadResult> {
    const { readConnector, recordWarnings } = lifecycle();
    const refreshed = await readConnector(upgradeRecord(props) as ConnectorOutputs);
    if (!refreshed) return { id, props };
    warn(recordWarnings(refreshed.outputs));
    return {
        id,
        props: { ...engineKeys(props), ...refreshed.outputs },
        inputs: { ...engineKeys(props), ...refreshed.inputs },
    };
}

/** Removes the delegate's objects; a cluster that cannot be reached is a warning. */
export async function remove(_id: string, props: Props): Promise<void> {
    const { deleteConnector } = require("../lifecycle/delete") as typeof import("../lifecycle/delete");
    const { warnings } = await deleteConnector(upgradeRecord(props) as ConnectorOutputs);
    warn(warnings);
}
