// What a credential kind (ManualConfig, Kubeconfig, InheritFromDelegate) and a ManualConfig auth
// type (ServiceAccount, ClientKeyCert, UsernamePassword, OpenIdConnect) know of themselves, each in
// its own file here: its zod shape (composed by provider/inputs/schema.ts; its secret fields carry
// `.meta({ secret: true })`, which the SDK, the plugin schema and the redaction read), its kubeconfig entries,
// its lifetime, its endpoint, and its Harness mapping both ways (provider/parts/registration/mapping.ts and the
// importer ask the kind). Kind modules import no lifecycle/ or harness/ module: Harness knowledge is
// plain data and functions here.
import type { HarnessSecretField } from "../../inputs/harnessTypes";
import type { Auth, Credential, ManualConfigCredential, ValidConnectorInputs } from "../../inputs/types";
import type { InlineEntry, ResolvedCredential } from "../inlineEndpoint";
import type { CredentialLifetime } from "../lifetime";

export type { HarnessSecretField };

/** The secret values a credential gives Harness, by field. */
export type HarnessSecrets = Partial<Record<HarnessSecretField, string>>;

/** A credential as Harness sees it: a URL, an auth type, its secret values and its plain fields. */
export type HarnessCredential =
    | { type: "InheritFromDelegate" }
    | {
          type: "ManualConfig";
          masterUrl: string;
          authType: Auth["type"];
          secrets: HarnessSecrets;
          plain: Record<string, string>;
      };

/** The kubeconfig cluster and user entries of a credential that alone defines them. */
export interface KubeconfigEntries {
    cluster: InlineEntry;
    user: InlineEntry;
}

/** A ManualConfig auth type. */
export interface AuthKind<A extends Auth = Auth> {
    type: A["type"];
    /** Its fields that hold secrets (those of its shape with `.meta({ secret: true })`, provider/inputs/fieldMeta.ts). */
    secretFields: readonly string[];
    /** Whether its bearer token needs an exchange first (OpenIdConnect's id_token: a grant): then `user` is undefined. */
    grant: boolean;
    /** The kubeconfig user entry when the auth needs no exchange. */
    user(auth: A): InlineEntry | undefined;
    /** The user entry to connect with, running the exchange when there is one, within `timeoutMs`. */
    resolveUser(auth: A, timeoutMs: number): Promise<InlineEntry>;
    /** When what it sends expires, when the auth itself holds it. */
    lifetime(auth: A): CredentialLifetime | undefined;
    /** Whether `lifetime` reads only fields that are not secret (a client certificate): then state need not store it. */
    lifetimeIsPublic: boolean;
    harness: {
        /** Which `auth.spec` field of Harness's K8sCluster connector holds each secret field's ref. */
        refFields: HarnessSecrets;
        /** Its secret values (by Harness secret field; the CA comes from the credential) and plain spec fields. */
        toHarness(
            auth: A,
            credential: ManualConfigCredential,
        ): { secrets: HarnessSecrets; plain: Record<string, string> };
        /** Harness's plain spec fields back to the auth inputs (Harness never returns secrets). */
        fromHarness(spec: Record<string, string | null>): Record<string, unknown>;
    };
}

/** A credential kind. */
export interface CredentialKind<C extends Credential = Credential> {
    type: C["type"];
    /** Its own fields that hold secrets, read from its shape's meta (a ManualConfig's are its auth type's). */
    secretFields: readonly string[];
    /** The authType output. */
    authType(credential: C): string;
    /** Whether the credential alone defines its kubeconfig (no exec plugin, grant or file): see `entries`. */
    derivable(credential: C): boolean;
    /** The kubeconfig entries when the credential alone defines them (no exec plugin, grant or file). */
    entries(credential: C): KubeconfigEntries | undefined;
    /** The endpoint and kubeconfig (runs OIDC grants and exec plugins as needed), within `timeoutMs`. */
    endpoint(credential: C, timeoutMs: number): Promise<ResolvedCredential>;
    /** When what it sends expires, when the credential itself holds it. */
    lifetime(credential: C): CredentialLifetime | undefined;
    /** Whether `lifetime` reads only fields that are not secret (a client certificate): then state need not store it. */
    lifetimeIsPublic(credential: C): boolean;
    harness: {
        /** The API server and its CA, for a connector that authenticates as the delegate (undefined: learnt by the test). */
        cluster(credential: C): { masterUrl?: string; caCert?: string };
        /** What the Harness connector holds, or why Harness cannot hold this credential. */
        toHarness(credential: C): HarnessCredential | string;
    };
}

export const b64 = (s: string) => Buffer.from(s).toString("base64");
export const fromBase64 = (s: unknown) =>
    typeof s === "string" ? Buffer.from(s, "base64").toString("utf8") : undefined;
