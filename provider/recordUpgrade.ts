// Records written by earlier versions, read by this one: one function, with no imports, so that
// the dynamic adapter can apply it before it loads anything (a destroy loads only lifecycle/delete).

/**
 * A record as this version keeps it, from one any version wrote: the previous one kept the
 * inputs `connectionTest`, `delegate` and `harness` at the top as `connectionTestSettings`,
 * `delegateSettings` and `harnessSettings`, and the derivable `ref` and `authType`. Values move
 * as they are (a secret wrapper of the plugin's bags moves with its value). Idempotent.
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
