// read (refresh): each recorded part inspected again, in order: drift in the delegate's objects,
// whether Harness shows the installed delegate connected, the connection test run again, drift in
// Harness. A cluster or a Harness that is down is recorded, not thrown.
import type { ValidConnectorInputs } from "../inputs/types";
import { validateConnectorInputs } from "../inputs/validate";
import { PARTS } from "../parts";
import { RunContext } from "../runContext";
import { type ConnectorOutputs, delegateOwner, recordedInputs, recordFromRun, storedInputs } from "../state";
import { inSteps } from "../steps";
import { inspectPart, observedOf } from "./walk";

/** The refreshed record and the inputs it holds; undefined when the record cannot be read back (left as it is). */
export async function readConnector(
    record: ConnectorOutputs,
): Promise<{ outputs: ConnectorOutputs; inputs: Record<string, unknown> } | undefined> {
    const recorded = recordedInputs(record);
    const parsed = validateConnectorInputs(recorded, () => false, false);
    if (!parsed.ok) return undefined;
    const inputs = parsed.value as ValidConnectorInputs;
    const observed = observedOf(record);
    const run = new RunContext(inputs, record.identifier, delegateOwner(record.__owner, record.identifier), {
        inputs,
        observed,
    });
    await inSteps(async () => {
        for (const part of PARTS) if (part.declared(inputs)) await inspectPart(run, part);
    }, run);
    return {
        outputs: recordFromRun(inputs, record.identifier, record.__owner, run.observed, record),
        inputs: storedInputs(recorded),
    };
}
