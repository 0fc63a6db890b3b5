// The lifetimes a credential states itself: a JWT's `exp` (with `iat` or `nbf`), a certificate's
// notAfter. Pure; the credential kinds (./kinds/) say which of their fields holds one.
import * as crypto from "node:crypto";

/** A credential's lifetime, as recorded in the connection test report. */
export interface CredentialLifetime {
    /** What expires: `client certificate` or `token`. */
    source: "client certificate" | "token";
    expiresAt: string;
    /** When its life started (the certificate's notBefore, the token's iat or nbf), when known. */
    issuedAt?: string;
}

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
