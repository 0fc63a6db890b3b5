// ManualConfig auth type UsernamePassword: basic auth (kube-apiserver removed it in 1.19).
import { z } from "zod";
import { ownFields } from "../../inputs/fieldMeta";
import { nonEmpty } from "../../inputs/fields";
import type { Auth } from "../../inputs/types";
import type { AuthKind } from "./kind";

type UsernamePasswordAuth = Extract<Auth, { type: "UsernamePassword" }>;

export const usernamePasswordShape = z
    .object({
        type: z.literal("UsernamePassword"),
        username: nonEmpty("the user name").describe("the user name"),
        password: nonEmpty("the password").meta({ secret: true }).describe("the password"),
    })
    .strict()
    .describe("`username`, `password` (kube-apiserver removed basic auth in 1.19: expect `BASIC_AUTH_REJECTED`)");

export const usernamePassword: AuthKind<UsernamePasswordAuth> = {
    type: "UsernamePassword",
    secretFields: ownFields(usernamePasswordShape, (m) => !!m.secret),
    grant: false,
    user: (a) => ({ username: a.username, password: a.password }),
    resolveUser: async (a) => ({ username: a.username, password: a.password }),
    lifetime: () => undefined,
    lifetimeIsPublic: false,
    harness: {
        refFields: { password: "passwordRef" },
        toHarness: (a) => ({ secrets: { password: a.password }, plain: { username: a.username } }),
        fromHarness: (spec) => (spec.username ? { username: spec.username } : {}),
    },
};
