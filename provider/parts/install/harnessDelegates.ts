// Harness's delegate tokens and delegates, through the one Harness client (client.ts): mint, read,
// revoke and purge a token (`/ng/api/delegate-token-ng`), the delegate groups using a token, the
// delegates by name (`/ng/api/delegate-setup/listDelegates`), the latest delegate image, and the
// wait until a delegate is connected. The scope goes in the query, as these resources take it.
// These resources answer a RestResponse ({metaData, resource, responseMessages}), not {status, data}.
// A token's value is returned to the caller only; no error or message ever holds it.
import { ConnectorError, connectorError, defaultRemediation } from "../../errors";
import { type HarnessClient, scopeQuery } from "../../harness/client";
import type { HarnessScope } from "../../harness/scope";
import { pollUntil } from "../../poll";

/** A delegate token as Harness describes it (DelegateTokenDetails). */
export interface DelegateToken {
    name: string;
    status: "ACTIVE" | "REVOKED";
    /** The token's value (secret): present when minted, and when read with delegate edit permission. */
    value?: string;
    /** When it was made (ms since the epoch). */
    createdAt?: number;
    /** When Harness revokes it on its own (ms since the epoch), if set. */
    revokeAfter?: number;
    /** "org" or "org/project" for a token of an org or project; absent for the account's. */
    ownerIdentifier?: string;
}

/** One delegate instance (pod) of a group, as the delegate-groups listing shows it. */
export interface DelegateInstance {
    hostName: string;
    activelyConnected: boolean;
    lastHeartbeat: number;
    tokenActive: boolean;
}

/** A delegate group (DelegateGroupDetails): its connectivity and token status. */
export interface DelegateGroup {
    name: string;
    identifier?: string;
    /** "connected", "partially connected" or "disconnected". */
    connectivityStatus: string;
    activelyConnected: boolean;
    tokenActive: boolean;
    lastHeartBeat: number;
    instances: DelegateInstance[];
}

/** A delegate as listDelegates answers it (DelegateListResponse). */
export interface DelegateListEntry {
    name: string;
    type?: string;
    tags: string[];
    connected: boolean;
    lastHeartBeat: number;
    replicas: { hostName: string; connected: boolean; lastHeartbeat: number; version?: string }[];
}

/** What {@link waitForDelegateConnected} resolves to. */
export interface DelegateConnection {
    connected: true;
    /** Its last heartbeat (ms since the epoch). */
    lastHeartbeat: number;
    tokenActive: boolean;
}

/** Options of {@link waitForDelegateConnected}. */
export interface WaitForDelegateOptions {
    /** How long to wait, ms. */
    timeoutMs: number;
    /** Ends the wait early (rejects with the signal's reason). */
    signal?: AbortSignal;
    /** Pause between two looks, ms; default 2000. */
    pollMs?: number;
    /** The token the delegate runs with: when the wait fails, its status in Harness is read and said (revoked, expired). */
    tokenName?: string;
    /**
     * Tags the delegate must show in Harness (its selectors) to count as connected: after a change
     * of its tags, the pods that registered with the new ones. Default none.
     */
    tags?: readonly string[];
}

interface RestResponse<T> {
    resource: T;
}

const PATH = "/ng/api/delegate-token-ng";

/** The resource of a RestResponse answer (the client types answers as {status, data}). */
async function rest<T>(client: HarnessClient, call: Parameters<HarnessClient["request"]>[0]): Promise<T> {
    const answer = (await client.request<unknown>(call)) as unknown as RestResponse<T> | undefined;
    return answer?.resource as T;
}

/** Harness's words in a HARNESS_* error (its "Harness said: …"). */
const said = (e: ConnectorError) => e.message;

/** A HARNESS_INVALID_REQUEST whose message matches, turned into `code`; anything else as it came. */
function recode(e: unknown, pattern: RegExp, code: ConnectorError["code"], what: string): unknown {
    if (!(e instanceof ConnectorError)) return e;
    const match = (e.code === "HARNESS_INVALID_REQUEST" || e.code === "HARNESS_NOT_FOUND") && pattern.test(said(e));
    return match ? connectorError(code, `${what} (${e.what})`, { httpStatus: e.httpStatus }) : e;
}

