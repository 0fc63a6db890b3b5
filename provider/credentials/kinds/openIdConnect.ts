// ManualConfig auth type OpenIdConnect, as Harness does it: the OAuth password grant against the
// issuer, then the id_token is the bearer token (../oidc.ts runs the grant).
import { z } from "zod";
import { ownFields } from "../../inputs/fieldMeta";
import { httpsUrl, nonEmpty, pemCertificate } from "../../inputs/fields";
import type { Auth } from "../../inputs/types";
import { fetchIdToken } from "../oidc";
import type { AuthKind } from "./kind";

type OpenIdConnectAuth = Extract<Auth, { type: "OpenIdConnect" }>;

export const openIdConnectShape = z
    .object({
        type: z.literal("OpenIdConnect"),
        issuerUrl: httpsUrl("the OIDC issuer URL").describe("the OIDC issuer's URL (https)"),
        issuerCaCert: pemCertificate("the OIDC issuer's CA certificate")
            .optional()
            .describe("CA certificate that signed the issuer's TLS certificate, when it is not a public one."),
        clientId: nonEmpty("the OIDC client id").describe("the OAuth client id"),
        clientSecret: z
            .string()
            .meta({ secret: true })
            .optional()
            .describe("the OAuth client secret, when the client has one"),
        username: nonEmpty("the OIDC user name").describe("the user name of the password grant"),
        password: nonEmpty("the OIDC password").meta({ secret: true }).describe("the password of the password grant"),
        scopes: z
            .array(nonEmpty("a scope"))
            .optional()
            .describe("scopes to ask for beside `openid`, which is always asked for"),
    })
    .strict()
    .describe(
        "`issuerUrl` (https), `issuerCaCert`, `clientId`, `clientSecret`, `username`, `password`, `scopes`: the OAuth password grant, then the id_token is the bearer token",
    );

export const openIdConnect: AuthKind<OpenIdConnectAuth> = {
    type: "OpenIdConnect",
    secretFields: ownFields(openIdConnectShape, (m) => !!m.secret),
    grant: true,
    // The id_token only the grant obtains.
    user: () => undefined,
    resolveUser: async (a, timeoutMs) => ({ token: await fetchIdToken(a, timeoutMs) }),
    lifetime: () => undefined,
    lifetimeIsPublic: false,
    harness: {
        refFields: { clientId: "oidcClientIdRef", password: "oidcPasswordRef", clientSecret: "oidcSecretRef" },
        toHarness: (a) => ({
            secrets: { clientId: a.clientId, password: a.password, clientSecret: a.clientSecret },
            plain: {
                oidcIssuerUrl: a.issuerUrl,
                oidcUsername: a.username,
                ...(a.scopes?.length ? { oidcScopes: a.scopes.join(",") } : {}),
            },
        }),
        fromHarness: (spec) =>
            JSON.parse(
                JSON.stringify({
                    issuerUrl: spec.oidcIssuerUrl ?? undefined,
                    username: spec.oidcUsername ?? undefined,
                    scopes: spec.oidcScopes ? spec.oidcScopes.split(",") : undefined,
                }),
            ),
    },
};
