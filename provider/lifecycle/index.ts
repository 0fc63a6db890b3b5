// The connector's lifecycle, whichever adapter calls it (the dynamic provider today): check, the
// update plan, create, read, update, delete over typed records.

export { planUpdate, type UpdatePlan } from "./changePlan";
export { type CheckOutcome, checkConnector } from "./check";
export { createConnector } from "./create";
export { deleteConnector } from "./delete";
export { readConnector } from "./read";
export { updateConnector } from "./update";
export { inputWarnings, recordWarnings } from "./warnings";