function asToken(d: Record<string, unknown>): DelegateToken {
    const t: DelegateToken = { name: String(d.name), status: d.status === "REVOKED" ? "REVOKED" : "ACTIVE" };
    if (typeof d.value === "string" && d.value) t.value = d.value;
    if (typeof d.createdAt === "number") t.createdAt = d.createdAt;
    if (typeof d.revokeAfter === "number") t.revokeAfter = d.revokeAfter;
    if (typeof d.ownerIdentifier === "string") t.ownerIdentifier = d.ownerIdentifier;
    return t;
}

/**
 * Mints a delegate token named `name` in `scope` (`POST /ng/api/delegate-token-ng?tokenName=…`).
 * `revokeAfterMs` is the epoch time in ms at which Harness revokes it (Harness's `revokeAfter`;
 * default none: it lives until revoked). A name any token of the account has (a revoked one for 30
 * days) is DELEGATE_TOKEN_NAME_TAKEN. Resolves to the token, its value included.
 */
export async function mintDelegateToken(
    client: HarnessClient,
    scope: HarnessScope,
    name: string,
    revokeAfterMs?: number,
): Promise<DelegateToken> {
    const what = `minting delegate token "${name}"`;
    try {
        const d = await rest<Record<string, unknown>>(client, {
            what,
            method: "POST",
            path: PATH,
            query: { ...scopeQuery(scope), tokenName: name, revokeAfter: revokeAfterMs?.toString() },
        });
        return asToken(d);
    } catch (e) {
        throw recode(e, /already exists for given account/i, "DELEGATE_TOKEN_NAME_TAKEN", `${what}: the name is taken`);
    }
}

/**
 * The token named `name` (`GET /ng/api/delegate-token-ng?name=…`), or undefined when none has it.
 * Harness finds it by name in the whole account, whatever `scope` says.
 */
export async function readDelegateToken(
    client: HarnessClient,
    scope: HarnessScope,
    name: string,
): Promise<DelegateToken | undefined> {
    const list = await rest<Record<string, unknown>[]>(client, {
        what: `reading delegate token "${name}"`,
        method: "GET",
        path: PATH,
        query: { ...scopeQuery(scope), name },
    });
    const found = (list ?? []).find((d) => d.name === name);
    return found ? asToken(found) : undefined;
}

/**
 * The delegate tokens of `scope` (`GET /ng/api/delegate-token-ng` without a name: harness-core's
 * DelegateNgTokenServiceImpl.getDelegateTokens, by the scope's owner), each with its value when the
 * API key may edit delegates (`includeValue`), else without. Callers compare values in memory only.
 */
export async function listDelegateTokens(client: HarnessClient, scope: HarnessScope): Promise<DelegateToken[]> {
    const list = await rest<Record<string, unknown>[]>(client, {
        what: "listing the delegate tokens",
        method: "GET",
        path: PATH,
        query: { ...scopeQuery(scope) },
    });
    return (list ?? []).map(asToken);
}

/**
 * Revokes the token named `name` (`PUT /ng/api/delegate-token-ng?tokenName=…`): delegates using it
 * disconnect. One already revoked resolves to it as it is (so an undo can run twice); one that does
 * not exist is DELEGATE_TOKEN_NOT_FOUND.
 */
export async function revokeDelegateToken(
    client: HarnessClient,
    scope: HarnessScope,
    name: string,
): Promise<DelegateToken> {
    const what = `revoking delegate token "${name}"`;
    try {
        const d = await rest<Record<string, unknown>>(client, {
            what,
            method: "PUT",
            path: PATH,
            query: { ...scopeQuery(scope), tokenName: name },
        });
        return asToken(d);
    } catch (e) {
        if (e instanceof ConnectorError && /already revoked/i.test(e.message)) {
            const held = await readDelegateToken(client, scope, name);
            if (held) return { ...held, value: undefined };
        }
        throw recode(e, /does not exist/i, "DELEGATE_TOKEN_NOT_FOUND", `${what}: no such token`);
    }
}

/**
 * Deletes (purges) the revoked token named `name` (`DELETE /ng/api/delegate-token-ng?tokenName=…`),
 * which frees its name. Resolves to false when no token has the name (already gone); an ACTIVE one
 * is DELEGATE_TOKEN_ACTIVE (Harness deletes only revoked tokens).
 */
export async function purgeDelegateToken(client: HarnessClient, scope: HarnessScope, name: string): Promise<boolean> {
    const what = `purging delegate token "${name}"`;
    try {
        await client.request({ what, method: "DELETE", path: PATH, query: { ...scopeQuery(scope), tokenName: name } });
        return true;
    } catch (e) {
        if (e instanceof ConnectorError && /does not exist/i.test(e.message)) return false;
        throw recode(e, /revoke/i, "DELEGATE_TOKEN_ACTIVE", `${what}: it is still active`);
    }
}

