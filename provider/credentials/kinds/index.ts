// The credential kinds and ManualConfig auth types (one module each, ./kind.ts says what each
// knows), and the questions the rest of the provider asks them.
import type { Credential } from "../../inputs/types";
import { inheritFromDelegate } from "./inheritFromDelegate";
import type { CredentialKind } from "./kind";
import { kubeconfig } from "./kubeconfig";
import { AUTH_KINDS, authKind, manualConfig, manualConfigInput } from "./manualConfig";

export type {
    AuthKind,
    CredentialKind,
    HarnessCredential,
    HarnessSecretField,
    HarnessSecrets,
    KubeconfigEntries,
} from "./kind";
export { AUTH_KINDS, authKind, manualConfigInput };

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

/** The secret fields of every credential kind and auth type. */
export const KIND_SECRET_FIELDS: readonly string[] = [...new Set(ALL_KINDS.flatMap((k) => k.secretFields))];
