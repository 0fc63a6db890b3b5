// The credential kinds and ManualConfig auth types (one module each, ./kind.ts says what each
// knows), and the questions the rest of the provider asks them.
import { z } from "zod";
import type { Credential } from "../../inputs/types";
import { inheritFromDelegate, inheritFromDelegateShape } from "./inheritFromDelegate";
import type { CredentialKind } from "./kind";
import { kubeconfig, kubeconfigShape } from "./kubeconfig";
import { AUTH_KINDS, authKind, manualConfig, manualConfigInput, manualConfigShape } from "./manualConfig";

export type {
    AuthKind,
    CredentialKind,
    HarnessCredential,
    HarnessSecretField,
    HarnessSecrets,
    KubeconfigEntries,
} from "./kind";
export { AUTH_KINDS, authKind, manualConfigInput };

/** A credential: one of the kinds' shapes (provider/inputs/schema.ts's `credential`, and a delegate's `provisioner`). */
export const credentialShape = z.discriminatedUnion(
    "type",
    [inheritFromDelegateShape, manualConfigShape, kubeconfigShape],
    { error: 'must have type "InheritFromDelegate", "ManualConfig" or "Kubeconfig"' },
);

/** The credential kinds, by type. */
export const CREDENTIAL_KINDS: { [T in Credential["type"]]: CredentialKind<Extract<Credential, { type: T }>> } = {
    InheritFromDelegate: inheritFromDelegate,
    ManualConfig: manualConfig,
    Kubeconfig: kubeconfig,
};

/** The kind of a credential. */
export function credentialKind(credential: Pick<Credential, "type">): CredentialKind {
    return CREDENTIAL_KINDS[credential.type] as CredentialKind;
}

/** Every credential kind and auth type, with its secret fields. */
export const ALL_KINDS: readonly { type: string; secretFields: readonly string[] }[] = [
    ...Object.values(CREDENTIAL_KINDS),
    ...Object.values(AUTH_KINDS),
];