/** How {@link purgeRevokedToken} retries: as Harness's Go SDK's own test, three tries 5 s apart after a revoke. */
export interface PurgeRetry {
    attempts: number;
    intervalMs: number;
}
export const PURGE_RETRY: PurgeRetry = { attempts: 3, intervalMs: 5000 };

/**
 * What a failed purge means: `retry` when trying again may succeed (Harness does not see the
 * revoke yet: the token is still ACTIVE; Harness is busy or rate-limiting), `unsupported` when
 * this Harness has no purge (405: servers older than the endpoint), `stop` otherwise. Pure.
 */
export function purgeFailure(e: unknown): "retry" | "unsupported" | "stop" {
    if (!(e instanceof ConnectorError)) return "stop";
    if (e.httpStatus === 405) return "unsupported";
    const passing: ConnectorError["code"][] = ["DELEGATE_TOKEN_ACTIVE", "HARNESS_UNAVAILABLE", "HARNESS_RATE_LIMITED"];
    return passing.includes(e.code) ? "retry" : "stop";
}

/** The warning for a revoked token that could not be purged: it names the token and says what to do. */
export function purgeWarning(name: string, why: string): string {
    return `delegate token "${name}" is revoked but was not purged (${why}). A revoked token is harmless: no delegate can use it, and Harness drops its record after 30 days. To free its name now, delete it in Harness (Account Settings > Delegates > Tokens, Revoked); else leave it`;
}

/**
 * Purges the revoked token `name`, trying again as `retry` says while {@link purgeFailure} says
 * `retry`. Resolves to undefined when it is purged or already gone, else to a warning
 * ({@link purgeWarning}): a purge that fails never fails the run. `sleep` is injectable for tests.
 */
export async function purgeRevokedToken(
    client: HarnessClient,
    scope: HarnessScope,
    name: string,
    retry: PurgeRetry = PURGE_RETRY,
    sleep?: (ms: number) => Promise<void>,
): Promise<string | undefined> {
    const whatOf = (e: unknown) => (e instanceof ConnectorError ? e.what : String(e));
    const seen = await pollUntil<string | undefined, string>(
        async () => {
            try {
                await purgeDelegateToken(client, scope, name);
                return { done: true, value: undefined };
            } catch (e) {
                const kind = purgeFailure(e);
                if (kind === "unsupported")
                    return {
                        done: true,
                        value: purgeWarning(name, `this Harness has no purge endpoint: it answered 405 (${whatOf(e)})`),
                    };
                if (kind === "stop") return { done: true, value: purgeWarning(name, whatOf(e)) };
                return { done: false, last: whatOf(e) };
            }
        },
        { attempts: retry.attempts, intervalMs: retry.intervalMs, sleep },
    );
    if (seen.done) return seen.value;
    return purgeWarning(
        name,
        `${seen.last}, after ${retry.attempts} tries ${Math.round(retry.intervalMs / 1000)} s apart`,
    );
}

/**
 * Why a delegate cannot connect with the token as Harness holds it, or undefined when the token
 * is active and not past its end: REVOKED (by someone, or by Harness at `revokeAfter`), expired
 * (past `revokeAfter`: Harness revokes it within the hour), or not found. Pure.
 */
export function tokenStatusProblem(
    name: string,
    token: DelegateToken | undefined,
    now = Date.now(),
): string | undefined {
    if (!token) return `token "${name}" does not exist in Harness (purged?)`;
    const end = token.revokeAfter !== undefined ? new Date(token.revokeAfter).toISOString() : undefined;
    if (token.status === "REVOKED")
        return `token "${name}" is REVOKED in Harness${end && token.revokeAfter! <= now ? ` (it expired at ${end})` : ""}`;
    if (token.revokeAfter !== undefined && token.revokeAfter <= now) return `token "${name}" expired at ${end}`;
    return undefined;
}

/** What DELEGATE_NOT_CONNECTED adds when the delegate's token is revoked, expired or gone: another token. */
export const REVOKED_TOKEN_FACTS =
    "The delegate cannot connect with that token: set `delegate.install.token.name` to a new name (`pulumi up` mints it and moves the delegate to it), or unset `ttlDays` or raise it if it expired; a revoked token cannot be made active again";

