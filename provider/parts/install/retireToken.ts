// The installed delegate's token: revoked, then purged, when a rotation replaces it, when an
// install is undone, and when the delegate is uninstalled.
import type { ConnectorError } from "../../errors";
import type { HarnessClient } from "../../harness/client";
import type { HarnessScope } from "../../harness/scope";
import { type PurgeRetry, purgeRevokedToken, revokeDelegateToken } from "./harnessDelegates";

/**
 * Revokes, then purges, a token (only a revoked one can be purged); one already gone is fine. A
 * purge that fails (Harness not seeing the revoke yet after the retries, a Harness without the
 * endpoint) does not fail the run: resolves to its warning.
 */
export async function retireToken(
    client: HarnessClient,
    scope: HarnessScope,
    name: string,
    retry?: PurgeRetry,
): Promise<string[]> {
    try {
        await revokeDelegateToken(client, scope, name);
    } catch (e) {
        if ((e as ConnectorError).code !== "DELEGATE_TOKEN_NOT_FOUND") throw e;
    }
    const warning = await purgeRevokedToken(client, scope, name, retry);
    return warning ? [warning] : [];
}
