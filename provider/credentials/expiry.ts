// When a credential stops working, where that can be known without a cluster: a client
// certificate's notAfter, a token's `exp` claim when it is a JWT (ServiceAccount TokenRequest
// tokens, OIDC id_tokens), in a ManualConfig credential or an inline kubeconfig. Pure, so the
// provider can warn at preview and refuse an expired credential before sending anything.
import { type ConnectorError, connectorError } from "../errors";
import type { ConnectionTestSettings, Credential } from "../inputs/types";
import { credentialKind } from "./kinds";
import type { CredentialLifetime } from "./lifetime";

export { type CredentialLifetime, certificateLifetime, tokenLifetime } from "./lifetime";

/** Warn when less than this many days are left (connectionTest.expiryWarningDays)… */
export const DEFAULT_EXPIRY_WARNING_DAYS = 30;
/** …or less than this share of the credential's life (connectionTest.expiryWarningFraction). */
export const DEFAULT_EXPIRY_WARNING_FRACTION = 0.2;

/** The lifetime of what a credential sends, when the credential itself holds it (not exec plugins, files or OIDC grants). */
export function credentialLifetime(credential: Credential): CredentialLifetime | undefined {
    return credentialKind(credential).lifetime(credential);
}

/**
 * The credential's lifetime when it reads only fields that are not secret (a ManualConfig
 * ClientKeyCert's certificate): what the record need not store, since the SDK and the plugin
 * compute it from the credential. Undefined otherwise.
 */
export function publicLifetime(credential: Credential | undefined): CredentialLifetime | undefined {
    if (!credential) return undefined;
    const kind = credentialKind(credential);
    return kind.lifetimeIsPublic(credential) ? kind.lifetime(credential) : undefined;
}

/** Whether the credential has expired. */
export function hasExpired(lifetime: CredentialLifetime, now = Date.now()): boolean {
    return Date.parse(lifetime.expiresAt) <= now;
}

/**
 * A warning when the credential has expired, or when less than `expiryWarningDays` and less than
 * `expiryWarningFraction` of its life are left (whichever comes later: a one-year certificate
 * warns 30 days ahead, a one-hour token 12 minutes ahead); undefined otherwise.
 */
export function expiryWarning(
    lifetime: CredentialLifetime | undefined,
    settings: Pick<ConnectionTestSettings, "expiryWarningDays" | "expiryWarningFraction">,
    now = Date.now(),
): string | undefined {
    if (!lifetime) return undefined;
    const end = Date.parse(lifetime.expiresAt);
    const left = end - now;
    if (left <= 0) return `the connector's ${lifetime.source} expired at ${lifetime.expiresAt}: issue a new one`;
    const days = settings.expiryWarningDays ?? DEFAULT_EXPIRY_WARNING_DAYS;
    const fraction = settings.expiryWarningFraction ?? DEFAULT_EXPIRY_WARNING_FRACTION;
    const start = lifetime.issuedAt ? Date.parse(lifetime.issuedAt) : undefined;
    const share = start !== undefined && end > start ? left / (end - start) : undefined;
    if (left >= days * 86_400_000 || (share !== undefined && share >= fraction)) return undefined;
    const when =
        left >= 86_400_000
            ? `in ${Math.floor(left / 86_400_000)} day(s)`
            : `in ${Math.max(1, Math.round(left / 60_000))} minute(s)`;
    const part = share !== undefined ? `, ${Math.round(share * 100)}% of its life left` : "";
    return `the connector's ${lifetime.source} expires ${when} (at ${lifetime.expiresAt}${part}): renew it before then`;
}

/** The failure of a credential that has expired: known before any request is sent. */
export function expiredError(lifetime: CredentialLifetime): ConnectorError {
    return connectorError(
        "CREDENTIAL_EXPIRED",
        `the connector's ${lifetime.source} expired at ${lifetime.expiresAt}; nothing was sent to the cluster`,
    );
}

/** Throws CREDENTIAL_EXPIRED when the credential says it has expired (before any request is sent). */
export function assertNotExpired(credential: Credential): void {
    const lifetime = credentialLifetime(credential);
    if (lifetime && hasExpired(lifetime)) throw expiredError(lifetime);
}