function asGroup(g: Record<string, any>): DelegateGroup {
    return {
        name: String(g.groupName ?? ""),
        identifier: g.delegateGroupIdentifier,
        connectivityStatus: String(g.connectivityStatus ?? "disconnected"),
        activelyConnected: g.activelyConnected === true,
        tokenActive: g.tokenActive !== false,
        lastHeartBeat: Number(g.lastHeartBeat ?? 0),
        instances: ((g.delegateInstanceDetails ?? []) as Record<string, any>[]).map((i) => ({
            hostName: String(i.hostName ?? ""),
            activelyConnected: i.activelyConnected === true,
            lastHeartbeat: Number(i.lastHeartbeat ?? 0),
            tokenActive: i.tokenActive !== false,
        })),
    };
}

/**
 * The delegate groups of `scope` with an instance using the token `name`
 * (`GET /ng/api/delegate-token-ng/delegate-groups?delegateTokenName=…`); each lists only those
 * instances. A token that does not exist is DELEGATE_TOKEN_NOT_FOUND.
 */
export async function delegateGroupsUsingToken(
    client: HarnessClient,
    scope: HarnessScope,
    name: string,
): Promise<DelegateGroup[]> {
    const what = `listing the delegate groups using token "${name}"`;
    try {
        return await delegateGroups(client, scope, what, name);
    } catch (e) {
        throw recode(e, /no such delegate token/i, "DELEGATE_TOKEN_NOT_FOUND", `${what}: no such token`);
    }
}

async function delegateGroups(
    client: HarnessClient,
    scope: HarnessScope,
    what: string,
    tokenName?: string,
): Promise<DelegateGroup[]> {
    const listing = await rest<{ delegateGroupDetails?: Record<string, unknown>[] }>(client, {
        what,
        method: "GET",
        path: `${PATH}/delegate-groups`,
        query: { ...scopeQuery(scope), delegateTokenName: tokenName },
    });
    return (listing?.delegateGroupDetails ?? []).map(asGroup);
}

/**
 * The delegates of `scope` named exactly `delegateName` (`POST /ng/api/delegate-setup/listDelegates`
 * with `{filterType: "Delegate", delegateName}`; Harness matches names that contain it, the others
 * are dropped here). Empty when none registered.
 */
export async function listDelegates(
    client: HarnessClient,
    scope: HarnessScope,
    delegateName: string,
): Promise<DelegateListEntry[]> {
    const list = await rest<Record<string, any>[]>(client, {
        what: `listing delegates named "${delegateName}"`,
        method: "POST",
        path: "/ng/api/delegate-setup/listDelegates",
        query: scopeQuery(scope),
        body: { filterType: "Delegate", delegateName },
    });
    return (list ?? [])
        .filter((d) => d.name === delegateName)
        .map((d) => ({
            name: String(d.name),
            type: d.type,
            tags: [...(d.tags ?? [])],
            connected: d.connected === true,
            lastHeartBeat: Number(d.lastHeartBeat ?? 0),
            replicas: ((d.delegateReplicas ?? []) as Record<string, any>[]).map((r) => ({
                hostName: String(r.hostName ?? ""),
                connected: r.connected === true,
                lastHeartbeat: Number(r.lastHeartbeat ?? 0),
                version: r.version,
            })),
        }));
}

/**
 * The delegate image Harness supports now (`GET /ng/api/delegate-setup/latest-supported-version`):
 * `harness/delegate:<version>`, with the version and the minimal image.
 */
export async function latestDelegateImage(
    client: HarnessClient,
    scope: HarnessScope,
): Promise<{ image: string; version: string; minimalImage?: string }> {
    const v = await rest<{ latestSupportedVersion?: string; latestSupportedMinimalVersion?: string }>(client, {
        what: "reading the latest supported delegate version",
        method: "GET",
        path: "/ng/api/delegate-setup/latest-supported-version",
        query: scopeQuery(scope),
    });
    if (!v?.latestSupportedVersion)
        throw connectorError(
            "HARNESS_INVALID_REQUEST",
            "Harness answered no latestSupportedVersion for the delegate image",
            { facts: "Pin `delegate.install.image` to a harness/delegate:<version> image" },
        );
    const out: { image: string; version: string; minimalImage?: string } = {
        image: `harness/delegate:${v.latestSupportedVersion}`,
        version: v.latestSupportedVersion,
    };
    if (v.latestSupportedMinimalVersion) out.minimalImage = `harness/delegate:${v.latestSupportedMinimalVersion}`;
    return out;
}

