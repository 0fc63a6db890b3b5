// @pulumi/pulumi's provider host (3.259) answers Diff with changes, replaces and
// deleteBeforeReplace only: its DiffResult has no detailedDiff, and server.js builds the
// DiffResponse itself. So that `pulumi preview --diff` shows which property changed and which
// forces the replacement, this wraps the host's Diff handler (hostService.ts): the provider's
// diff leaves its property-level changes here, by URN, and the wrapper adds them to the host's
// response (detailedDiff, hasDetailedDiff and the changed top-level keys).
import * as proto from "@pulumi/pulumi/proto/provider_pb";
import type * as provider from "@pulumi/pulumi/provider";
import type { ConnectorPlugin, DetailedDiffResult } from "../adapters/plugin";
import type { PropertyChange } from "../lifecycle";
import { hookHostHandler } from "./hostService";

/** The kind of a PropertyDiff in the engine's protocol. */
function kindOf(change: PropertyChange): proto.PropertyDiff.Kind {
    const base = change.kind === "add" ? "ADD" : change.kind === "delete" ? "DELETE" : "UPDATE";
    const name: keyof typeof proto.PropertyDiff.Kind = change.replace ? `${base}_REPLACE` : base;
    return proto.PropertyDiff.Kind[name];
}

/** Adds a diff's property-level changes to the host's DiffResponse. */
function addDetail(resp: any, changes: PropertyChange[]): void {
    const detailed = resp.getDetaileddiffMap();
    for (const change of changes) {
        const diff = new proto.PropertyDiff();
        diff.setKind(kindOf(change));
        diff.setInputdiff(true);
        detailed.set(change.path, diff);
    }
    resp.setDiffsList([...new Set(changes.map((c) => c.path.split(/[.[]/)[0]))]);
    resp.setHasdetaileddiff(true);
}

/**
 * The provider for `pulumi.provider.main`, whose Diff answers carry the plugin's detailed diff.
 * Call once, before `main`.
 */
export function withDetailedDiff(plugin: ConnectorPlugin, rest: Partial<provider.Provider>): provider.Provider {
    const pending = new Map<string, DetailedDiffResult>();
    hookHostHandler(
        "diff",
        (hostDiff) => (call, callback) =>
            hostDiff(call, (err, resp, ...more) => {
                const urn = call.request.getUrn();
                const result = pending.get(urn);
                pending.delete(urn);
                if (!err && resp && result?.changes) addDetail(resp, result.detailedDiff);
                callback(err, resp, ...more);
            }),
    );
    return {
        ...rest,
        ...plugin,
        diff: async (id, urn, olds, news) => {
            const result = await plugin.diff(id, urn, olds, news);
            pending.set(urn, result);
            return result;
        },
    };
}
