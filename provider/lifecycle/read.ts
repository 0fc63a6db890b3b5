// read (refresh): runs the test again and looks for drift in the delegate's objects. A cluster
// that is down is recorded in the report, not thrown.
import { inspectDelegate } from "../delegate";
import type { ValidConnectorInputs } from "../inputs/types";
import { validateConnectorInputs } from "../inputs/validate";
import { buildOutputs, type ConnectorOutputs, delegateOwner, recordedDelegate, recordedInputs } from "../outputs";
import { connectorSecrets, redact } from "../secrets";
import { readHarnessSide } from "./harnessSide";
import { connectWith, testConnector, testCredential } from "./testRun";

/** The refreshed record and the inputs it holds; undefined when the record cannot be read back (left as it is). */
export async function readConnector(
    record: ConnectorOutputs,
): Promise<{ outputs: ConnectorOutputs; inputs: Record<string, unknown> } | undefined> {
    const recorded = recordedInputs(record);
    const parsed = validateConnectorInputs(recorded, () => false, false);
    if (!parsed.ok) return undefined;
    const inputs = parsed.value as ValidConnectorInputs;
    const delegate = recordedDelegate(record);
    if (inputs.delegate && delegate.delegate) {
        delegate.delegate = {
            ...delegate.delegate,
            drift: await delegateDrift(inputs, delegateOwner(record.__owner, record.identifier)),
        };
    }
    const run = await testConnector(
        testCredential(inputs, delegate),
        inputs.connectionTest,
        record.identifier,
        connectorSecrets(inputs, [delegate.delegateToken]),
    );
    const harness = inputs.harness && record.harness ? await readHarnessSide(inputs, record) : undefined;
    return {
        outputs: buildOutputs(inputs, record.identifier, record.__owner, run, delegate, record, harness),
        inputs: recorded,
    };
}

/** What refresh finds changed in the delegate's objects; a cluster it cannot inspect is drift too. */
async function delegateDrift(inputs: ValidConnectorInputs, owner: string): Promise<string[]> {
    const settings = inputs.delegate!;
    try {
        const client = await connectWith(settings.provisioner ?? inputs.credential, inputs.connectionTest);
        try {
            return await inspectDelegate(client, settings, owner);
        } finally {
            await client.close();
        }
    } catch (e) {
        return [`could not inspect the delegate's objects: ${redact((e as Error).message, connectorSecrets(inputs))}`];
    }
}
