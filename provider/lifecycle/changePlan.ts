// What an update means, computed from the record (old outputs) and the new inputs: pure, so it is
// unit-tested. planConnectorDiff says which inputs changed; planUpdate turns that, and the state of
// the recorded delegate, into the one decision `diff` reports and `update` carries out.

import { type ChangeEffect, ownFields } from "../inputs/fieldMeta";
import { connectorInputsSchema } from "../inputs/schema";
import { UNKNOWN } from "../inputs/validate";
import { tokenNeedsRenewal } from "../parts/identity/plan";
import { tokenRotationDue } from "../parts/install/rotation";
import { recordedHarnessDrift } from "../parts/registration/drift";
import { checkedInput, recordedInput } from "../state/decode";
import type { ConnectorOutputs } from "../state/record";

/** The inputs whose change has `effect` (each input declares it: `.meta({ effect })` in provider/inputs/schema.ts). */
function inputsWithEffect(effect: ChangeEffect): string[] {
    return ownFields(connectorInputsSchema, (m) => m.effect === effect);
}

/** Inputs whose change makes a new connector (Harness identifiers and scope are immutable). */
export const REPLACE_KEYS: readonly string[] = inputsWithEffect("replace");
/** Inputs that change how the connector reaches the cluster: the connection test runs again. */
export const CONNECTION_KEYS: readonly string[] = inputsWithEffect("retest");
/** Inputs that change only how the connector is described: updated without touching the cluster. */
export const COSMETIC_KEYS: readonly string[] = inputsWithEffect("cosmetic");
/** How the connector is registered in Harness: changes touch Harness only. */
export const HARNESS_KEYS: readonly string[] = inputsWithEffect("harness");

/** Which inputs changed. */
export interface ConnectorDiff {
    changes: boolean;
    /** Properties that force a replacement. */
    replaces: string[];
    /** True when the connection test must run again. */
    retest: boolean;
    /** Every input that changed. */
    changed: string[];
}

/** JSON with sorted keys and without undefined, so that equal values compare equal. */
export function canonical(value: unknown): string {
    return JSON.stringify(value, (_k, v) =>
        v && typeof v === "object" && !Array.isArray(v)
            ? Object.fromEntries(
                  Object.keys(v)
                      .sort()
                      .filter((k) => v[k] !== undefined)
                      .map((k) => [k, v[k]]),
              )
            : v,
    );
}

function containsUnknown(v: unknown): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(containsUnknown);
    if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
    return false;
}

/** Empty lists and maps mean the same as absent ones. */
function normalize(v: unknown): unknown {
    if (Array.isArray(v) && v.length === 0) return undefined;
    if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) return undefined;
    return v;
}

/** Which inputs changed from `olds` (the record) to `news` (the checked inputs), and what that forces. */
export function planConnectorDiff(olds: object, news: Record<string, unknown>): ConnectorDiff {
    const changed = [...REPLACE_KEYS, ...CONNECTION_KEYS, ...COSMETIC_KEYS, ...HARNESS_KEYS].filter((key) => {
        const before = normalize(recordedInput(olds, key));
        const after = normalize(checkedInput(news, key));
        return containsUnknown(after) || canonical(before) !== canonical(after);
    });
    const replaces = changed.filter((k) => REPLACE_KEYS.includes(k));
    if (changed.includes("harness") && movesHarnessAccount(recordedInput(olds, "harness"), news.harness))
        replaces.push("harness");
    const retest = changed.some((k) => CONNECTION_KEYS.includes(k));
    return { changes: changed.length > 0, replaces, retest, changed };
}

/** A connector registered in one account (or Harness) cannot move to another: it is made anew there. */
function movesHarnessAccount(before: unknown, after: unknown): boolean {
    const b = before as { accountId?: unknown; endpoint?: unknown } | undefined;
    const a = after as { accountId?: unknown; endpoint?: unknown } | undefined;
    if (!a || !b) return false;
    return a.accountId !== b.accountId || a.endpoint !== b.endpoint;
}

