// Part of a local STAND-IN for Harness's SaaS NG API, for tests: it is not Harness. This file keeps
// the delegate side: NG delegate tokens and the delegates registered with them, with the rules of
// harness-core (the public mirror vigneswara-propelo/harness-core, 2023-12), each named where it is
// kept: DelegateNgTokenServiceImpl (mint, revoke, read, auto-revoke at revokeAfter),
// BaseSecretValidator.validateSecretName (the characters a token's name may not hold),
// DelegateNgTokenInternalResource (read by name, delegate-groups), DelegateToken (names unique per
// account, a revoked token kept 30 days), DelegateSetupServiceImpl (listDelegates,
// buildDelegateGroupDetails), DelegateDao (a delegate is connected while its heartbeat is at most
// 5 minutes old), DelegateServiceImpl.register (the delegate's scope is its token's),
// DelegateTokenAuthenticatorImpl (what a delegate with a wrong, revoked or expired token is told).
// What it does not keep: the JWT a real delegate builds from its token (the stand-in's heartbeat
// carries the token value itself), gRPC, delegate profiles, approval, self-destruct broadcasts
// (a revoked token's delegates stop when their next heartbeat is refused), the up-to-an-hour delay
// of auto-revocation (a token is revoked at revokeAfter exactly), the purge's exact wording (not in
// the mirror), and more than the instances that heartbeat.
import { randomBytes, randomUUID } from "node:crypto";
import type { Json } from "./contract";
import { HarnessError, invalidRequest, type Scope, scopeText } from "./state";

/** DelegateTokenStatus. */
export type DelegateTokenStatus = "ACTIVE" | "REVOKED";

/** A delegate token as the stand-in holds it (value included: tests only). */
export interface StoredDelegateToken {
    uuid: string;
    name: string;
    /** Its owner: the scope it was minted in (DelegateEntityOwnerHelper.buildOwner). */
    scope: Scope;
    status: DelegateTokenStatus;
    value: string;
    createdAt: number;
    revokeAfter?: number;
    /** When a revoked token's record goes (DelegateToken.TTL after revocation): its name is blocked until then. */
    validUntil?: number;
}

/** One delegate instance (a pod) that registered and heartbeats. */
export interface StoredDelegateInstance {
    uuid: string;
    hostName: string;
    tokenName: string;
    lastHeartBeat: number;
    version: string;
    /** What the stand-in-only heartbeat said about it (not part of Harness's model). */
    namespace?: string;
    serviceAccount?: string;
    /** The in-cluster credential an InheritFromDelegate connector uses on it. */
    inheritCredential?: { masterUrl: string; token: string; caCertPem?: string };
}

/** A delegate group: one per name and scope (DelegateServiceImpl.upsertDelegateGroup). */
export interface StoredDelegateGroup {
    uuid: string;
    identifier: string;
    name: string;
    scope: Scope;
    description?: string;
    delegateType: string;
    /** The custom selectors the delegates registered with (DELEGATE_TAGS). */
    tags: string[];
    instances: StoredDelegateInstance[];
}

/** What a delegate sends on the stand-in-only heartbeat (POST /standin/delegate/heartbeat). */
export interface DelegateHeartbeat {
    accountId: string;
    /** The DELEGATE_TOKEN value the pod got. */
    token: string;
    delegateName: string;
    /** The pod's name (one instance per host name). */
    hostName: string;
    tags?: string[];
    description?: string;
    delegateType?: string;
    version?: string;
    orgIdentifier?: string;
    projectIdentifier?: string;
    namespace?: string;
    serviceAccount?: string;
    inheritCredential?: { masterUrl: string; token: string; caCertPem?: string };
}

/**
 * BaseSecretValidator.ILLEGAL_CHARACTERS: createToken stores the token's value as a secret named
 * after the token (DelegateSecretManager.encrypt), whose name validateSecretName checks.
 */
export const SECRET_NAME_ILLEGAL_CHARACTERS = "[~!@#$%^&*'\"/?<>,;.]";

/** DelegateToken.TTL: a revoked token's record (and so its name) lives 30 days. */
export const REVOKED_TOKEN_TTL_MS = 30 * 24 * 3600 * 1000;
/** DelegateServiceConstants.HEARTBEAT_EXPIRY_TIME_FIVE_MINS, as DelegateDao.isDelegateHeartBeatUpToDate uses it. */
export const HEARTBEAT_EXPIRY_MS = 5 * 60 * 1000;

