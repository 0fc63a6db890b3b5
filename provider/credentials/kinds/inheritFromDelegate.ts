// Credential kind InheritFromDelegate: a kubeconfig file ($KUBECONFIG, ~/.kube/config) or the
// in-cluster ServiceAccount, read by @kubernetes/client-node (exec plugins included); in Harness,
// the delegate's own identity.
import { z } from "zod";
import { ownFields } from "../../inputs/fieldMeta";
import { nonEmpty } from "../../inputs/fields";
import type { Credential } from "../../inputs/types";
import { clientNodeCredential } from "../clientNodeKubeconfig";
import type { CredentialKind } from "./kind";

type InheritFromDelegateCredential = Extract<Credential, { type: "InheritFromDelegate" }>;

export const inheritFromDelegateShape = z
    .object({
        type: z.literal("InheritFromDelegate"),
        kubeconfigPath: nonEmpty("a kubeconfig file path")
            .optional()
            .describe("A kubeconfig file; default $KUBECONFIG, ~/.kube/config, or the in-cluster service account."),
        context: nonEmpty("a kubeconfig context")
            .optional()
            .describe("the kubeconfig's context to use; default its current context"),
    })
    .strict()
    .describe(
        "`kubeconfigPath`, `context`; default `$KUBECONFIG`, `~/.kube/config` or the in-cluster ServiceAccount. Exec credential plugins (EKS, GKE, AKS) work: the provider runs them, within `timeoutSeconds`.",
    );

export const inheritFromDelegate: CredentialKind<InheritFromDelegateCredential> = {
    type: "InheritFromDelegate",
    secretFields: ownFields(inheritFromDelegateShape, (m) => !!m.secret),
    authType: (c) => c.type,
    derivable: () => false,
    entries: () => undefined,
    endpoint: (c, timeoutMs) => {
        return clientNodeCredential(c, timeoutMs);
    },
    lifetime: () => undefined,
    lifetimeIsPublic: () => false,
    harness: {
        cluster: () => ({}),
        toHarness: () => ({ type: "InheritFromDelegate" }),
    },
};
