// Which properties an update changes, down to the changed field (`credential.auth.token`), and
// which of them force a replacement: what a provider's detailed diff shows in `pulumi preview
// --diff`. Pure: computed from the record, the checked inputs and the update plan.
import { UNKNOWN } from "../inputs/validate";
import { type ConnectorOutputs, checkedInput, recordedInput } from "../state";
import { canonical, type UpdatePlan } from "./changePlan";

/** One changed property: its path (`credential.auth.token`, `tags["a.b"]`), how it changed, and whether it replaces. */
export interface PropertyChange {
    path: string;
    kind: "add" | "update" | "delete";
    replace: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
const isEmpty = (v: unknown) =>
    v === undefined || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);

/** `a.b`, or `a["b.c"]` for a key that is not a plain name. */
function child(path: string, key: string): string {
    return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** The leaves that differ between two values: into objects on both sides, whole otherwise. */
function leafChanges(path: string, before: unknown, after: unknown, replace: boolean): PropertyChange[] {
    if (after === UNKNOWN) return [{ path, kind: isEmpty(before) ? "add" : "update", replace }];
    if (isObject(before) && isObject(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
        return keys.flatMap((k) => leafChanges(child(path, k), before[k], after[k], replace));
    }
    if (isEmpty(before) && isEmpty(after)) return [];
    if (canonical(before) === canonical(after)) return [];
    return [{ path, kind: isEmpty(before) ? "add" : isEmpty(after) ? "delete" : "update", replace }];
}

/**
 * The property-level changes of an update planned by `planUpdate`. A delegate that needs repair
 * while no input changed shows as an update of `delegate`.
 */
export function propertyChanges(
    olds: ConnectorOutputs,
    news: Record<string, unknown>,
    plan: UpdatePlan,
): PropertyChange[] {
    const changes = plan.changed.flatMap((key) =>
        leafChanges(key, recordedInput(olds, key), checkedInput(news, key), plan.replaces.includes(key)),
    );
    // A change the leaves do not show (e.g. an unknown value deep inside): the property as a whole.
    for (const key of plan.changed)
        if (!changes.some((c) => c.path === key || c.path.startsWith(`${key}.`) || c.path.startsWith(`${key}[`)))
            changes.push({ path: key, kind: "update", replace: plan.replaces.includes(key) });
    if (plan.repair && !changes.some((c) => c.path.startsWith("delegate")))
        changes.push({ path: "delegate", kind: "update", replace: false });
    return changes;
}
