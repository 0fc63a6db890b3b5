// Where the plugin amends @pulumi/pulumi's provider host (3.259) without copying it: when the
// host registers its gRPC ResourceProvider service, named handlers are wrapped before the gRPC
// server binds them. detailedDiff.ts adds the property-level diff to Diff's answer;
// importRead.ts lets Read run with only an id.
import * as path from "node:path";
import { ResourceProviderService } from "@pulumi/pulumi/proto/provider_grpc_pb";

/** A gRPC unary handler as the host implements it. */
export type Handler = (call: any, callback: (err: unknown, resp?: any, ...rest: unknown[]) => void) => void;

/** Wraps a handler of the host's service. */
export type HandlerHook = (hostHandler: Handler) => Handler;

const hooks = new Map<string, HandlerHook[]>();
let installed = false;

/** A module as the provider host loads it (resolved from @pulumi/pulumi's folder): the same instance. */
export function hostRequire(id: string): any {
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    return require(require.resolve(id, { paths: [pulumiDir] }));
}

/** Wraps the host's handler of `method` (e.g. "diff", "read"); call before `main`. */
export function hookHostHandler(method: string, hook: HandlerHook): void {
    hooks.set(method, [...(hooks.get(method) ?? []), hook]);
    if (installed) return;
    installed = true;
    const grpc = hostRequire("@grpc/grpc-js");
    const addService = grpc.Server.prototype.addService;
    grpc.Server.prototype.addService = function (service: unknown, impl: Record<string, unknown>) {
        if (service === ResourceProviderService) {
            for (const [name, wrappers] of hooks) {
                const handler = impl[name];
                if (typeof handler !== "function") continue;
                impl[name] = wrappers.reduce((h, wrap) => wrap(h), (handler as Handler).bind(impl));
            }
        }
        return addService.call(this, service, impl);
    };
}
