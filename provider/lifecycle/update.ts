// update: carries out the plan (changePlan.planUpdate). A change that only describes the connector
// touches no cluster; one of how it connects re-tests; the delegate is re-provisioned when its
// settings or the credential changed, or it drifted, or its bound token is near its end. The Harness
// side follows: the connector is updated whole, changed secret values in place, drift repaired.
import type { HarnessState } from "../harness/state";
import type { ValidConnectorInputs } from "../inputs/types";
import { parseConnectorInputs } from "../inputs/validate";
import { buildOutputs, type ConnectorOutputs, recordedDelegate, recordedTestRun } from "../outputs";
import { connectorSecrets, recordedSecrets, redact, redactError } from "../secrets";
import { planUpdate } from "./changePlan";
import { applyClusterSide, type ClusterSide } from "./clusterSide";
import { applyHarnessSide, removeHarnessSide } from "./harnessSide";

/** Updates the record `olds` to the checked inputs `raw`. Throws a redacted ConnectorError. */
export async function updateConnector(
    olds: ConnectorOutputs,
    raw: Record<string, unknown>,
    owner: string | undefined,
): Promise<{ outputs: ConnectorOutputs; warnings: string[] }> {
    let inputs: ValidConnectorInputs | undefined;
    try {
        inputs = parseConnectorInputs(raw);
        const valid = inputs;
        const identifier = valid.identifier ?? olds.identifier;
        const plan = planUpdate(olds, raw);
        let harness: HarnessState | undefined = olds.harness;
        let warnings: string[] = [];
        const harnessStep = async (side: ClusterSide) => {
            if (plan.harness === "deregister") {
                await removeHarnessSide(olds);
                harness = undefined;
            } else if (plan.harness === "register") {
                ({ state: harness, warnings } = await applyHarnessSide(
                    valid,
                    identifier,
                    side.run,
                    side.delegate,
                    olds,
                ));
            }
        };
        let side: ClusterSide;
        if (!plan.retest && !plan.provisionDelegate) {
            side = { run: recordedTestRun(olds), delegate: recordedDelegate(olds) };
            await harnessStep(side);
        } else {
            side = await applyClusterSide(valid, identifier, owner, olds, { retest: plan.retest }, harnessStep);
        }
        return {
            outputs: buildOutputs(valid, identifier, owner, side.run, side.delegate, olds, harness),
            warnings: warnings.map((w) => redact(w, connectorSecrets(valid, [side.delegate.delegateToken]))),
        };
    } catch (e) {
        throw redactError(e, [...connectorSecrets(inputs), ...recordedSecrets(olds)]);
    }
}
