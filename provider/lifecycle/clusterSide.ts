// The cluster side of create and update: provision the delegate (when declared), install the
// Harness delegate as it (when `delegate.install`; connected before anything else goes on), remove
// what is no longer declared, then run the connection test; what it made is undone by the run's
// Steps when the test, or Harness after it, fails.
import { assertConnectionSucceeded } from "../connectionTest/runConnectionTest";
import type { CredentialClient } from "../credentials";
import { type PreviousDelegate, provisionDelegate } from "../delegate";
import type { ValidConnectorInputs } from "../inputs/types";
import { connectorSecrets } from "../secrets";
import {
    type ConnectorOutputs,
    type DelegateOutputs,
    delegateOwner,
    recordedDelegate,
    recordedInputs,
    recordedTestRun,
    type TestRun,
} from "../state";
import type { Steps } from "../steps";
import { installDelegate, uninstallDelegate } from "./delegateInstall";
import { removeRecordedDelegate } from "./delete";
import { assertNotExpired, connectWith, testConnector, testCredential, testWithClient } from "./testRun";

/** What the cluster side leaves: the test run and the delegate's outputs. */
export interface ClusterSide {
    /** The run of this update, or the recorded one when it ran no test. */
    run: TestRun;
    delegate: DelegateOutputs;
    /** Runs once the whole run has succeeded: retires a delegate token a rotation replaced; resolves to warnings. */
    retire: () => Promise<string[]>;
    /** Warnings of the run so far (an uninstalled delegate's token revoked but not purged). */
    warnings?: string[];
}

/** What this run is asked to do; create does everything. */
export interface ClusterWork {
    /** Run the connection test even if no delegate token changed. */
    retest: boolean;
}

/**
 * The cluster side, as steps of the run `steps`: provision the delegate (when declared; its objects
 * are recorded in `steps`, undone if this or a later step fails), remove one the record has and the
 * inputs no longer declare, then run the connection test (throws when it fails). `previous` is the
 * record an update starts from.
 */
export async function applyClusterSide(
    inputs: ValidConnectorInputs,
    identifier: string,
    owner: string | undefined,
    steps: Steps,
    previous?: ConnectorOutputs,
    work: ClusterWork = { retest: true },
): Promise<ClusterSide> {
    assertNotExpired(inputs.credential);
    if (inputs.delegate?.provisioner) assertNotExpired(inputs.delegate.provisioner);
    const previousDelegate = previous ? recordedDelegate(previous) : {};
    const ownerName = delegateOwner(owner, identifier);
    let provisioner: CredentialClient | undefined;
    let delegate: DelegateOutputs = inputs.delegate ? previousDelegate : {};
    let retire = async (): Promise<string[]> => [];
    const warnings: string[] = [];
    if (inputs.delegate) {
        provisioner = await connectWith(inputs.delegate.provisioner ?? inputs.credential, inputs.connectionTest);
        // Kept open until the run ends: undoing the delegate's objects needs it.
        const client = provisioner;
        steps.closeAtEnd(() => client.close());
        const before: PreviousDelegate = {
            state: previousDelegate.delegate,
            token: previousDelegate.delegateToken,
        };
        const provisioned = await provisionDelegate(provisioner, inputs.delegate, ownerName, steps, before);
        delegate = {
            delegate: provisioned.state,
            delegateToken: provisioned.token,
            delegateKubeconfig: provisioned.token
                ? provisioner.exportKubeconfig(`${identifier}-delegate`, provisioned.token)
                : undefined,
        };
        const recordedInstall = previousDelegate.delegate?.install;
        if (inputs.delegate.install) {
            const installed = await installDelegate(inputs, identifier, ownerName, provisioner, steps, {
                state: recordedInstall,
                token: previousDelegate.delegateInstallToken,
                settings: previous?.inputs.delegate?.install,
            });
            delegate.delegate = { ...provisioned.state, install: installed.state };
            delegate.delegateInstallToken = installed.token;
            retire = installed.retire;
        } else if (recordedInstall && previous?.inputs.harness) {
            // Not undone: the delegate block stays, its installed delegate goes.
            warnings.push(
                ...(await uninstallDelegate(recordedInputs(previous), ownerName, provisioner, recordedInstall)),
            );
        }
    }
    if (previous?.delegate && previous.inputs.delegate && !inputs.delegate) {
        // As the owner it was made under (the new inputs, without a delegate, may name none).
        warnings.push(
            ...(await removeRecordedDelegate(previous, delegateOwner(previous.__owner ?? owner, identifier))),
        );
    }
    const tokenChanged = delegate.delegateToken !== previousDelegate.delegateToken;
    if (!work.retest && !(inputs.delegate?.useAsCredential && tokenChanged)) {
        return { run: recordedTestRun(previous!), delegate, retire, warnings };
    }

    const secrets = connectorSecrets(inputs, [
        delegate.delegateToken,
        delegate.delegateKubeconfig,
        delegate.delegateInstallToken,
    ]);
    // The provisioner's client is the connector's own when no other identity is involved: its
    // connection (and TLS handshake) serves the test too.
    const sameIdentity = provisioner && !inputs.delegate?.provisioner && !inputs.delegate?.useAsCredential;
    const run = sameIdentity
        ? await testWithClient(provisioner!, inputs.credential, inputs.connectionTest, identifier, secrets)
        : await testConnector(testCredential(inputs, delegate), inputs.connectionTest, identifier, secrets);
    assertConnectionSucceeded(run.report);
    return { run, delegate, retire, warnings };
}

/**
 * The last step of a run that succeeded: the delegate token a rotation replaced is revoked and
 * purged. Its failure undoes nothing (the delegate runs with the new token): a warning says what to
 * do. Resolves to the side's warnings and the retirement's.
 */
export async function retireReplacedToken(side: Pick<ClusterSide, "retire" | "warnings">): Promise<string[]> {
    const before = side.warnings ?? [];
    try {
        return [...before, ...(await side.retire())];
    } catch (e) {
        return [
            ...before,
            `the delegate token a rotation replaced was not revoked (${(e as Error).message}): the delegate runs with the new one; revoke the old one in Harness (Account Settings > Delegates > Tokens), or run \`pulumi up\` again`,
        ];
    }
}
