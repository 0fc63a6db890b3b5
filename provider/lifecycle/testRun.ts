// Running the connection test as the lifecycle does: with the connector's own credential (or the
// delegate's token when useAsCredential), recording a failure in the report instead of throwing,
// and with the credential's secrets redacted from it.
import { runConnectionTest } from "../connectionTest/runConnectionTest";
import type { ConnectionTestReport } from "../connectionTest/report";
import type { CredentialClient } from "../credentials";
import { recordFailure, toConnectorError } from "../errors";
import type { ConnectionTestSettings, Credential, ValidConnectorInputs } from "../inputs/types";
import type { DelegateOutputs, TestRun } from "../outputs";
import { redactError, redactReport } from "../secrets";

/** The credentials module (and undici), loaded on first use: check and diff, all a no-op preview runs, never need it. */
function credentials(): typeof import("../credentials") {
    return require("../credentials");
}

/** A client for `credential` with the connection test's deadline on every request. */
export function connectWith(credential: Credential, settings: Pick<ConnectionTestSettings, "timeoutSeconds">): Promise<CredentialClient> {
    return credentials().connect(credential, settings.timeoutSeconds * 1000);
}

/** The report of a test that could not start: the credential did not give a client. */
function notConnectedReport(started: number, e: unknown, secrets: readonly string[]): ConnectionTestReport {
    const err = redactError(toConnectorError(e, { code: "CREDENTIAL_LOAD_FAILED", remediation: "Check the credential" }), secrets);
    return { status: "FAILURE", testedAt: new Date(started).toISOString(), durationMs: Date.now() - started, checks: [], missingPermissions: [], error: recordFailure(err) };
}

/** Runs the test over a ready client (which the caller closes). Never throws. */
export async function testWithClient(client: CredentialClient, settings: ConnectionTestSettings, identifier: string, secrets: readonly string[]): Promise<TestRun> {
    const report = await runConnectionTest(client, settings);
    return { report: redactReport(report, secrets), masterUrl: client.server, kubeconfig: client.exportKubeconfig(identifier) };
}

/** Connects with `credential` and runs the connection test. Never throws. */
export async function testConnector(credential: Credential, settings: ConnectionTestSettings, identifier: string, secrets: readonly string[]): Promise<TestRun> {
    const started = Date.now();
    let client: CredentialClient;
    try {
        client = await connectWith(credential, settings);
    } catch (e) {
        return { report: notConnectedReport(started, e, secrets) };
    }
    try {
        return await testWithClient(client, settings, identifier, secrets);
    } finally {
        await client.close();
    }
}

/** The credential the connection test uses: the delegate's token when useAsCredential. */
export function testCredential(inputs: ValidConnectorInputs, d: DelegateOutputs): Credential {
    if (inputs.delegate?.useAsCredential && d.delegateKubeconfig) return { type: "Kubeconfig", kubeconfig: d.delegateKubeconfig };
    return inputs.credential;
}
