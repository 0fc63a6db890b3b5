// OpenID Connect, as Harness does it: the OAuth password grant against the issuer's token
// endpoint, then the id_token is the bearer token for the API server.
import type { fetch } from "undici";
import { ConnectorError, connectorError } from "../errors";
import { loadUndici } from "../heavyPackages";
import { classifyRequestError } from "../transport/classifyError";

/** What the password grant needs. */
export interface PasswordGrant {
    issuerUrl: string;
    issuerCaCert?: string;
    clientId: string;
    clientSecret?: string;
    username: string;
    password: string;
    scopes?: string[];
}

/** Runs the password grant and returns the id_token; discovery and the grant together have `timeoutMs`. */
export async function fetchIdToken(grant: PasswordGrant, timeoutMs: number): Promise<string> {
    // undici is loaded only for OIDC (and proxies): most provider processes never need it.
    const { Agent, fetch } = loadUndici();
    const dispatcher = new Agent({ connect: grant.issuerCaCert ? { ca: grant.issuerCaCert } : {} });
    const signal = AbortSignal.timeout(timeoutMs);
    const issuer = grant.issuerUrl.replace(/\/+$/, "");
    const call = async (what: string, url: string, init: Parameters<typeof fetch>[1] = {}) => {
        try {
            return await fetch(url, { ...init, dispatcher, signal });
        } catch (e) {
            const c = classifyRequestError(e, { server: issuer, what, timeoutMs });
            throw connectorError("OIDC_FAILED", `the OIDC issuer could not be reached for ${what}: ${c.message}`);
        }
    };
    try {
        const discovery = await call("discovery", `${issuer}/.well-known/openid-configuration`);
        if (!discovery.ok) {
            throw connectorError(
                "OIDC_FAILED",
                `the OIDC issuer ${issuer} answered ${discovery.status} to its discovery document`,
                {
                    facts: "`credential.auth.issuerUrl` must be the issuer, whose /.well-known/openid-configuration exists",
                },
            );
        }
        const tokenEndpoint = ((await discovery.json()) as { token_endpoint?: string }).token_endpoint;
        if (!tokenEndpoint)
            throw connectorError("OIDC_FAILED", `the OIDC issuer ${issuer} names no token_endpoint`, {
                facts: "Use an issuer that supports the OAuth password grant",
            });
        const form = new URLSearchParams({
            grant_type: "password",
            username: grant.username,
            password: grant.password,
            client_id: grant.clientId,
            scope: ["openid", ...(grant.scopes ?? [])].join(" "),
        });
        if (grant.clientSecret) form.set("client_secret", grant.clientSecret);
        const res = await call("the password grant", tokenEndpoint, {
            method: "POST",
            body: form.toString(),
            headers: { "content-type": "application/x-www-form-urlencoded" },
        });
        const body = (await res.json().catch(() => ({}))) as {
            id_token?: string;
            error?: string;
            error_description?: string;
        };
        if (!res.ok) {
            // error and error_description are the issuer's words; they never echo the password.
            throw connectorError(
                "OIDC_FAILED",
                `the OIDC issuer refused the password grant (${res.status} ${body.error ?? ""}${body.error_description ? `: ${body.error_description}` : ""})`,
                {
                    facts: "Check the OIDC user name, password, client id and client secret, and that the issuer allows the password grant for this client",
                },
            );
        }
        if (!body.id_token)
            throw connectorError("OIDC_FAILED", "the OIDC issuer returned no id_token", {
                facts: 'Add the "openid" scope for this client at the issuer',
            });
        return body.id_token;
    } finally {
        await dispatcher.close();
    }
}
