// delete: the parts removed newest first, as the record's inputs say: the registration in Harness
// (a connector pipelines still reference stops the delete before the cluster side goes), the
// installed delegate (its objects, then its token), the delegate's identity (only this
// connector's objects). A cluster that cannot be reached is gone with its objects: a warning.
import { isClusterGone } from "../errors";
import { CLUSTER_PARTS, registrationPart } from "../parts";
import { RunContext } from "../runContext";
import { recordedSecrets, redact, redactError } from "../secrets";
import { delegateOwner, recordedInputs } from "../state/decode";
import type { ConnectorOutputs } from "../state/record";
import { inSteps } from "../steps";
import { deleteWork } from "./deleteWork";
import { observedOf, removePart } from "./walk";

/** Deletes the connector; resolves to warnings to show (redacted), or throws a redacted ConnectorError. */
export async function deleteConnector(record: ConnectorOutputs): Promise<{ warnings: string[] }> {
    const work = deleteWork(record);
    const observed = observedOf(record);
    const inputs = recordedInputs(record);
    const run = new RunContext(inputs, record.identifier, delegateOwner(record.__owner, record.identifier), {
        inputs,
        observed,
    });
    try {
        await inSteps(async () => {
            if (work.harness) await removePart(run, registrationPart);
            if (!work.delegate) return;
            try {
                for (const part of [...CLUSTER_PARTS].reverse()) if (part.declared(inputs)) await removePart(run, part);
            } catch (e) {
                const err = redactError(e, recordedSecrets(record));
                // The cluster (and so the delegate's objects) cannot be reached: delete goes on with a warning.
                if (!isClusterGone(err.code)) throw err;
                run.warn(`the delegate's objects were not removed: ${err.message}`);
            }
        }, run);
        return { warnings: run.warnings.map((w) => redact(w, recordedSecrets(record))) };
    } catch (e) {
        throw redactError(e, recordedSecrets(record));
    }
}
