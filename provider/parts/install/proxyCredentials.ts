// When the proxy's credentials last changed: the pod template carries that time so that a change
// rolls the pods (a container's environment is fixed when it starts), where a digest of the
// credentials would let anyone who reads the Deployment test guesses of them. Pure.
import type { InstallSettings } from "../../inputs/delegateName";
import type { InstalledDelegateState } from "./record";

/**
 * `now` (ISO 8601) when the proxy's user or password differs from the previous install's (the
 * values are compared here, in memory, never stored or digested), else the time recorded before.
 * Undefined on a first install: its pods start with the credentials. With the previous settings
 * unknown (an imported record), credentials now count as a change: one roll more, never one less.
 */
export function proxyCredentialsChangedAt(
    previous: { state?: InstalledDelegateState; settings?: InstallSettings } | undefined,
    settings: InstallSettings,
    now: Date,
): string | undefined {
    if (!previous?.state) return undefined;
    const before = previous.settings?.proxy;
    const after = settings.proxy;
    const unchanged = previous.settings
        ? before?.user === after?.user && before?.password === after?.password
        : after?.user === undefined;
    return unchanged ? previous.state.proxyCredentialsChangedAt : now.toISOString();
}
