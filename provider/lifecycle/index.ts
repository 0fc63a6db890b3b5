// The connector's lifecycle, whichever adapter calls it (the dynamic provider or the provider
// plugin): check, the update plan and its property-level changes, create, read, update, delete
// over typed records.

export { planUpdate, type UpdatePlan } from "./changePlan";
export { type CheckOutcome, checkConnector } from "./check";
export { createConnector } from "./create";
export { deleteConnector } from "./delete";
export { type HarnessImport, importFromHarness } from "./importHarness";
export { type ImportedRecord, importRecord } from "./importRecord";
export { type PropertyChange, propertyChanges } from "./propertyChanges";
export { readConnector } from "./read";
export { updateConnector } from "./update";
export { inputWarnings, recordWarnings } from "./warnings";
