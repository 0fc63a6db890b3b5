// @pulumi/pulumi's provider host (3.259) answers Diff with changes, replaces and
// deleteBeforeReplace only: its DiffResult has no detailedDiff, and server.js builds the
// DiffResponse itself. So that `pulumi preview --diff` shows which property changed and which
// forces the replacement, this wraps the host's Diff handler when the host registers its gRPC
// service: the provider's diff leaves its property-level changes here, by URN, and the wrapper
// adds them to the host's response (detailedDiff, hasDetailedDiff and the changed top-level keys).
import * as path from "node:path";
import type * as provider from "@pulumi/pulumi/provider";
import type { ConnectorPlugin, DetailedDiffResult } from "../adapters/plugin";
import type { PropertyChange } from "../lifecycle";

/** The gRPC library instance the provider host uses (resolved from @pulumi/pulumi's folder). */
function hostGrpc(): any {
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    return require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
}

/** The kind of a PropertyDiff in the engine's protocol. */
function kindOf(change: PropertyChange, Kind: Record<string, number>): number {
    const base = change.kind === "add" ? "ADD" : change.kind === "delete" ? "DELETE" : "UPDATE";
    return Kind[change.replace ? `${base}_REPLACE` : base];
}

/** Adds a diff's property-level changes to the host's DiffResponse. */
function addDetail(resp: any, changes: PropertyChange[]): void {
    const proto = require("@pulumi/pulumi/proto/provider_pb");
    const detailed = resp.getDetaileddiffMap();
    for (const change of changes) {
        const diff = new proto.PropertyDiff();
        diff.setKind(kindOf(change, proto.PropertyDiff.Kind));
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
    const grpc = hostGrpc();
    const { ResourceProviderService } = require("@pulumi/pulumi/proto/provider_grpc_pb");
    const addService = grpc.Server.prototype.addService;
    grpc.Server.prototype.addService = function (service: unknown, impl: any) {
        if (service === ResourceProviderService && typeof impl.diff === "function") {
            const hostDiff = impl.diff.bind(impl);
            impl.diff = (call: any, callback: (err: unknown, resp?: any, ...rest: unknown[]) => void) =>
                hostDiff(call, (err: unknown, resp?: any, ...more: unknown[]) => {
                    const urn = call.request.getUrn();
                    const result = pending.get(urn);
                    pending.delete(urn);
                    if (!err && resp && result?.changes) addDetail(resp, result.detailedDiff);
                    callback(err, resp, ...more);
                });
        }
        return addService.call(this, service, impl);
    };
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