/** What Harness last showed of the delegate, for the error. */
/** The declared tags Harness does not show on the delegate yet (its pods with them have not registered). */
export function tagsMissing(entry: DelegateListEntry, tags: readonly string[] = []): string[] {
    return tags.filter((t) => !entry.tags.includes(t));
}

function lastSeen(
    entry: DelegateListEntry | undefined,
    group: DelegateGroup | undefined,
    tags: readonly string[] | undefined,
): string {
    if (!entry) return "Harness lists no delegate of that name in this scope: it never registered";
    const at = entry.lastHeartBeat ? new Date(entry.lastHeartBeat).toISOString() : "never";
    const token =
        group && !group.instances.some((i) => i.activelyConnected && i.tokenActive)
            ? "; no connected instance has an active token (revoked or expired)"
            : "";
    const missing = tagsMissing(entry, tags);
    const tagged = missing.length
        ? `; it shows tags ${JSON.stringify(entry.tags)}, not yet ${JSON.stringify(missing)}: no pod with the new tags registered`
        : "";
    return `Harness lists it ${entry.connected ? "connected" : "disconnected"}, last heartbeat ${at}${token}${tagged}`;
}

/**
 * Waits until Harness shows the delegate `name` of `scope` connected with an active token:
 * listDelegates says connected, and an instance of its group (delegate-groups of the scope) is
 * actively connected with tokenActive; with `tags`, listDelegates shows each of them too.
 * Looks every `pollMs` (default 2 s) for at most `timeoutMs`; then DELEGATE_NOT_CONNECTED saying
 * what Harness last showed and what to look at. Harness's own failures (HARNESS_*) end it at once.
 */
export async function waitForDelegateConnected(
    client: HarnessClient,
    scope: HarnessScope,
    name: string,
    opts: WaitForDelegateOptions,
): Promise<DelegateConnection> {
    let entry: DelegateListEntry | undefined;
    let group: DelegateGroup | undefined;
    const seen = await pollUntil<DelegateConnection>(
        async () => {
            entry = (await listDelegates(client, scope, name))[0];
            group = undefined;
            if (entry?.connected && tagsMissing(entry, opts.tags).length === 0) {
                group = (await delegateGroups(client, scope, `reading delegate group "${name}"`)).find(
                    (g) => g.name === name,
                );
                // An instance that heartbeats with an active token: the group's own tokenActive is false
                // while an old pod's instance lingers with a revoked token (after a rotation), as
                // harness-core's buildDelegateGroupDetails computes it.
                const live = group?.instances.filter((i) => i.activelyConnected && i.tokenActive) ?? [];
                if (live.length)
                    return {
                        done: true,
                        value: {
                            connected: true,
                            lastHeartbeat: Math.max(entry.lastHeartBeat, ...live.map((i) => i.lastHeartbeat)),
                            tokenActive: true,
                        },
                    };
            }
            return { done: false };
        },
        { deadline: Date.now() + opts.timeoutMs, intervalMs: opts.pollMs ?? 2000, signal: opts.signal },
    );
    if (seen.done) return seen.value;
    const within = `delegate "${name}" did not connect to Harness within ${Math.round(opts.timeoutMs / 1000)} s`;
    const tokenProblem = opts.tokenName ? await tokenStatus(client, scope, opts.tokenName) : undefined;
    if (tokenProblem)
        throw connectorError("DELEGATE_NOT_CONNECTED", `${within}: its ${tokenProblem}`, {
            facts: REVOKED_TOKEN_FACTS,
        });
    throw connectorError("DELEGATE_NOT_CONNECTED", `${within} (${lastSeen(entry, group, opts.tags)})`);
}

/**
 * {@link tokenStatusProblem} of the token `name` as Harness holds it now; undefined when it is
 * fine or cannot be read (what the caller saw then stands).
 */
export async function tokenStatus(
    client: HarnessClient,
    scope: HarnessScope,
    name: string,
): Promise<string | undefined> {
    try {
        return tokenStatusProblem(name, await readDelegateToken(client, scope, name));
    } catch {
        return undefined;
    }
}

/**
 * Waits until the delegate group `name` has an instance connected with token `tokenName` (a
 * rotation's proof), looking every second for at most `timeoutMs`; then DELEGATE_NOT_CONNECTED.
 */
