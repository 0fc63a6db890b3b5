// When a credential stops working, where that can be known without a cluster: a client
// certificate's notAfter, a token's `exp` claim when it is a JWT (ServiceAccount TokenRequest
// tokens, OIDC id_tokens), in a ManualConfig credential or an inline kubeconfig. Pure, so the
// provider can warn at preview and refuse an expired credential before sending anything.
import * as crypto from "node:crypto";
import type { ConnectionTestSettings, Credential } from "../inputs/types";

/** A credential's lifetime, as recorded in the connection test report. */
export interface CredentialLifetime {
    /** What expires: `client certificate` or `token`. */
    source: "client certificate" | "token";
    expiresAt: string;
    /** When its life started (the certificate's notBefore, the token's iat or nbf), when known. */
    issuedAt?: string;
}

/** Warn when less than this many days are left (connectionTest.expiryWarningDays)… */
export const DEFAULT_EXPIRY_WARNING_DAYS = 30;
/** …or less than this share of the credential's life (connectionTest.expiryWarningFraction). */
export const DEFAULT_EXPIRY_WARNING_FRACTION = 0.2;

/** The lifetime a JWT states (`exp`, with `iat` or `nbf`); undefined for anything else or a token without `exp`. */
export function tokenLifetime(token: string): CredentialLifetime | undefined {
    const parts = token.trim().split(".");
    if (parts.length !== 3) return undefined;
    try {
        const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as {
            exp?: unknown;
            iat?: unknown;
            nbf?: unknown;
        };
        if (typeof claims.exp !== "number") return undefined;
        const start =
            typeof claims.iat === "number" ? claims.iat : typeof claims.nbf === "number" ? claims.nbf : undefined;
        return {
            source: "token",
            expiresAt: new Date(claims.exp * 1000).toISOString(),
            ...(start !== undefined ? { issuedAt: new Date(start * 1000).toISOString() } : {}),
        };
    } catch {
        return undefined;
    }
}

/** The validity of a PEM certificate (its first one). */
export function certificateLifetime(pem: string | Buffer): CredentialLifetime | undefined {
    try {
        const cert = new crypto.X509Certificate(pem);
        return {
            source: "client certificate",
            expiresAt: new Date(cert.validTo).toISOString(),
            issuedAt: new Date(cert.validFrom).toISOString(),
        };
    } catch {
        return undefined;
    }
}

/** The lifetime of what a credential sends, when the credential itself holds it (not exec plugins, files or OIDC grants). */
export function credentialLifetime(credential: Credential): CredentialLifetime | undefined {
    if (credential.type === "ManualConfig") {
        const a = credential.auth;
        if (a.type === "ServiceAccount") return tokenLifetime(a.token);
        if (a.type === "ClientKeyCert") return certificateLifetime(a.clientCert);
        return undefined;
    }
    if (credential.type === "Kubeconfig") return inlineKubeconfigLifetime(credential.kubeconfig, credential.context);
    return undefined;
}

function inlineKubeconfigLifetime(document: string, context: string | undefined): CredentialLifetime | undefined {
    const yaml = require("js-yaml") as typeof import("js-yaml");
    let doc: any;
    try {
        doc = yaml.load(document);
    } catch {
        return undefined;
    }
    const find = (list: unknown, name: unknown) =>
        Array.isArray(list) ? list.find((e) => e?.name === name) : undefined;
    const ctx = find(doc?.contexts, context ?? doc?.["current-context"])?.context;
    const user = find(doc?.users, ctx?.user)?.user;
    if (typeof user?.token === "string") return tokenLifetime(user.token);
    if (typeof user?.["client-certificate-data"] === "string")
        return certificateLifetime(Buffer.from(user["client-certificate-data"], "base64"));
    return undefined;
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
