// The cluster side of create and update: provision the delegate (when declared), remove one no
// longer declared, then run the connection test; when the test fails, undo what this run made.
import { assertConnectionSucceeded } from "../connectionTest/runConnectionTest";
import type { CredentialClient } from "../credentials";
import { type PreviousDelegate, type Provisioned, provisionDelegate, removeDelegate } from "../delegate";
import { ConnectorError, recordFailure } from "../errors";
import type { ValidConnectorInputs } from "../inputs/types";
import {
    type ConnectorOutputs,
    type DelegateOutputs,
    delegateOwner,
    recordedAccess,
    recordedDelegate,
    recordedTestRun,
    type TestRun,
} from "../outputs";
import { connectorSecrets } from "../secrets";
import { assertNotExpired, connectWith, testConnector, testCredential, testWithClient } from "./testRun";

/** What the cluster side leaves: the test run and the delegate's outputs. */
export interface ClusterSide {
    run: TestRun;
    delegate: DelegateOutputs;
}

/** What this run is asked to do; create does everything. */
export interface ClusterWork {
    /** Run the connection test even if no delegate token changed. */
    retest: boolean;
}

/**
 * Provisions the delegate (when declared) and runs the connection test; when the test fails,
 * undoes what this run made and throws. `previous` is the record an update starts from.
 */
export async function applyClusterSide(
    inputs: ValidConnectorInputs,
    identifier: string,
    owner: string | undefined,
    previous?: ConnectorOutputs,
    work: ClusterWork = { retest: true },
    next?: (side: ClusterSide) => Promise<void>,
): Promise<ClusterSide> {
    assertNotExpired(inputs.credential);
    if (inputs.delegate?.provisioner) assertNotExpired(inputs.delegate.provisioner);
    const previousDelegate = previous ? recordedDelegate(previous) : {};
    const ownerName = delegateOwner(owner, identifier);
    let provisioner: CredentialClient | undefined;
    let provisioned: Provisioned | undefined;
    let delegate: DelegateOutputs = inputs.delegate ? previousDelegate : {};
    try {
        if (inputs.delegate) {
            provisioner = await connectWith(inputs.delegate.provisioner ?? inputs.credential, inputs.connectionTest);
            const before: PreviousDelegate = {
                state: previousDelegate.delegate,
                token: previousDelegate.delegateToken,
            };
            provisioned = await provisionDelegate(provisioner, inputs.delegate, ownerName, before);
            delegate = {
                delegate: provisioned.state,
                delegateToken: provisioned.token,
                delegateKubeconfig: provisioned.token
                    ? provisioner.exportKubeconfig(`${identifier}-delegate`, provisioned.token)
                    : undefined,
            };
        }
        if (previous?.delegate && previous.delegateSettings && !inputs.delegate) {
            await removeRecordedDelegate(previous, ownerName);
        }
        const tokenChanged = delegate.delegateToken !== previousDelegate.delegateToken;
        if (!work.retest && !(inputs.delegate?.useAsCredential && tokenChanged)) {
            const side = { run: recordedTestRun(previous!), delegate };
            await nextOrUndo(next, side, provisioned);
            return side;
        }

        const secrets = connectorSecrets(inputs, [delegate.delegateToken, delegate.delegateKubeconfig]);
        // The provisioner's client is the connector's own when no other identity is involved: its
        // connection (and TLS handshake) serves the test too.
        const sameIdentity = provisioner && !inputs.delegate?.provisioner && !inputs.delegate?.useAsCredential;
        const run = sameIdentity
            ? await testWithClient(provisioner!, inputs.credential, inputs.connectionTest, identifier, secrets)
            : await testConnector(testCredential(inputs, delegate), inputs.connectionTest, identifier, secrets);
        if (run.report.status === "FAILURE" && provisioned) await undoAfterFailedTest(run, provisioned);
        assertConnectionSucceeded(run.report);
        await nextOrUndo(next, { run, delegate }, provisioned);
        return { run, delegate };
    } finally {
        await provisioner?.close();
    }
}

/** Runs the step after the cluster side (Harness); when it fails, undoes this run's delegate objects and rethrows. */
async function nextOrUndo(
    next: ((side: ClusterSide) => Promise<void>) | undefined,
    side: ClusterSide,
    provisioned: Provisioned | undefined,
): Promise<void> {
    if (!next) return;
    try {
        await next(side);
    } catch (e) {
        const left = provisioned ? await provisioned.undo() : [];
        if (!left.length) throw e;
        const failed = e as ConnectorError;
        throw new ConnectorError(
            failed.code ?? "UNEXPECTED",
            `${failed.what ?? failed.message}; undoing the delegate's objects left: ${left.join(", ")} (the next pulumi up takes them over)`,
            failed.remediation ?? "",
        );
    }
}

/** Undoes this run's delegate objects after a failed test, saying in the report what could not be undone. */
async function undoAfterFailedTest(run: TestRun, provisioned: Provisioned): Promise<void> {
    const left = await provisioned.undo();
    if (!left.length || !run.report.error) return;
    const failed = ConnectorError.recorded(run.report.error);
    const what = `${failed.what}; undoing the delegate's objects left: ${left.join(", ")} (the next pulumi up takes them over)`;
    run.report.error = recordFailure(new ConnectorError(failed.code, what, failed.remediation));
}

/** Removes the objects of a delegate the record has and the inputs no longer declare, as the identity that made them. */
export async function removeRecordedDelegate(record: ConnectorOutputs, ownerName: string): Promise<void> {
    const access = recordedAccess(record);
    const client = await connectWith(record.delegateSettings?.provisioner ?? access.credential, access.connectionTest);
    try {
        await removeDelegate(client, record.delegate!, ownerName);
    } finally {
        await client.close();
    }
}
