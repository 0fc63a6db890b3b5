// Credential kind ManualConfig: the master URL, CA and one of the auth types (./serviceAccount.ts,
// ./clientKeyCert.ts, ./usernamePassword.ts, ./openIdConnect.ts), as Harness's form takes them.
import { z } from "zod";
import { ownFields } from "../../inputs/fieldMeta";
import { httpsUrl, pemCertificate } from "../../inputs/fields";
import type { Auth, ManualConfigCredential } from "../../inputs/types";
import { inlineCredential } from "../inlineEndpoint";
import { clientKeyCert, clientKeyCertShape } from "./clientKeyCert";
import { type AuthKind, b64, type CredentialKind } from "./kind";
import { openIdConnect, openIdConnectShape } from "./openIdConnect";
import { serviceAccount, serviceAccountShape } from "./serviceAccount";
import { usernamePassword, usernamePasswordShape } from "./usernamePassword";

/** The auth types, by type. */
export const AUTH_KINDS: { [T in Auth["type"]]: AuthKind<Extract<Auth, { type: T }>> } = {
    ServiceAccount: serviceAccount,
    ClientKeyCert: clientKeyCert,
    UsernamePassword: usernamePassword,
    OpenIdConnect: openIdConnect,
};

/** The auth type of `type` (undefined for a type that is none: Harness may answer with any). */
export function authKind(type: string): AuthKind | undefined {
    return Object.hasOwn(AUTH_KINDS, type) ? (AUTH_KINDS[type as Auth["type"]] as AuthKind) : undefined;
}

const authShape = z.discriminatedUnion(
    "type",
    [serviceAccountShape, clientKeyCertShape, usernamePasswordShape, openIdConnectShape],
    {
        error: 'must have type "ServiceAccount", "ClientKeyCert", "UsernamePassword" or "OpenIdConnect"',
    },
);

export const manualConfigShape = z
    .object({
        type: z.literal("ManualConfig"),
        masterUrl: httpsUrl("the cluster's master URL").describe("the API server's URL (https, required)"),
        caCert: pemCertificate("the cluster's CA certificate")
            .optional()
            .describe("the CA certificate (PEM) that signed the API server's certificate"),
        tlsServerName: z
            .string()
            .regex(/^[a-zA-Z0-9.-]+$/, "must be a DNS name")
            .optional()
            .describe("the name to verify the API server's certificate for, when it is not `masterUrl`'s host"),
        insecureSkipTlsVerify: z
            .boolean()
            .optional()
            .describe("do not verify the API server's certificate (explicit opt-in; not with `caCert`)"),
        auth: authShape.describe("how the connector authenticates to the API server: one of the four `auth` types"),
    })
    .strict()
    .describe(
        "`masterUrl` (https, required), `caCert` (PEM, optional), `tlsServerName`, `insecureSkipTlsVerify` (explicit opt-in; not with `caCert`), `auth` (below)",
    )
    .superRefine((m, ctx) => {
        if (m.insecureSkipTlsVerify && m.caCert) {
            ctx.addIssue({
                code: "custom",
                path: ["insecureSkipTlsVerify"],
                message: "cannot be true together with caCert: drop one (verifying with caCert is the safe choice)",
            });
        }
    });

/** The kubeconfig cluster entry of a ManualConfig credential. */
export function manualCluster(credential: ManualConfigCredential): Record<string, unknown> {
    return {
        server: credential.masterUrl.replace(/\/+$/, ""),
        "certificate-authority-data": credential.caCert ? b64(credential.caCert) : undefined,
        "insecure-skip-tls-verify": credential.insecureSkipTlsVerify || undefined,
        "tls-server-name": credential.tlsServerName,
    };
}

/**
 * The kubeconfig user entry of a ManualConfig credential whose secret needs no exchange (a token,
 * a user name and password, a client certificate); undefined for OpenIdConnect, whose id_token
 * only the connection test obtains.
 */
export function manualUser(credential: ManualConfigCredential): Record<string, unknown> | undefined {
    return authKind(credential.auth.type)!.user(credential.auth);
}

export const manualConfig: CredentialKind<ManualConfigCredential> = {
    type: "ManualConfig",
    secretFields: ownFields(manualConfigShape, (m) => !!m.secret),
    authType: (c) => c.auth.type,
    derivable: (c) => !authKind(c.auth.type)!.grant,
    entries: (c) => {
        const user = manualUser(c);
        return user && { cluster: manualCluster(c), user };
    },
    /** Runs the OIDC password grant for OpenIdConnect. */
    endpoint: async (c, timeoutMs) => {
        const user = await authKind(c.auth.type)!.resolveUser(c.auth, timeoutMs);
        return inlineCredential(manualCluster(c), user, c.auth.type);
    },
    lifetime: (c) => authKind(c.auth.type)!.lifetime(c.auth),
    lifetimeIsPublic: (c) => authKind(c.auth.type)!.lifetimeIsPublic,
    harness: {
        cluster: (c) => ({ masterUrl: c.masterUrl, caCert: c.caCert }),
        toHarness: (c) => ({
            type: "ManualConfig",
            masterUrl: c.masterUrl.replace(/\/+$/, ""),
            authType: c.auth.type,
            ...authKind(c.auth.type)!.harness.toHarness(c.auth, c),
        }),
    },
};

/** The input path of a Harness secret field in a ManualConfig credential: its own (`caCert`) or its auth's. */
export function manualConfigInput(field: string): string {
    return Object.hasOwn(manualConfigShape.shape, field) ? `credential.${field}` : `credential.auth.${field}`;
}
