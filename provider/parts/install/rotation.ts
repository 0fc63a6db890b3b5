// When the installed delegate's token must be replaced. Pure: `diff` asks it (a rotation due is an
// update with no input changed) and the install step acts on it.
import type { InstallSettings } from "../../inputs/delegateName";
import type { InstalledDelegateState } from "./record";

/** A day, in ms (token lifetimes are given in days). */
export const DAY_MS = 86_400_000;

/**
 * Whether the recorded token must be replaced: another delegate, another name asked for, or too
 * little life left. Never with `token.existingSecret`: that token is the user's, not minted here.
 */
export function tokenRotationDue(
    settings: InstallSettings,
    name: string,
    previous: InstalledDelegateState | undefined,
    now = Date.now(),
): boolean {
    if (settings.token.existingSecret !== undefined) return false;
    if (!previous || previous.name !== name) return true;
    if (settings.token.name !== undefined && settings.token.name !== previous.tokenName) return true;
    if (!previous.tokenExpiresAt) return settings.token.ttlDays !== undefined;
    const before = (settings.token.rotateBeforeDays ?? Math.ceil((settings.token.ttlDays ?? 0) / 4)) * DAY_MS;
    return Date.parse(previous.tokenExpiresAt) - now < before;
}
