// Custom timeouts (the `customTimeouts` resource option): the engine sends them to the plugin in
// the `timeout` (seconds) of each CreateRequest, UpdateRequest and DeleteRequest; @pulumi/pulumi
// 3.259's provider host drops the field. This wraps the host's handlers (hostService.ts) so that
// the provider's create, update and delete run under that overall deadline (provider/deadline.ts):
// every request and wait of the lifecycle ends by it, and a call cut short fails with TIMEOUT.
import { withOverallDeadline } from "../deadline";
import { hookHostHandler } from "./hostService";

/** Runs the host's create, update and delete under the request's custom timeout; call before `main`. */
export function honourCustomTimeouts(): void {
    for (const method of ["create", "update", "delete"]) {
        hookHostHandler(method, (host) => (call, callback) => {
            const seconds = Number(call.request.getTimeout?.() ?? 0);
            withOverallDeadline(method, seconds, () => host(call, callback));
        });
    }
}
