// The engine sends the resource's old inputs with Diff, Update and Delete (`old_inputs`) and with
// Read (`inputs`, on refresh), but @pulumi/pulumi 3.259's provider host hands the provider only the
// old outputs. So that the plugin keeps the credential once (as the input the engine stores) and not
// a second time as an output, this wraps those handlers (hostService.ts): each call runs with the
// request's old inputs at hand, and the plugin's methods get them as their last argument.
import { AsyncLocalStorage } from "node:async_hooks";
import type * as provider from "@pulumi/pulumi/provider";
import type { Props } from "../adapters/engineProps";
import type { ConnectorPlugin } from "../adapters/plugin";
import { hookHostHandler } from "./hostService";

/** The old inputs of the request being served (undefined when it carries none: an import's read). */
const current = new AsyncLocalStorage<Props | undefined>();

/** Where each request keeps the old inputs. */
const OLD_INPUTS: Record<string, (request: any) => any> = {
    diff: (r) => r.getOldInputs?.(),
    update: (r) => r.getOldInputs?.(),
    delete: (r) => r.getOldInputs?.(),
    read: (r) => r.getInputs?.(),
};

/**
 * The provider for `pulumi.provider.main` whose diff, update, read and delete receive the request's
 * old inputs (as the engine sent them: secrets wrapped). Call once, before `main`.
 */
export function withOldInputs(plugin: ConnectorPlugin): ConnectorPlugin {
    for (const [method, get] of Object.entries(OLD_INPUTS)) {
        hookHostHandler(method, (host) => (call, callback) => {
            const struct = get(call.request);
            const inputs = struct ? (struct.toJavaScript() as Props) : undefined;
            current.run(inputs && Object.keys(inputs).length ? inputs : undefined, () => host(call, callback));
        });
    }
    const olds = () => current.getStore();
    return {
        ...plugin,
        diff: (id, urn, o, news) => plugin.diff(id, urn, o, news, olds()),
        update: (id, urn, o, news) => plugin.update(id, urn, o, news, olds()),
        read: (id, urn, props) => plugin.read(id, urn, props, olds()),
        delete: (id, urn, props) => plugin.delete(id, urn, props, olds()),
    } satisfies Partial<provider.Provider> as ConnectorPlugin;
}
