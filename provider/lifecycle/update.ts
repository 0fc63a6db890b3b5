// update: carries out the plan (changePlan.planUpdate). A change that only describes the connector
// touches no cluster; one of how it connects re-tests; the delegate is re-provisioned when its
// settings or the credential changed, or it drifted, or its bound token is near its end.
import type { ValidConnectorInputs } from "../inputs/types";
import { parseConnectorInputs } from "../inputs/validate";
import { buildOutputs, type ConnectorOutputs, recordedDelegate, recordedTestRun } from "../outputs";
import { connectorSecrets, recordedSecrets, redactError } from "../secrets";
import { planUpdate } from "./changePlan";
import { applyClusterSide } from "./clusterSide";

/** Updates the record `olds` to the checked inputs `raw`. Throws a redacted ConnectorError. */
export async function updateConnector(
    olds: ConnectorOutputs,
    raw: Record<string, unknown>,
    owner: string | undefined,
): Promise<ConnectorOutputs> {
    let inputs: ValidConnectorInputs | undefined;
    try {
        inputs = parseConnectorInputs(raw);
        const identifier = inputs.identifier ?? olds.identifier;
        const plan = planUpdate(olds, raw);
        if (!plan.retest && !plan.provisionDelegate) {
            return buildOutputs(inputs, identifier, owner, recordedTestRun(olds), recordedDelegate(olds), olds);
        }
        const side = await applyClusterSide(inputs, identifier, owner, olds, { retest: plan.retest });
        return buildOutputs(inputs, identifier, owner, side.run, side.delegate, olds);
    } catch (e) {
        throw redactError(e, [...connectorSecrets(inputs), ...recordedSecrets(olds)]);
    }
}
