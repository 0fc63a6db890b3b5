// The connection test: runConnectionTest over a ready client, and the report it returns.
export type { CheckResult, ConnectionTestReport } from "./report";
export { assertConnectionSucceeded, CONTROLLER_KINDS, requiredRules, runConnectionTest } from "./runConnectionTest";
