// What both adapters (dynamic.ts and plugin.ts) do alike with the engine's property bags: split
// the user's inputs from the keys the engine or an SDK adds, read a record an earlier version
// wrote as this one's (upgradeRecord), and show the lifecycle's warnings.

/** A property bag as the engine sends it. */
export type Props = Record<string, any>;

/** The user's inputs, without the keys the engine or the SDK adds (`__provider`, `__owner`). */
export function userInputs(props: Props): Props {
    return Object.fromEntries(Object.entries(props).filter(([k]) => !k.startsWith("__")));
}

/** The keys the engine or the SDK adds, which every answer carries back. */
export function engineKeys(props: Props): Props {
    return Object.fromEntries(Object.entries(props).filter(([k]) => k.startsWith("__")));
}

/** Prints warnings where the engine shows a provider's output: in the stack's diagnostics. */
export function warn(warnings: string[]): void {
    for (const w of warnings) console.warn(`warning: ${w}`);
}

/**
 * A record as this version keeps it, from one any version wrote: the previous one kept the
 * inputs `connectionTest`, `delegate` and `harness` at the top as `connectionTestSettings`,
 * `delegateSettings` and `harnessSettings`, and the derivable `ref` and `authType`. Values move
 * as they are (a secret wrapper of the plugin's bags moves with its value). Idempotent; imports
 * nothing, so the dynamic adapter applies it before it loads anything.
 */
export function upgradeRecord(record: object): Record<string, any> {
    const legacy = ["connectionTestSettings", "delegateSettings", "harnessSettings"] as const;
    if ("inputs" in record || !legacy.some((k) => k in record)) return record;
    const {
        connectionTestSettings,
        delegateSettings,
        harnessSettings,
        ref: _ref,
        authType: _authType,
        ...rest
    } = record as Record<string, unknown>;
    const inputs = Object.fromEntries(
        Object.entries({
            connectionTest: connectionTestSettings,
            delegate: delegateSettings,
            harness: harnessSettings,
        }).filter(([, v]) => v !== undefined),
    );
    return { ...rest, inputs };
}