const sameScope = (a: Scope, b: Scope) => (a.org ?? "") === (b.org ?? "") && (a.project ?? "") === (b.project ?? "");
/**
 * Utils.normalizeIdentifier, as DelegateServiceImpl.getDelegateGroupIdentifier names the group an
 * NG delegate registers by name: `_` then the name with every character outside [a-zA-Z0-9_$] as `_`.
 */
export const normalizeIdentifier = (name: string) => `_${name.replace(/[^a-zA-Z0-9_$]/g, "_")}`;

/** DelegateDao.EXPIRY_TIME: checkDelegateLiveness (a delete's refusal) counts a heartbeat this recent as connected. */
export const LIVENESS_EXPIRY_MS = 60 * 1000;

/** DelegateEntityOwner's identifier: "org" or "org/project"; none at account scope. */
const ownerIdentifier = (s: Scope) => (s.project ? `${s.org}/${s.project}` : s.org);
/** Whether a delegate owned by `owner` may serve an entity in `scope` (account delegates serve all). */
export const servesScope = (owner: Scope, scope: Scope) =>
    !owner.org || (owner.org === scope.org && (!owner.project || owner.project === scope.project));

/** The delegate side of the stand-in's state. */
export class DelegateRegistry {
    private readonly tokens: StoredDelegateToken[] = [];
    private readonly groups: StoredDelegateGroup[] = [];

    constructor(
        private readonly accountId: string,
        /** How long a heartbeat keeps a delegate connected, ms (HEARTBEAT_EXPIRY_MS unless a test shortens it). */
        public heartbeatExpiryMs: number,
        private readonly now: () => number = Date.now,
    ) {}

    /** Every token, values included (tests only). */
    allTokens(): StoredDelegateToken[] {
        this.expire();
        return this.tokens.map((t) => ({ ...t }));
    }

    /** Every delegate group with its instances. */
    allGroups(): StoredDelegateGroup[] {
        return structuredClone(this.groups);
    }

    /**
     * DelegateNgTokenServiceImpl.autoRevokeExpiredTokens (a job in Harness, up to an hour late):
     * an ACTIVE token past revokeAfter is revoked; then records past validUntil go (the TTL index).
     */
    private expire(): void {
        const now = this.now();
        for (const t of this.tokens)
            if (t.status === "ACTIVE" && t.revokeAfter !== undefined && t.revokeAfter < now) this.markRevoked(t);
        for (let i = this.tokens.length - 1; i >= 0; i--) {
            const v = this.tokens[i].validUntil;
            if (v !== undefined && v < now) this.tokens.splice(i, 1);
        }
    }

    private markRevoked(t: StoredDelegateToken): void {
        t.status = "REVOKED";
        t.validUntil = this.now() + REVOKED_TOKEN_TTL_MS;
    }

    /** DelegateNgTokenServiceImpl.matchNameTokenQuery: by account and name only, whatever the scope. */
    private byName(name: string): StoredDelegateToken | undefined {
        this.expire();
        return this.tokens.find((t) => t.name === name);
    }

    /**
     * DelegateNgTokenServiceImpl.createToken: the value encrypted as a secret named after the token
     * (BaseSecretValidator.validateSecretName: "Secret name should not have any of the following
     * characters [~!@#$%^&*'"/?<>,;.]"; harness-core throws SecretManagementException, a user error,
     * answered here as 400 INVALID_REQUEST as the stand-in answers the rules it keeps), the name
     * trimmed, revokeAfter not in the past (validateCreateDelegateTokenRequest), then the save,
     * whose unique index on (accountId, name) refuses a name any token of the account holds, a
     * revoked one too until its record expires.
     */
    mint(scope: Scope, tokenName: string, revokeAfter?: number): StoredDelegateToken {
        if ([...tokenName].some((c) => SECRET_NAME_ILLEGAL_CHARACTERS.slice(1, -1).includes(c)))
            throw invalidRequest(
                `Secret name should not have any of the following characters ${SECRET_NAME_ILLEGAL_CHARACTERS}`,
            );
        const name = tokenName.trim();
        if (revokeAfter !== undefined && revokeAfter < this.now())
            throw invalidRequest("Token revocation time can not be less than current time.");
        if (this.byName(name))
            throw invalidRequest(`Token with given name ${tokenName} already exists for given account.`);
        const t: StoredDelegateToken = {
            uuid: randomUUID(),
            name,
            scope: { ...scope },
            status: "ACTIVE",
            // encodeBase64(Misc.generateSecretKey()): the value is base64 text.
            value: Buffer.from(randomBytes(16).toString("hex")).toString("base64"),
            createdAt: this.now(),
            revokeAfter,
        };
        this.tokens.push(t);
        return t;
    }

