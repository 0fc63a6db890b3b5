// update: carries out the plan (changePlan.planUpdate). A change that only describes the connector
// touches no cluster; one of how it connects re-tests; the delegate is re-provisioned when its
// settings or the credential changed, or it drifted, or its bound token is near its end. The Harness
// side follows: the connector is updated whole, changed secret values in place, drift repaired.
import type { HarnessState } from "../harness/state";
import type { ValidConnectorInputs } from "../inputs/types";
import { parseConnectorInputs } from "../inputs/validate";
import { connectorSecrets, recordedSecrets, redact, redactError } from "../secrets";
import { buildOutputs, type ConnectorOutputs, recordedDelegate, recordedTestRun } from "../state";
import { inSteps } from "../steps";
import { planUpdate } from "./changePlan";
import { applyClusterSide, retireReplacedToken } from "./clusterSide";
import { removeHarnessSide } from "./delete";
import { applyHarnessSide } from "./harnessSide";

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
        return await inSteps(async (steps) => {
            const side =
                !plan.retest && !plan.provisionDelegate
                    ? { run: recordedTestRun(olds), delegate: recordedDelegate(olds), retire: async () => [] }
                    : await applyClusterSide(valid, identifier, owner, steps, olds, { retest: plan.retest });
            let harness: HarnessState | undefined = olds.harness;
            let warnings: string[] = [];
            if (plan.harness === "deregister") {
                await removeHarnessSide(olds);
                harness = undefined;
            } else if (plan.harness === "register") {
                ({ state: harness, warnings } = await applyHarnessSide(
                    valid,
                    identifier,
                    side.run,
                    side.delegate,
                    steps,
                    olds,
                ));
            }
            const retired = await retireReplacedToken(side);
            return {
                outputs: buildOutputs(valid, identifier, owner, side.run, side.delegate, olds, harness),
                warnings: [...warnings, ...retired].map((w) =>
                    redact(
                        w,
                        connectorSecrets(valid, [side.delegate.delegateToken, side.delegate.delegateInstallToken]),
                    ),
                ),
            };
        });
    } catch (e) {
        throw redactError(e, [...connectorSecrets(inputs), ...recordedSecrets(olds)]);
    }
}
