// The dynamic provider's methods (check, diff, create, read, update, delete), which the shim in
// sdk/provider.ts loads when the engine calls it: they translate the engine's property bags to the
// lifecycle's typed records and back, and nothing else.
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { ownsOutsideState } from "../lifecycle/deleteWork";
import { storedRecord } from "../state/migrations";
import { engineKeys, type Props, userInputs, warn } from "./engineProps";

/**
 * The one lazy boundary of the provider: each method loads the lifecycle module it calls on its
 * first call, and everything below is imported statically. So a no-op preview (check and diff)
 * loads the schema and the change plan but not create's cluster and Harness code, and a destroy
 * loads delete only for connectors that own something outside the state.
 */
const lifecycle = {
    check: () => require("../lifecycle/check") as typeof import("../lifecycle/check"),
    warnings: () => require("../lifecycle/warnings") as typeof import("../lifecycle/warnings"),
    changePlan: () => require("../lifecycle/changePlan") as typeof import("../lifecycle/changePlan"),
    create: () => require("../lifecycle/create") as typeof import("../lifecycle/create"),
    update: () => require("../lifecycle/update") as typeof import("../lifecycle/update"),
    read: () => require("../lifecycle/read") as typeof import("../lifecycle/read"),
    delete: () => require("../lifecycle/delete") as typeof import("../lifecycle/delete"),
};

/** Validates inputs with the schema; fills the identifier and defaults. */
export async function check(olds: Props, news: Props): Promise<dynamic.CheckResult> {
    const outcome = lifecycle.check().checkConnector(olds, userInputs(news));
    if ("failures" in outcome) return { failures: outcome.failures };
    warn(lifecycle.warnings().inputWarnings(outcome.inputs, outcome.valid));
    return { inputs: { ...engineKeys(news), ...outcome.inputs } };
}

/** Replacement for identifier or scope changes (old one deleted first when it would collide in Harness), an update otherwise. */
export async function diff(_id: string, olds: Props, news: Props): Promise<dynamic.DiffResult> {
    const plan = lifecycle.changePlan().planUpdate(storedRecord(olds), userInputs(news));
    return { changes: plan.changes, replaces: plan.replaces, deleteBeforeReplace: plan.deleteBeforeReplace };
}

/** Provisions the delegate when declared and runs the connection test; records the connector only when it passes. */
export async function create(props: Props): Promise<dynamic.CreateResult> {
    const { id, outputs, warnings } = await lifecycle.create().createConnector(userInputs(props), props.__owner);
    warn(warnings);
    return { id, outs: outputs };
}

/** Re-provisions and re-tests what changed; a description change touches no cluster. */
export async function update(_id: string, olds: Props, news: Props): Promise<dynamic.UpdateResult> {
    const { outputs, warnings } = await lifecycle
        .update()
        .updateConnector(storedRecord(olds), userInputs(news), news.__owner);
    warn(warnings);
    return { outs: outputs };
}

/** Refresh: runs the test again and looks for drift; a cluster that is down is recorded, not thrown. */
export async function read(id: string, props: Props): Promise<dynamic.ReadResult> {
    const refreshed = await lifecycle.read().readConnector(storedRecord(props));
    if (!refreshed) return { id, props };
    warn(lifecycle.warnings().recordWarnings(refreshed.outputs));
    return {
        id,
        props: { ...engineKeys(props), ...refreshed.outputs },
        inputs: { ...engineKeys(props), ...refreshed.inputs },
    };
}

/** Removes the registration in Harness and the delegate's objects; a cluster that cannot be reached is a warning. */
export async function remove(_id: string, props: Props): Promise<void> {
    const record = storedRecord(props);
    if (!ownsOutsideState(record)) return;
    const { warnings } = await lifecycle.delete().deleteConnector(record);
    warn(warnings);
}