    /**
     * DelegateNgTokenInternalResource.getDelegateTokens: with a name, that token whatever its
     * scope and status (getDelegateToken by account and name), else the scope's tokens (its
     * owner exactly) of the status if given.
     */
    read(scope: Scope, name: string | undefined, status: DelegateTokenStatus | undefined): StoredDelegateToken[] {
        if (name && name.trim() !== "") {
            const t = this.byName(name);
            return t ? [t] : [];
        }
        this.expire();
        return this.tokens.filter((t) => sameScope(t.scope, scope) && (!status || t.status === status));
    }

    /**
     * DelegateNgTokenServiceImpl.revokeDelegateToken: by account and name (the scope is not
     * checked), "Specified token does not exist." / "Specified token is already revoked.".
     */
    revoke(name: string): StoredDelegateToken {
        const t = this.byName(name);
        if (!t) throw invalidRequest("Specified token does not exist.");
        if (t.status === "REVOKED") throw invalidRequest("Specified token is already revoked.");
        this.markRevoked(t);
        return t;
    }

    /**
     * The purge (DELETE /ng/api/delegate-token-ng, the SDK's DeleteCgDelegateToken; its server
     * side is newer than the mirror): only a revoked token is deleted, which frees its name. The
     * wording of its refusals is the stand-in's, in the style of revokeDelegateToken's.
     */
    purge(name: string): void {
        const t = this.byName(name);
        if (!t) throw invalidRequest("Specified token does not exist.");
        if (t.status !== "REVOKED")
            throw invalidRequest(`Token ${name} is ACTIVE: only a revoked token can be deleted. Revoke it first.`);
        this.tokens.splice(this.tokens.indexOf(t), 1);
    }

    /** DelegateNgTokenInternalResource.list: the token must exist (doesDelegateTokenExist; no name passes). */
    checkTokenExists(name: string | undefined): void {
        if (name === undefined || name === "") return;
        if (!this.byName(name))
            // DelegateTokenNgResource turns the InvalidRequestException into EntityNotFoundException.
            throw new HarnessError(404, "ENTITY_NOT_FOUND", "No such delegate token exists.");
    }

    /**
     * A delegate's heartbeat (the stand-in's one call for registering and heartbeating). As
     * DelegateTokenAuthenticatorImpl: a token of another account, or no token of this one, is
     * "Invalid delegate token" (INVALID_TOKEN); a revoked one (auto-revoked at revokeAfter too)
     * "Invalid delegate token. Delegate is using revoked token" (REVOKED_TOKEN). As
     * DelegateServiceImpl.register: the delegate's scope is its token's owner; one group per name
     * and scope (upsertDelegateGroup), its tags replaced by those of the newest instance to register
     * (an instance registers once: its first heartbeat here). The stand-in refuses
     * (400 INVALID_REQUEST, its own rule) a heartbeat that names another org or project than the
     * token's, which a real delegate would register in instead.
     */
    heartbeat(hb: DelegateHeartbeat): { group: StoredDelegateGroup; instance: StoredDelegateInstance } {
        this.expire();
        const token = hb.accountId === this.accountId ? this.tokens.find((t) => t.value === hb.token) : undefined;
        if (!token) throw new HarnessError(401, "INVALID_TOKEN", "Invalid delegate token");
        if (token.status === "REVOKED")
            throw new HarnessError(401, "REVOKED_TOKEN", "Invalid delegate token. Delegate is using revoked token");
        const claimed: Scope = { org: hb.orgIdentifier || undefined, project: hb.projectIdentifier || undefined };
        if ((claimed.org || claimed.project) && !sameScope(claimed, token.scope))
            throw invalidRequest(
                `the delegate says it is of ${scopeText(claimed)} but its token [${token.name}] is of ${scopeText(token.scope)}`,
            );
        const scope = token.scope;
        let group = this.groups.find((g) => g.name === hb.delegateName && sameScope(g.scope, scope));
        if (!group) {
            group = {
                uuid: randomUUID(),
                identifier: normalizeIdentifier(hb.delegateName),
                name: hb.delegateName,
                scope: { ...scope },
                delegateType: hb.delegateType ?? "HELM_DELEGATE",
                tags: [],
                instances: [],
            };
            this.groups.push(group);
        }
        let instance = group.instances.find((i) => i.hostName === hb.hostName);
        if (!instance) {
            // A new instance is a registration (DelegateServiceImpl.register → upsertDelegateGroup):
            // the group takes ITS tags and description. A heartbeat of an instance already registered
            // only moves lastHeartBeat, so while a rollout runs, the old pod's heartbeats do not put
            // back the tags the new pod registered with.
            group.tags = [...new Set(hb.tags ?? [])];
            if (hb.description !== undefined) group.description = hb.description;
            instance = {
                uuid: randomUUID(),
                hostName: hb.hostName,
                tokenName: token.name,
                lastHeartBeat: 0,
                version: "",
            };
            group.instances.push(instance);
        }
        instance.tokenName = token.name;
        instance.lastHeartBeat = this.now();
        instance.version = hb.version ?? "26.02.88404";
        instance.namespace = hb.namespace;
        instance.serviceAccount = hb.serviceAccount;
        instance.inheritCredential = hb.inheritCredential;
        return { group, instance };
    }

