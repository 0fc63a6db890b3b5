// The types of the inputs' Harness part that the recorded state and the rules share. Types only,
// from the generated input types: the SDK's declarations reach them (through parts/registration/record.ts),
// and must not reach zod.
import type { ValidConnectorInputs } from "./types";

/** A credential field that becomes a Harness text secret. */
export type HarnessSecretField = keyof NonNullable<NonNullable<ValidConnectorInputs["harness"]>["secretRefs"]>;

/** Facts learnt on the cluster side that the Harness connector needs. */
export interface ClusterFacts {
    /** The API server URL the connection test used (InheritFromDelegate and kubeconfigs). */
    masterUrl?: string;
    /** The delegate's token, when the connector authenticates as the delegate. */
    delegateToken?: string;
}

/** The validated `harness` settings. */
export type HarnessSettings = NonNullable<ValidConnectorInputs["harness"]>;
