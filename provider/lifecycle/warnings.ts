// Warnings the lifecycle gives without failing: a credential near the end of its life (or past
// it), at check (so preview and up show it) and after refresh.
import { credentialLifetime, expiryWarning } from "../credentials/expiry";
import { harnessInputWarnings } from "../inputs/harnessRules";
import type { ConnectionTestSettings, Credential, ValidConnectorInputs } from "../inputs/types";
import { recordedInput, recordedTestRun } from "../state/decode";
import type { ConnectorOutputs } from "../state/record";

/** The warning for a credential near (or past) its end, with the connector's settings; undefined when none is due. */
export function credentialWarning(credential: unknown, settings: unknown): string | undefined {
    if (!credential || typeof credential !== "object" || typeof (credential as Credential).type !== "string")
        return undefined;
    return expiryWarning(
        credentialLifetime(credential as Credential),
        (settings && typeof settings === "object" ? settings : {}) as ConnectionTestSettings,
    );
}

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
        ...(valid?.harness ? harnessInputWarnings(valid) : []),
    ].filter((w): w is string => !!w);
}

/**
 * Warnings about a refreshed record: the credential's lifetime, as the test found it; Harness
 * saying it cannot reach the cluster.
 */
export function recordWarnings(record: ConnectorOutputs): string[] {
    const w = expiryWarning(
        record.connectionTest && recordedTestRun(record).report.credentialExpiry,
        (recordedInput(record, "connectionTest") as ConnectionTestSettings | undefined) ?? {},
    );
    const status = record.harness?.status;
    const harness =
        status?.status === "FAILURE"
            ? `Harness says it cannot reach the cluster of connector ${record.harness!.connectorRef}: ${status.errorSummary ?? "no summary"}${status.lastTestedAt ? ` (tested ${new Date(status.lastTestedAt).toISOString()})` : ""}. Check the delegate with its selectors and the credential, then run Harness's test again`
            : undefined;
    return [w, harness].filter((x): x is string => !!x);
}
