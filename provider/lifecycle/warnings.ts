// Warnings the lifecycle gives without failing: a credential near the end of its life (or past
// it), at check (so preview and up show it) and after refresh.
import { expiryWarning } from "../credentials/expiry";
import type { ConnectorOutputs } from "../outputs";
import { credentialWarning } from "./testRun";

/** Warnings about the checked inputs: the credential's and the provisioner's lifetimes. */
export function inputWarnings(inputs: Record<string, unknown>): string[] {
    const settings = inputs.connectionTest;
    const provisioner = (inputs.delegate as { provisioner?: unknown } | undefined)?.provisioner;
    return [
        credentialWarning(inputs.credential, settings),
        credentialWarning(provisioner, settings)?.replace("the connector's", "the delegate provisioner's"),
    ].filter((w): w is string => !!w);
}

/** Warnings about a refreshed record: the credential's lifetime, as the test found it. */
export function recordWarnings(record: ConnectorOutputs): string[] {
    const w = expiryWarning(record.connectionTest?.credentialExpiry, record.connectionTestSettings ?? {});
    return w ? [w] : [];
}
