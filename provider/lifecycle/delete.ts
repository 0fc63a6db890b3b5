// delete: removes the connector from Harness (when registered), then the installed delegate (its objects, its token), then the delegate's objects (reverse order, only this connector's). The connector
// itself owns nothing in the cluster; a cluster that cannot be reached is gone with its objects.
import { connect } from "../credentials";
import { removeDelegate } from "../delegate/remove";
import { isClusterGone } from "../errors";
import { withHarness } from "../harness/client";
import { deregisterConnector } from "../harness/register";
import { recordedSecrets, redact, redactError } from "../secrets";
import { delegateOwner, recordedAccess, recordedInputs } from "../state/decode";
import type { ConnectorOutputs } from "../state/record";
import { uninstallDelegate } from "./delegateInstall";
import { deleteWork } from "./deleteWork";

/** Deletes the connector; resolves to warnings to show (redacted), or throws a redacted ConnectorError. */
export async function deleteConnector(record: ConnectorOutputs): Promise<{ warnings: string[] }> {
    const work = deleteWork(record);
    // Harness first: a connector pipelines still reference stops the delete before the cluster side goes.
    if (work.harness) {
        try {
            await removeHarnessSide(record);
        } catch (e) {
            throw redactError(e, recordedSecrets(record));
        }
    }
    if (!work.delegate) return { warnings: [] };
    try {
        const warnings = await removeRecordedDelegate(record, delegateOwner(record.__owner, record.identifier));
        return { warnings: warnings.map((w) => redact(w, recordedSecrets(record))) };
    } catch (e) {
        const err = redactError(e, recordedSecrets(record));
        // The cluster (and so the delegate's objects) cannot be reached: delete goes on with a warning.
        if (isClusterGone(err.code)) return { warnings: [`the delegate's objects were not removed: ${err.message}`] };
        throw err;
    }
}

/** Deletes the connector and the secrets it created from Harness. */
export async function removeHarnessSide(record: ConnectorOutputs): Promise<void> {
    const settings = record.inputs.harness!;
    await withHarness(settings, (client) =>
        deregisterConnector(client, record.harness!, record.identifier, settings.forceDelete),
    );
}

/**
 * Removes the objects of a delegate the record has (and, on update, the inputs no longer declare),
 * as the identity that made them. Resolves to warnings (an installed delegate's token revoked but not purged).
 */
export async function removeRecordedDelegate(record: ConnectorOutputs, ownerName: string): Promise<string[]> {
    const access = recordedAccess(record);
    const credential = record.inputs.delegate?.provisioner ?? access.credential;
    const client = await connect(credential, access.connectionTest.timeoutSeconds * 1000);
    try {
        // The installed delegate first (its objects, then its token), then the identity it ran as.
        const install = record.delegate?.install;
        const warnings =
            install && record.inputs.harness
                ? await uninstallDelegate(recordedInputs(record), ownerName, client, install)
                : [];
        await removeDelegate(client, record.delegate!, ownerName);
        return warnings;
    } finally {
        await client.close();
    }
}
