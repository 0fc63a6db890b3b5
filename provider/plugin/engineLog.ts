// Where the plugin's warnings go: the engine's Log service, attached to the resource's URN, as a
// provider written with Pulumi's Go SDK logs through `host.Log`. The engine shows a provider
// plugin's standard error only in its own logs, so a warning printed there (what an import
// rebuilt, a purge Harness refused, a delegate Harness kept) never reached the user.
import { printWarnings, type ShowWarnings } from "../adapters/engineProps";
import { hostRequire } from "./hostService";

/**
 * The engine's address among the plugin's arguments (the first that is not a logging or tracing
 * flag, as @pulumi/pulumi's provider host reads it), or undefined when started without one.
 */
export function engineAddress(args: string[]): string | undefined {
    return hostRequire("@pulumi/pulumi/provider/internals").parseArgs(args)?.engineAddress;
}

/** How long one warning may take to reach the engine before it is printed instead. */
const LOG_TIMEOUT_MS = 5_000;

/** Sends warnings to the engine at `address` with the resource's URN; prints them when it refuses. */
export function engineWarnings(address: string): ShowWarnings {
    const grpc = hostRequire("@grpc/grpc-js");
    const { EngineClient } = hostRequire("@pulumi/pulumi/proto/engine_grpc_pb");
    const { LogRequest, LogSeverity } = hostRequire("@pulumi/pulumi/proto/engine_pb");
    const client = new EngineClient(address, grpc.credentials.createInsecure());
    const send = (urn: string, message: string) =>
        new Promise<void>((resolve, reject) => {
            const req = new LogRequest();
            req.setSeverity(LogSeverity.WARNING);
            req.setMessage(message);
            req.setUrn(urn);
            const deadline = Date.now() + LOG_TIMEOUT_MS;
            client.log(req, new grpc.Metadata(), { deadline }, (err: Error | null) => (err ? reject(err) : resolve()));
        });
    return async (urn, warnings) => {
        for (const w of warnings) {
            // A warning the engine did not take still reaches its log; the operation goes on.
            await send(urn, w).catch(() => printWarnings(urn, [w]));
        }
    };
}
