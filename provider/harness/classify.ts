// Harness's answers as ConnectorErrors: its error envelope ({status, code, message, correlationId})
// and HTTP status to a code and a remediation, keeping Harness's words and its correlationId. Pure.
import { type ConnectorError, connectorError, type ErrorCode } from "../errors";

/** Harness's error envelope (400, 401, 403, 404, 429, 5xx). */
export interface HarnessFailure {
    status?: string;
    code?: string;
    message?: string;
    correlationId?: string;
    detailedMessage?: string | null;
}

/** Not-found codes: Harness answers them with 400 or 404 depending on the server version. */
export const NOT_FOUND_CODES: ReadonlySet<string> = new Set([
    "RESOURCE_NOT_FOUND_EXCEPTION",
    "RESOURCE_NOT_FOUND",
    "ENTITY_NOT_FOUND",
    "CONNECTOR_NOT_FOUND_EXCEPTION",
]);

/**
 * A duplicate identifier, as harness-core words it: HTTP 400 INVALID_REQUEST, not DUPLICATE_FIELD
 * (that one only when two creates race at the database). Connectors: `DefaultConnectorServiceImpl`
 * ("Connector: N has been given an identifier: X that already exists. Please enter a unique ID.");
 * secrets: `NGEncryptedDataServiceImpl.validateSecretDoesNotExist` ("Secret with identifier X
 * already exists in this scope"); the older "with name [N] already exists" kept for older servers.
 */
const DUPLICATE_MESSAGES = [
    /has been given an identifier:? .* that already exists/i,
    /secret with identifier .* already exists/i,
    /with (name|identifier) \[.*\] already exists/i,
];

/** harness-core's refusal of `forceDelete=true` while the account setting `enable_force_delete` is off. */
const FORCE_DELETE_DISABLED = /force ?delete is not enabled|forcedDelete cannot be true/i;

/**
 * No delegate can take the test: the delegate service's "no eligible delegate" exception, which
 * reaches ng-manager over gRPC and comes back as 400 INVALID_REQUEST (503 UNAVAILABLE_DELEGATES in
 * the enum, kept too).
 */
const NO_DELEGATE =
    /no eligible delegates?|delegates? (are|is) not available|no (active |available )?delegates?( found| available| to| in| could)|not available for performing this operation/i;

/** Whether an answer may succeed if sent again: 429 and 5xx except 501. */
export function isRetryable(status: number): boolean {
    return status === 429 || (status >= 500 && status !== 501);
}

/** The ConnectorError for Harness's failed answer to `what` (e.g. `creating connector "x"`). */
export function harnessError(what: string, httpStatus: number, body: HarnessFailure | undefined): ConnectorError {
    const code = body?.code ?? "";
    const said = body?.message ? `Harness said: ${body.message}` : `HTTP ${httpStatus}`;
    const detail = `${said}${body?.correlationId ? `; correlationId ${body.correlationId}` : ""}`;
    const make = (c: ErrorCode, text: string, facts?: string) =>
        connectorError(c, `${text} (${detail})`, { facts, httpStatus });
    if (httpStatus === 401 || code === "INVALID_TOKEN" || code === "INVALID_CREDENTIAL" || code === "EXPIRED_TOKEN")
        return make("HARNESS_UNAUTHORIZED", `Harness refused the API key while ${what}`);
    if (httpStatus === 403 || code === "ACCESS_DENIED" || code === "NG_ACCESS_DENIED")
        return make("HARNESS_FORBIDDEN", `the API key may not do this: ${what}`);
    if (httpStatus === 429 || code === "TOO_MANY_REQUESTS")
        return make("HARNESS_RATE_LIMITED", `Harness rate-limited ${what}`);
    const message = body?.message ?? "";
    if (code === "DUPLICATE_FIELD" || DUPLICATE_MESSAGES.some((m) => m.test(message)))
        return make("HARNESS_DUPLICATE", `${what}: it already exists`);
    if (FORCE_DELETE_DISABLED.test(message))
        return make(
            "HARNESS_INVALID_REQUEST",
            `${what}: Harness refused forceDelete because the account setting enable_force_delete is off (it is off by default)`,
            "Turn on Account Settings > General > Enable Force Delete of Harness Resources (`enable_force_delete`) in Harness, or set `harness.forceDelete: false` and remove the references first",
        );
    if (code === "ENTITY_REFERENCE_EXCEPTION" || /referenced by/i.test(message))
        return make("HARNESS_REFERENCED", `${what}: other Harness entities still reference it`);
    if (httpStatus === 404 || NOT_FOUND_CODES.has(code)) return make("HARNESS_NOT_FOUND", `${what}: not found`);
    if ((httpStatus === 503 && code === "UNAVAILABLE_DELEGATES") || NO_DELEGATE.test(message))
        return make("HARNESS_TEST_FAILED", `${what}: no delegate with the connector's delegateSelectors is available`);
    if (httpStatus >= 500 || httpStatus === 0) return make("HARNESS_UNAVAILABLE", `Harness failed while ${what}`);
    return make("HARNESS_INVALID_REQUEST", `Harness refused ${what}`);
}
