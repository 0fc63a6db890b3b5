// Warnings the lifecycle gives without failing: a credential near the end of its life (or past
// it), at check (so preview and up show it) and after refresh.
import { expiryWarning } from "../credentials/expiry";
import type { ConnectionTestSettings, ValidConnectorInputs } from "../inputs/types";
import { type ConnectorOutputs, recordedInput } from "../outputs";
import { credentialWarning } from "./testRun";

/**
 * Warnings about the checked inputs: the credential's and the provisioner's lifetimes, and a
 * connector Harness would reach without verifying TLS.
 */
export function inputWarnings(inputs: Record<string, unknown>, valid?: ValidConnectorInputs): string[] {
    const settings = inputs.connectionTest;
    const provisioner = (inputs.delegate as { provisioner?: unknown } | undefined)?.provisioner;
    return [
        credentialWarning(inputs.credential, settings),
        credentialWarning(provisioner, settings)?.replace("the connector's", "the delegate provisioner's"),
        ...(valid?.harness ? harnessWarnings(valid) : []),
    ].filter((w): w is string => !!w);
}

/** Harness's warnings, for complete inputs registered in Harness (the mapping is loaded only for them). */
function harnessWarnings(valid: ValidConnectorInputs): string[] {
    const { harnessInputWarnings } = require("../harness/mapping") as typeof import("../harness/mapping");
    return harnessInputWarnings(valid);
}

/**
 * Warnings about a refreshed record: the credential's lifetime, as the test found it; Harness
 * saying it cannot reach the cluster.
 */
export function recordWarnings(record: ConnectorOutputs): string[] {
    const w = expiryWarning(
        record.connectionTest?.credentialExpiry,
        (recordedInput(record, "connectionTest") as ConnectionTestSettings | undefined) ?? {},
    );
    const status = record.harness?.status;
    const harness =
        status?.status === "FAILURE"
            ? `Harness says it cannot reach the cluster of connector ${record.harness!.connectorRef}: ${status.errorSummary ?? "no summary"}${status.lastTestedAt ? ` (tested ${new Date(status.lastTestedAt).toISOString()})` : ""}. Check the delegate with its selectors and the credential, then run Harness's test again`
            : undefined;
    return [w, harness].filter((x): x is string => !!x);
}
