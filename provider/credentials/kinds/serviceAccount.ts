// ManualConfig auth type ServiceAccount: a bearer token (a ServiceAccount's, or any the API server takes).
import { z } from "zod";
import { ownFields } from "../../inputs/fieldMeta";
import { nonEmpty } from "../../inputs/fields";
import type { Auth } from "../../inputs/types";
import { tokenLifetime } from "../lifetime";
import type { AuthKind } from "./kind";

type ServiceAccountAuth = Extract<Auth, { type: "ServiceAccount" }>;

export const serviceAccountShape = z
    .object({
        type: z.literal("ServiceAccount"),
        token: nonEmpty("the service-account token")
            .meta({ secret: true })
            .refine(
                (t) => !/\s/.test(t.trim()),
                "must be one token without spaces or line breaks inside (paste the decoded token)",
            )
            .describe("The service-account token (decoded, not base64)."),
    })
    .strict()
    .describe("`token` (decoded)");

export const serviceAccount: AuthKind<ServiceAccountAuth> = {
    type: "ServiceAccount",
    secretFields: ownFields(serviceAccountShape, (m) => !!m.secret),
    grant: false,
    user: (a) => ({ token: a.token.trim() }),
    resolveUser: async (a) => ({ token: a.token.trim() }),
    lifetime: (a) => tokenLifetime(a.token),
    // The token is secret.
    lifetimeIsPublic: false,
    harness: {
        refFields: { token: "serviceAccountTokenRef", caCert: "caCertRef" },
        toHarness: (a, c) => ({ secrets: { token: a.token.trim(), caCert: c.caCert }, plain: {} }),
        fromHarness: () => ({}),
    },
};
