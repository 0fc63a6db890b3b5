// The record's types and codec moved to provider/state (the one place that encodes and decodes
// it). These re-exports stay for the modules being changed elsewhere that still import this path
// (lifecycle/changePlan.ts, secrets.ts); they go once those import provider/state.
export * from "./state";
