// What the installed delegate's Secrets hold: its token, and the proxy's credentials when given.

import type { InstallSettings } from "../../inputs/delegateName";
import type { InstallSecrets } from "./objects";

/** The install's secret values for `settings`, with `token` (none with the user's token Secret: no Secret of ours holds it). */
export function installSecrets(settings: InstallSettings, token: string | undefined): InstallSecrets {
    return {
        ...(token !== undefined ? { delegateToken: token } : {}),
        ...(settings.proxy?.user !== undefined ? { proxyUser: settings.proxy.user } : {}),
        ...(settings.proxy?.password !== undefined ? { proxyPassword: settings.proxy.password } : {}),
    };
}