/** Whether the replacement would meet the old connector in Harness: same account and scope, same identifier or name. */
function collidesInHarness(olds: ConnectorOutputs, news: Record<string, unknown>): boolean {
    const harness = news.harness as { accountId?: unknown; endpoint?: unknown } | undefined;
    if (!olds.harness || !harness || movesHarnessAccount(recordedInput(olds, "harness"), harness)) return false;
    const sameScope = olds.orgIdentifier === news.orgIdentifier && olds.projectIdentifier === news.projectIdentifier;
    const newIdentifier = news.identifier ?? olds.identifier;
    // Identifiers are unique per scope; names are not (harness-core dropped the name check in 2022).
    return sameScope && newIdentifier === olds.identifier;
}

/** Why the recorded delegate needs work although no input changed. */
export type DelegateRepair = "drift" | "renew-token" | "rotate-delegate-token";

/** The recorded delegate's need for work: drift found by refresh, a bound token near its end, an installed delegate's token to rotate. */
export function delegateRepair(
    olds: Pick<ConnectorOutputs, "delegate" | "inputs">,
    now = Date.now(),
): DelegateRepair | undefined {
    const state = olds.delegate;
    const settings = olds.inputs?.delegate;
    if (!state || !settings) return undefined;
    if (state.drift?.length || state.install?.drift?.length) return "drift";
    const install = settings.install;
    if (install && state.install && tokenRotationDue(install, state.install.name, state.install, now))
        return "rotate-delegate-token";
    if (
        settings.token === "bound" &&
        tokenNeedsRenewal(state.tokenIssuedAt, state.tokenExpiresAt, settings.tokenRenewFraction, now)
    )
        return "renew-token";
    return undefined;
}

/** What an update must do: the one decision `diff` reports and `update` executes. */
export interface UpdatePlan extends ConnectorDiff {
    /** Provision (or remove) the delegate's objects: its settings or the credential changed, or it needs repair. */
    provisionDelegate: boolean;
    /** Why the delegate needs work when no input changed. */
    repair?: DelegateRepair;
    /**
     * What the Harness side must do: `register` (create, or update what changed: the connector,
     * secret values; also to repair drift refresh found), `deregister` (the harness block was removed).
     */
    harness?: "register" | "deregister";
    /**
     * A replacement must delete the old connector first when the two would hold the same things:
     * it keeps its identifier (only the scope changed: the delegate's owner stays the same, and
     * deleting the old after the new one was made would remove the new one's objects), both
     * declare a delegate with the same ServiceAccount (the new one's objects would collide with the
     * old one's, which another owner holds), or both are registered in the same Harness account and
     * scope with the same identifier (Harness keeps identifiers unique per scope, not names).
     */
    deleteBeforeReplace: boolean;
}

/** Decides what updating the record `olds` to the checked inputs `news` must do. */
export function planUpdate(olds: ConnectorOutputs, news: Record<string, unknown>, now = Date.now()): UpdatePlan {
    const diff = planConnectorDiff(olds, news);
    const repair = delegateRepair(olds, now);
    const provisionDelegate =
        diff.changed.includes("delegate") || diff.changed.includes("credential") || repair !== undefined;
    const harnessDrift = recordedHarnessDrift(olds.harness).length > 0;
    const harness = news.harness
        ? diff.changes || repair !== undefined || harnessDrift || !olds.harness
            ? ("register" as const)
            : undefined
        : olds.harness
          ? ("deregister" as const)
          : undefined;
    const identifier = news.identifier;
    const delegate = news.delegate as Partial<Record<"namespace" | "serviceAccountName", unknown>> | undefined;
    const sameServiceAccount =
        !!olds.delegate &&
        !!delegate &&
        delegate.namespace === olds.delegate.namespace &&
        delegate.serviceAccountName === olds.delegate.serviceAccountName;
    const deleteBeforeReplace =
        diff.replaces.length > 0 &&
        ((typeof identifier === "string" && identifier === olds.identifier) ||
            sameServiceAccount ||
            collidesInHarness(olds, news));
    return {
        ...diff,
        deleteBeforeReplace,
        changes: diff.changes || repair !== undefined || harnessDrift,
        provisionDelegate,
        repair,
        harness,
    };
}
