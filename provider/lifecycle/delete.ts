// delete: removes the connector from Harness (when registered), then the delegate's objects (reverse order, only this connector's). The connector
// itself owns nothing in the cluster; a cluster that cannot be reached is gone with its objects.
import { isClusterGone } from "../errors";
import type { ConnectorOutputs } from "../outputs";
import { recordedSecrets, redactError } from "../secrets";

/** Deletes the connector; resolves to warnings to show (redacted), or throws a redacted ConnectorError. */
export async function deleteConnector(record: ConnectorOutputs): Promise<{ warnings: string[] }> {
    // Harness first: a connector pipelines still reference stops the delete before the cluster side goes.
    if (record.harness && record.inputs?.harness) {
        try {
            // Loaded here, not at the top: destroying connectors with nothing outside the state loads
            // no schema, cluster or Harness code at all.
            const { removeHarnessSide } = require("./harnessSide") as typeof import("./harnessSide");
            await removeHarnessSide(record);
        } catch (e) {
            throw redactError(e, recordedSecrets(record));
        }
    }
    if (!record.delegate || !record.inputs?.delegate) return { warnings: [] };
    try {
        const { removeRecordedDelegate } = require("./clusterSide") as typeof import("./clusterSide");
        const { delegateOwner } = require("../outputs") as typeof import("../outputs");
        await removeRecordedDelegate(record, delegateOwner(record.__owner, record.identifier));
        return { warnings: [] };
    } catch (e) {
        const err = redactError(e, recordedSecrets(record));
        // The cluster (and so the delegate's objects) cannot be reached: delete goes on with a warning.
        if (isClusterGone(err.code)) return { warnings: [`the delegate's objects were not removed: ${err.message}`] };
        throw err;
    }
}
