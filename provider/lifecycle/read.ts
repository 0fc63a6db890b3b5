// read (refresh): runs the test again and looks for drift in the delegate's objects. A cluster
// that is down is recorded in the report, not thrown.
import { inspectDelegate } from "../delegate";
import type { DelegateState } from "../delegate/state";
import type { ValidConnectorInputs } from "../inputs/types";
import { validateConnectorInputs } from "../inputs/validate";
import { connectorSecrets, redact } from "../secrets";
import {
    buildOutputs,
    type ConnectorOutputs,
    type DelegateOutputs,
    delegateOwner,
    recordedDelegate,
    recordedInputs,
    storedInputs,
} from "../state";
import { inspectInstalledDelegate } from "./delegateInstall";
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
        delegate.delegate = await refreshDelegate(
            inputs,
            record.identifier,
            delegateOwner(record.__owner, record.identifier),
            delegate,
        );
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
        inputs: storedInputs(recorded),
    };
}

/**
 * What refresh finds changed in the delegate's objects (and the installed delegate's, with whether
 * Harness shows it connected); a cluster it cannot inspect is drift too.
 */
async function refreshDelegate(
    inputs: ValidConnectorInputs,
    identifier: string,
    owner: string,
    recorded: DelegateOutputs,
): Promise<DelegateState> {
    const settings = inputs.delegate!;
    const state = recorded.delegate!;
    const secrets = connectorSecrets(inputs, [recorded.delegateToken, recorded.delegateInstallToken]);
    try {
        const client = await connectWith(settings.provisioner ?? inputs.credential, inputs.connectionTest);
        try {
            const drift = await inspectDelegate(client, settings, owner);
            const install =
                settings.install && state.install
                    ? await inspectInstalledDelegate(
                          inputs,
                          identifier,
                          owner,
                          client,
                          state.install,
                          recorded.delegateInstallToken,
                      )
                    : state.install;
            const redacted = install && { ...install, drift: install.drift.map((d) => redact(d, secrets)) };
            return { ...state, drift, ...(redacted ? { install: redacted } : {}) };
        } finally {
            await client.close();
        }
    } catch (e) {
        return {
            ...state,
            drift: [`could not inspect the delegate's objects: ${redact((e as Error).message, secrets)}`],
        };
    }
}
