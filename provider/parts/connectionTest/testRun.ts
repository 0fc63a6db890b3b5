// Running the connection test as the lifecycle does: with the connector's own credential (or the
// delegate's token when useAsCredential), recording a failure in the report instead of throwing,
// and with the credential's secrets redacted from it.

import { type CredentialClient, connect } from "../../credentials";
import { credentialLifetime, expiredError, hasExpired } from "../../credentials/expiry";
import { recordFailure, toConnectorError } from "../../errors";
import type { ConnectionTestSettings, ConnectorInputs, Credential, ValidConnectorInputs } from "../../inputs/types";
import { parseConnectorInputs } from "../../inputs/validate";
import { connectorSecrets, redactError, redactReport } from "../../secrets";
import type { TestRun } from "../../state";
import type { ConnectionTestReport } from "./report";
import { runConnectionTest } from "./runConnectionTest";

/** A client for `credential` with the connection test's deadline on every request. */
export function connectWith(
    credential: Credential,
    settings: Pick<ConnectionTestSettings, "timeoutSeconds">,
): Promise<CredentialClient> {
    return connect(credential, settings.timeoutSeconds * 1000);
}

/** The report of a test that could not start: the credential did not give a client. */
function notConnectedReport(started: number, e: unknown, secrets: readonly string[]): ConnectionTestReport {
    const err = redactError(toConnectorError(e, { code: "CREDENTIAL_LOAD_FAILED" }), secrets);
    return {
        status: "FAILURE",
        testedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
        checks: [],
        missingPermissions: [],
        error: recordFailure(err),
    };
}

/** Runs the test over a ready client (which the caller closes), recording the credential's lifetime. Never throws. */
export async function testWithClient(
    client: CredentialClient,
    credential: Credential,
    settings: ConnectionTestSettings,
    identifier: string,
    secrets: readonly string[],
): Promise<TestRun> {
    const report = await runConnectionTest(client, settings);
    const lifetime = credentialLifetime(credential);
    return {
        report: redactReport(lifetime ? { ...report, credentialExpiry: lifetime } : report, secrets),
        masterUrl: client.server,
        kubeconfig: client.exportKubeconfig(identifier),
    };
}

/**
 * Connects with `credential` and runs the connection test; an expired credential fails before any
 * request. `open` gives the client (a run's shared one, which the run closes); by default a client
 * of its own, closed here. Never throws.
 */
export async function testConnector(
    credential: Credential,
    settings: ConnectionTestSettings,
    identifier: string,
    secrets: readonly string[],
    open?: (credential: Credential) => Promise<CredentialClient>,
): Promise<TestRun> {
    const started = Date.now();
    const lifetime = credentialLifetime(credential);
    if (lifetime && hasExpired(lifetime))
        return {
            report: { ...notConnectedReport(started, expiredError(lifetime), secrets), credentialExpiry: lifetime },
        };
    let client: CredentialClient;
    try {
        client = await (open ?? ((c) => connectWith(c, settings)))(credential);
    } catch (e) {
        return { report: notConnectedReport(started, e, secrets) };
    }
    try {
        return await testWithClient(client, credential, settings, identifier, secrets);
    } finally {
        if (!open) await client.close();
    }
}

/**
 * The connection test of a connector's inputs outside Pulumi (`testConnection`, the CLI): validated
 * (bad inputs throw `INVALID_INPUT`), then run with its credential. Resolves to the report, also a
 * FAILURE one (its `error` says why), with the credential's secrets redacted, and the API server's
 * URL when the credential gave a client.
 */
export async function testInputs(
    inputs: ConnectorInputs,
): Promise<{ report: ConnectionTestReport; masterUrl?: string }> {
    const valid = parseConnectorInputs(inputs);
    const { report, masterUrl } = await testConnector(
        valid.credential,
        valid.connectionTest,
        valid.identifier ?? "connector",
        connectorSecrets(valid),
    );
    return { report, masterUrl };
}

/** The credential the connection test uses: the delegate's token (as a kubeconfig) when useAsCredential. */
export function testCredential(inputs: ValidConnectorInputs, delegateKubeconfig: string | undefined): Credential {
    if (inputs.delegate?.useAsCredential && delegateKubeconfig)
        return { type: "Kubeconfig", kubeconfig: delegateKubeconfig };
    return inputs.credential;
}
