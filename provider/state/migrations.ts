// Every record layout an earlier version stored, read as this version's: the one place that knows
// them. It imports nothing at run time (types only), so the dynamic adapter applies it before it
// loads anything else: a destroy of connectors that own nothing outside the state stays small.
//
// The layouts, oldest first (test/fixtures/records holds one record of each, as that version wrote it):
// - before 94cd160 (`v0-*`): the inputs `connectionTest`, `delegate` and `harness` at the top as
//   `connectionTestSettings`, `delegateSettings` and `harnessSettings` (the settings with their
//   defaults), and the derivable `ref` and `authType` stored: moved and dropped by
//   {@link upgradeRecord}. That version also listed every check of the report, stored `masterUrl`
//   when it was the credential's, `__owner` without a delegate, the kubeconfig the credential
//   defines and the certificate's lifetime in the report: this version's decoder reads those as
//   they are (a recorded report stays as it is; the values stored in full win over the ones derived).
// - since 94cd160 (`main-*`): this version's layout (ConnectorOutputs); the plugin stores the
//   findings in full and no copy of the inputs (recordFromPluginState in decode.ts).
import type { ConnectorOutputs } from "./record";

/** The names the layout before 94cd160 kept the nested inputs under, by their input name. */
const SETTINGS_AT_THE_TOP = {
    connectionTest: "connectionTestSettings",
    delegate: "delegateSettings",
    harness: "harnessSettings",
} as const;

/**
 * A record as this version keeps it, from one any version wrote (see the layouts above). Values
 * move as they are (a secret wrapper of the plugin's bags moves with its value). Idempotent.
 */
export function upgradeRecord(record: object): Record<string, any> {
    const legacy = Object.values(SETTINGS_AT_THE_TOP);
    if ("inputs" in record || !legacy.some((k) => k in record)) return record;
    const r = record as Record<string, unknown>;
    const { ref: _ref, authType: _authType, ...rest } = r;
    for (const k of legacy) delete rest[k];
    const inputs = Object.fromEntries(
        Object.entries(SETTINGS_AT_THE_TOP)
            .map(([name, old]) => [name, r[old]])
            .filter(([, v]) => v !== undefined),
    );
    return { ...rest, inputs };
}

/** The record a stored bag (of any version, without secret wrappers) holds, in this version's layout. */
export function storedRecord(stored: object): ConnectorOutputs {
    return upgradeRecord(stored) as ConnectorOutputs;
}
