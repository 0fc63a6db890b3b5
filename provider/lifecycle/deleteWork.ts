// What a delete has to remove outside the state, read from the record alone. It imports nothing at
// run time, so the dynamic adapter asks it before it loads delete: destroying connectors that own
// nothing outside the state loads no schema, cluster or Harness code at all.
import type { ConnectorOutputs } from "../state/record";

/** What deleting `record` removes: its registration in Harness, the delegate's objects in the cluster. */
export interface DeleteWork {
    harness: boolean;
    delegate: boolean;
}

/** What deleting `record` removes (nothing, for a connector neither registered nor with a delegate). */
export function deleteWork(record: ConnectorOutputs): DeleteWork {
    return {
        harness: !!(record.harness && record.inputs?.harness),
        delegate: !!(record.delegate && record.inputs?.delegate),
    };
}

/** Whether deleting `record` has anything to remove outside the state. */
export function ownsOutsideState(record: ConnectorOutputs): boolean {
    const work = deleteWork(record);
    return work.harness || work.delegate;
}
