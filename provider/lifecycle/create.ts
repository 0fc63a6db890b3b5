// create, as one run of steps over the parts, in order (parts/index.ts): the delegate's identity,
// the installed delegate, the connection test, the registration in Harness. The connector is
// recorded only when every part succeeds; a failure undoes what this run made, in reverse.

import { assertNotExpired } from "../credentials/expiry";
import { connectorId } from "../inputs/identifier";
import type { ValidConnectorInputs } from "../inputs/types";
import { parseConnectorInputs, resolveIdentifier } from "../inputs/validate";
import { PARTS } from "../parts";
import { RunContext } from "../runContext";
import { connectorSecrets, redact, redactError } from "../secrets";
import { type ConnectorOutputs, delegateOwner, recordFromRun } from "../state";
import { inSteps } from "../steps";
import { applyPart } from "./walk";

/** Creates the connector from its checked inputs; `owner` is `<project>/<stack>`. Throws a redacted ConnectorError. */
export async function createConnector(
    raw: Record<string, unknown>,
    owner: string | undefined,
): Promise<{ id: string; outputs: ConnectorOutputs; warnings: string[] }> {
    let inputs: ValidConnectorInputs | undefined;
    let run: RunContext | undefined;
    try {
        inputs = parseConnectorInputs(raw);
        const identifier = inputs.identifier ?? resolveIdentifier(inputs);
        const made = new RunContext(inputs, identifier, delegateOwner(owner, identifier));
        run = made;
        await inSteps(async () => {
            assertNotExpired(made.inputs.credential);
            for (const part of PARTS) if (part.declared(made.inputs)) await applyPart(made, part);
        }, made);
        return {
            id: connectorId(inputs, identifier),
            outputs: recordFromRun(made.inputs, made.identifier, owner, made.observed),
            warnings: made.warnings.map((w) => redact(w, made.secrets())),
        };
    } catch (e) {
        throw redactError(e, run?.secrets() ?? connectorSecrets(inputs));
    }
}
