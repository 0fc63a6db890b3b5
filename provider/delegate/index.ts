// The delegate's identity beside the connector: the pure plan (rbacPlan), and the executor that
// provisions, inspects and removes it against a cluster.
export { inspectDelegate } from "./inspect";
export { type PreviousDelegate, type Provisioned, provisionDelegate } from "./provision";
export { removeDelegate } from "./remove";
export type { DelegateState } from "./state";
