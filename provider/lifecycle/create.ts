// create, as one run of steps: the cluster side (delegate, connection test), then the Harness side
// (secrets, connector, Harness's test) when `harness` is set; the connector is recorded only when
// both succeed, and a failure undoes what this run made on both sides, in reverse.
import { connectorId } from "../inputs/identifier";
import type { ValidConnectorInputs } from "../inputs/types";
import { parseConnectorInputs, resolveIdentifier } from "../inputs/validate";
import { connectorSecrets, redact, redactError } from "../secrets";
import { buildOutputs, type ConnectorOutputs } from "../state";
import { inSteps } from "../steps";
import { applyClusterSide, retireReplacedToken } from "./clusterSide";
import { applyHarnessSide } from "./harnessSide";

/** Creates the connector from its checked inputs; `owner` is `<project>/<stack>`. Throws a redacted ConnectorError. */
export async function createConnector(
    raw: Record<string, unknown>,
    owner: string | undefined,
): Promise<{ id: string; outputs: ConnectorOutputs; warnings: string[] }> {
    let inputs: ValidConnectorInputs | undefined;
    try {
        inputs = parseConnectorInputs(raw);
        const valid = inputs;
        const identifier = valid.identifier ?? resolveIdentifier(valid);
        // test → delegate → Harness → record: a failing step undoes the ones before it, in reverse.
        return await inSteps(async (steps) => {
            const side = await applyClusterSide(valid, identifier, owner, steps);
            const registered = valid.harness
                ? await applyHarnessSide(valid, identifier, side.run, side.delegate, steps)
                : undefined;
            const retired = await retireReplacedToken(side);
            return {
                id: connectorId(valid, identifier),
                outputs: buildOutputs(valid, identifier, owner, side.run, side.delegate, undefined, registered?.state),
                warnings: [...(registered?.warnings ?? []), ...retired].map((w) =>
                    redact(
                        w,
                        connectorSecrets(valid, [side.delegate.delegateToken, side.delegate.delegateInstallToken]),
                    ),
                ),
            };
        });
    } catch (e) {
        throw redactError(e, connectorSecrets(inputs));
    }
}
