// What an update means, computed from old outputs and new inputs: pure, so it is unit-tested.
import { UNKNOWN } from "./validate";

/** Inputs whose change makes a new connector (Harness identifiers and scope are immutable). */
export const REPLACE_KEYS = ["identifier", "orgIdentifier", "projectIdentifier"] as const;
/** Inputs that change how the connector reaches the cluster: the connection test runs again. */
export const CONNECTION_KEYS = ["credential", "connectionTest", "delegate"] as const;
/** Inputs that change only how the connector is described: updated without touching the cluster. */
export const COSMETIC_KEYS = ["name", "description", "tags", "delegateSelectors"] as const;

/** Where each input is kept in the outputs (the `connectionTest` and `delegate` outputs are what happened). */
const OUTPUT_KEY: Record<string, string> = { connectionTest: "connectionTestSettings", delegate: "delegateSettings" };

/** The decision for one update. */
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
        v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => [k, v[k]])) : v);
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

/** Decides what changing `olds` (the stored outputs) into `news` (the checked inputs) means. */
export function planConnectorDiff(olds: Record<string, unknown>, news: Record<string, unknown>): ConnectorDiff {
    const changed = [...REPLACE_KEYS, ...CONNECTION_KEYS, ...COSMETIC_KEYS].filter((key) => {
        const before = normalize(olds[OUTPUT_KEY[key] ?? key]);
        const after = normalize(news[key]);
        return containsUnknown(after) || canonical(before) !== canonical(after);
    });
    const replaces = changed.filter((k) => (REPLACE_KEYS as readonly string[]).includes(k));
    const retest = changed.some((k) => (CONNECTION_KEYS as readonly string[]).includes(k));
    return { changes: changed.length > 0, replaces, retest, changed };
}
