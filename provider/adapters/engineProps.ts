// What both adapters (dynamic.ts and plugin.ts) do alike with the engine's property bags: split
// the user's inputs from the keys the engine or an SDK adds, and show the lifecycle's warnings. A
// record an earlier version wrote is read by provider/state (migrations.ts).

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

/** Prints warnings on standard error: where the dynamic provider's host has the engine show them. */
export function warn(warnings: string[]): void {
    for (const w of warnings) console.warn(`warning: ${w}`);
}

/** Shows one resource's warnings to the user; resolves once they are handed over. */
export type ShowWarnings = (urn: string, warnings: string[]) => Promise<void>;

/** Shows warnings as `warn` does: where there is no engine to send them to. */
export const printWarnings: ShowWarnings = async (_urn, warnings) => warn(warnings);