export async function waitForDelegateOnToken(
    client: HarnessClient,
    scope: HarnessScope,
    name: string,
    tokenName: string,
    timeoutMs: number,
): Promise<void> {
    const seen = await pollUntil(
        async () => {
            const groups = await delegateGroupsUsingToken(client, scope, tokenName);
            const moved = groups.some(
                (g) => g.name === name && g.instances.some((i) => i.activelyConnected && i.tokenActive),
            );
            return moved ? { done: true, value: undefined } : { done: false };
        },
        { deadline: Date.now() + timeoutMs, intervalMs: 1000 },
    );
    if (seen.done) return;
    throw connectorError(
        "DELEGATE_NOT_CONNECTED",
        `delegate "${name}" did not move to its new token "${tokenName}" within ${Math.round(timeoutMs / 1000)} s: the old token is kept (not revoked)`,
        { facts: "The rolled pods did not connect with the new token" },
    );
}

/** How {@link forgetDelegateGroup} waits for Harness to take the delete. */
export interface ForgetWait {
    /** Give up (with a warning) after this long, ms. */
    timeoutMs: number;
    /** Pause between two tries, ms; default 5000. */
    intervalMs?: number;
}

/** The warning when Harness still lists the delegate after uninstalling: it names it and says what to do. */
export function forgetWarning(name: string, why: string): string {
    return `Harness still lists delegate "${name}" (${why}). Its pods are gone: delete it in Harness (Account Settings > Delegates, or the org's or project's), or leave it: Harness drops a delegate group with no instance after 7 days`;
}

/**
 * Deletes the delegate group `name` from Harness once its pods are gone (`DELETE
 * /ng/api/delegate-setup/delegate/{groupIdentifier}`, DelegateSetupNgResource.deleteDelegateGroup →
 * DelegateServiceImpl.deleteDelegateGroupV2). Harness refuses while an instance sent a heartbeat
 * within its liveness window ("… is connected", one to five minutes): tried again until `wait`
 * ends. A group Harness does not have ("doesn't exist or it is already deleted") is done. The
 * group's identifier is read from Harness (delegate-groups), not computed. Resolves to undefined
 * when Harness no longer lists it, else to a warning: uninstalling never fails on it.
 */
export async function forgetDelegateGroup(
    client: HarnessClient,
    scope: HarnessScope,
    name: string,
    wait: ForgetWait,
    sleep?: (ms: number) => Promise<void>,
): Promise<string | undefined> {
    const whatOf = (e: unknown) => (e instanceof ConnectorError ? e.what : String(e));
    let identifier: string | undefined;
    try {
        identifier = (await delegateGroups(client, scope, `finding delegate group "${name}"`)).find(
            (g) => g.name === name,
        )?.identifier;
    } catch (e) {
        return forgetWarning(name, `it could not be looked up: ${whatOf(e)}`);
    }
    if (!identifier) return undefined;
    const seen = await pollUntil<string | undefined, string>(
        async () => {
            try {
                await rest(client, {
                    what: `deleting delegate "${name}"`,
                    method: "DELETE",
                    path: `/ng/api/delegate-setup/delegate/${encodeURIComponent(identifier)}`,
                    query: scopeQuery(scope),
                });
                return { done: true, value: undefined };
            } catch (e) {
                const said = whatOf(e);
                if (/doesn't exist or it is already deleted/i.test(said)) return { done: true, value: undefined };
                if (/is connected/i.test(said)) return { done: false, last: said };
                return { done: true, value: forgetWarning(name, said) };
            }
        },
        { deadline: Date.now() + wait.timeoutMs, intervalMs: wait.intervalMs ?? 5000, sleep },
    );
    if (seen.done) return seen.value;
    return forgetWarning(
        name,
        `Harness still counted an instance as connected after ${Math.round(wait.timeoutMs / 1000)} s: ${seen.last}`,
    );
}

/**
 * The active token of `scope` whose value is `value` ({@link listDelegateTokens}: Harness answers
 * the values to a key that may edit delegates), or undefined. The value is compared here and never
 * leaves: the caller learns the token's name.
 */
export async function activeTokenWithValue(
    client: HarnessClient,
    scope: HarnessScope,
    value: string,
): Promise<DelegateToken | undefined> {
    const found = (await listDelegateTokens(client, scope)).find((t) => t.status === "ACTIVE" && t.value === value);
    return found && { ...found, value: undefined };
}