    /**
     * DelegateServiceImpl.deleteDelegateGroupV2 (DelegateSetupNgResource.deleteDelegateGroup, through
     * deleteDelegateGroupV3): the group of this scope (owner exactly) and identifier, else "Delegate
     * doesn't exist or it is already deleted."; then each instance in turn through delete(), which
     * refuses one still live ("Unable to delete delegate. Delegate <id> is connected",
     * checkDelegateLiveness) without undoing the instances deleted before it (the loop is not a
     * transaction); then the group. V3 turns the exception into its message, which the NG resource
     * throws again as an InvalidRequestException: 400 INVALID_REQUEST with that message.
     */
    deleteGroup(scope: Scope, identifier: string): void {
        const group = this.groups.find((g) => sameScope(g.scope, scope) && g.identifier === identifier);
        if (!group) throw invalidRequest("Delegate doesn't exist or it is already deleted.");
        for (const instance of [...group.instances]) {
            if (this.live(instance))
                throw invalidRequest(`Unable to delete delegate. Delegate ${instance.uuid} is connected`);
            group.instances.splice(group.instances.indexOf(instance), 1);
        }
        this.groups.splice(this.groups.indexOf(group), 1);
    }

    /**
     * DelegateDao.checkDelegateLiveness: a heartbeat within EXPIRY_TIME (one minute; the stand-in's
     * heartbeat expiry when a test shortens it below that), or, with Redis, isDelegateHeartBeatUpToDate.
     */
    private live(i: StoredDelegateInstance): boolean {
        return i.lastHeartBeat > this.now() - Math.min(LIVENESS_EXPIRY_MS, this.heartbeatExpiryMs);
    }

    /** DelegateDao.isDelegateHeartBeatUpToDate. */
    upToDate(i: StoredDelegateInstance): boolean {
        return i.lastHeartBeat >= this.now() - this.heartbeatExpiryMs;
    }

    /** DelegateNgTokenServiceImpl.isDelegateTokenActive: a token not found counts as active (the caller's default). */
    private tokenActive(name: string): boolean {
        const t = this.byName(name);
        return !t || t.status === "ACTIVE";
    }

    /** Implicit selectors (retrieveDelegateGroupImplicitSelectors): the group's name, lower-cased. */
    selectorsOf(g: StoredDelegateGroup): string[] {
        return [...new Set([g.name.toLowerCase(), ...g.tags])];
    }

