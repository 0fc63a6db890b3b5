// update: carries out the plan (changePlan.planUpdate) over the parts. A change that only
// describes the connector touches no cluster; one of how it connects re-tests; the delegate's
// parts are applied again when their settings or the credential changed, they drifted, or a token
// is near its end, and removed when no longer declared. The registration follows: the connector is
// updated whole, changed secret values in place, drift repaired.

import { assertNotExpired } from "../credentials/expiry";
import type { ValidConnectorInputs } from "../inputs/types";
import { parseConnectorInputs } from "../inputs/validate";
import { CLUSTER_PARTS, connectionTestPart, registrationPart } from "../parts";
import { RunContext } from "../runContext";
import { connectorSecrets, recordedSecrets, redact, redactError } from "../secrets";
import { type ConnectorOutputs, delegateOwner, recordedInputs, recordFromRun } from "../state";
import { inSteps } from "../steps";
import { planUpdate } from "./changePlan";
import { applyPart, observedOf, removePart } from "./walk";

/** Updates the record `olds` to the checked inputs `raw`. Throws a redacted ConnectorError. */
export async function updateConnector(
    olds: ConnectorOutputs,
    raw: Record<string, unknown>,
    owner: string | undefined,
): Promise<{ outputs: ConnectorOutputs; warnings: string[] }> {
    let inputs: ValidConnectorInputs | undefined;
    let run: RunContext | undefined;
    try {
        inputs = parseConnectorInputs(raw);
        const identifier = inputs.identifier ?? olds.identifier;
        const plan = planUpdate(olds, raw);
        const previous = { inputs: recordedInputs(olds), observed: observedOf(olds) };
        const made = new RunContext(inputs, identifier, delegateOwner(owner, identifier), previous);
        run = made;
        // What is no longer declared is removed as the record's inputs say, by the owner it was made under.
        const before = new RunContext(
            previous.inputs,
            identifier,
            delegateOwner(olds.__owner ?? owner, identifier),
            previous,
        );
        made.closeAtEnd(() => before.close());
        await inSteps(async () => {
            if (plan.retest || plan.provisionDelegate) {
                assertNotExpired(made.inputs.credential);
                const tokenBefore = previous.observed.identity?.token;
                // Not undone: what the inputs no longer declare goes, newest part first.
                for (const part of [...CLUSTER_PARTS].reverse())
                    if (!part.declared(made.inputs)) await removePart(made, part, before);
                for (const part of CLUSTER_PARTS) if (part.declared(made.inputs)) await applyPart(made, part);
                const tokenChanged = made.observed.identity?.token !== tokenBefore;
                if (plan.retest || (made.inputs.delegate?.useAsCredential && tokenChanged))
                    await applyPart(made, connectionTestPart);
            }
            if (plan.harness === "deregister") await removePart(made, registrationPart, before);
            else if (plan.harness === "register") await applyPart(made, registrationPart);
            // What the removals as the record's inputs had to say (a token revoked but not purged…).
            made.warn(...before.warnings.splice(0));
        }, made);
        return {
            outputs: recordFromRun(made.inputs, made.identifier, owner, made.observed, olds),
            warnings: made.warnings.map((w) => redact(w, made.secrets())),
        };
    } catch (e) {
        throw redactError(e, [...(run?.secrets() ?? connectorSecrets(inputs)), ...recordedSecrets(olds)]);
    }
}
