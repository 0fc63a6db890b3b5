// create: the cluster side (delegate, connection test); the connector is recorded only when the test passes.
import { connectorId } from "../inputs/identifier";
import type { ValidConnectorInputs } from "../inputs/types";
import { parseConnectorInputs, resolveIdentifier } from "../inputs/validate";
import { buildOutputs, type ConnectorOutputs } from "../outputs";
import { connectorSecrets, redactError } from "../secrets";
import { applyClusterSide } from "./clusterSide";

/** Creates the connector from its checked inputs; `owner` is `<project>/<stack>`. Throws a redacted ConnectorError. */
export async function createConnector(
    raw: Record<string, unknown>,
    owner: string | undefined,
): Promise<{ id: string; outputs: ConnectorOutputs }> {
    let inputs: ValidConnectorInputs | undefined;
    try {
        inputs = parseConnectorInputs(raw);
        const identifier = inputs.identifier ?? resolveIdentifier(inputs);
        const side = await applyClusterSide(inputs, identifier, owner);
        return {
            id: connectorId(inputs, identifier),
            outputs: buildOutputs(inputs, identifier, owner, side.run, side.delegate),
        };
    } catch (e) {
        throw redactError(e, connectorSecrets(inputs));
    }
}