    /**
     * DelegateSetupServiceImpl.getDelegateGroupDetails + buildDelegateGroupDetails: the scope's
     * groups (owner exactly), with a token name only those with an instance using it (and only
     * those instances); "connected" when every instance is up to date, "partially connected" when
     * some, "disconnected" when none; activelyConnected unless disconnected; tokenActive false when
     * any instance's token is not active.
     */
    groupDetails(scope: Scope, tokenName: string | undefined): Json[] {
        return this.groups
            .filter((g) => sameScope(g.scope, scope))
            .map((g) => ({ g, instances: g.instances.filter((i) => !tokenName || i.tokenName === tokenName) }))
            .filter(({ instances }) => !tokenName || instances.length > 0)
            .map(({ g, instances }) => {
                const inner = instances.map((i) => ({
                    uuid: i.uuid,
                    lastHeartbeat: i.lastHeartBeat,
                    activelyConnected: this.upToDate(i),
                    hostName: i.hostName,
                    tokenActive: this.tokenActive(i.tokenName),
                    version: i.version,
                }));
                const up = inner.filter((i) => i.activelyConnected).length;
                const status = up === 0 ? "disconnected" : up >= inner.length ? "connected" : "partially connected";
                const detail: Json = {
                    groupId: g.uuid,
                    delegateGroupIdentifier: g.identifier,
                    delegateType: g.delegateType,
                    groupName: g.name,
                    groupImplicitSelectors: { [g.name.toLowerCase()]: "GROUP_NAME" },
                    groupCustomSelectors: g.tags,
                    lastHeartBeat: Math.max(0, ...instances.map((i) => i.lastHeartBeat)),
                    delegateInstanceDetails: inner,
                    connectivityStatus: status,
                    activelyConnected: status !== "disconnected",
                    tokenActive: inner.every((i) => i.tokenActive),
                };
                if (g.description !== undefined) detail.delegateDescription = g.description;
                return detail;
            });
    }

    /**
     * DelegateSetupServiceImpl.listDelegates: the scope's groups (owner exactly) whose name
     * CONTAINS delegateName (getDelegateGroupIds), their instances filtered by status CONNECTED or
     * DISCONNECTED (filterByDelegateInstanceConnectionStatus), groups left without an instance
     * dropped when a status is given, connected first; connected when any replica is.
     */
    list(scope: Scope, filter: { delegateName?: string; status?: string; delegateTags?: string[] }): Json[] {
        return this.groups
            .filter((g) => sameScope(g.scope, scope))
            .filter((g) => !filter.delegateName || g.name.includes(filter.delegateName))
            .filter(
                (g) =>
                    !filter.delegateTags?.length || filter.delegateTags.every((t) => this.selectorsOf(g).includes(t)),
            )
            .map((g) => {
                let instances = g.instances;
                if (filter.status === "CONNECTED") instances = instances.filter((i) => this.upToDate(i));
                if (filter.status === "DISCONNECTED") instances = instances.filter((i) => !this.upToDate(i));
                return { g, instances };
            })
            .filter(
                ({ instances }) =>
                    !(filter.status === "CONNECTED" || filter.status === "DISCONNECTED") || instances.length,
            )
            .map(({ g, instances }) => {
                const replicas = instances.map((i) => ({
                    uuid: i.uuid,
                    lastHeartbeat: i.lastHeartBeat,
                    connected: this.upToDate(i),
                    hostName: i.hostName,
                    version: i.version,
                    expiringAt: 0,
                }));
                return {
                    type: g.delegateType,
                    name: g.name,
                    description: g.description ?? null,
                    tags: this.selectorsOf(g),
                    lastHeartBeat: Math.max(0, ...instances.map((i) => i.lastHeartBeat)),
                    delegateReplicas: replicas,
                    autoUpgrade: "OFF",
                    connected: replicas.some((r) => r.connected),
                    legacy: false,
                };
            })
            .sort((a, b) => Number(b.connected) - Number(a.connected));
    }

    /**
     * The registered instances that can take a task for an entity in `scope`: up to date, their
     * token active, their group's owner serving the scope (account delegates serve every scope).
     */
    usable(scope: Scope): { group: StoredDelegateGroup; instance: StoredDelegateInstance }[] {
        this.expire();
        return this.groups
            .filter((g) => servesScope(g.scope, scope))
            .flatMap((group) => group.instances.map((instance) => ({ group, instance })))
            .filter(({ instance }) => this.upToDate(instance) && this.tokenActive(instance.tokenName));
    }
}

/** DelegateTokenDetails as getDelegateTokenDetails builds it (the value only when asked for). */
export function tokenDetails(t: StoredDelegateToken, accountId: string, includeValue: boolean): Json {
    // No uuid: getDelegateTokenDetails does not set it (the SDK's model has the field).
    const d: Json = { accountId, name: t.name, createdAt: t.createdAt, status: t.status };
    if (includeValue) d.value = t.value;
    const owner = ownerIdentifier(t.scope);
    if (owner) d.ownerIdentifier = owner;
    if (t.revokeAfter !== undefined) d.revokeAfter = t.revokeAfter;
    return d;
}
