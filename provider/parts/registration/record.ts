// What state records of a connector's registration in Harness (the `harness` output). Its types
// come from the generated input types, not the zod schema: every program type-checks them.

import type { HarnessScope } from "../../harness/scope";
import type { HarnessSecretField } from "../../inputs/harnessTypes";

export type { HarnessScope };

/** Harness's own connection test, as last run by `pulumi up`. */
export interface HarnessTestResult {
    /** SUCCESS, FAILURE, PARTIAL, UNKNOWN, or SKIPPED when `harness.test` is skip. */
    status: string;
    /** Harness's summary of what failed. */
    errorSummary?: string;
    /** When Harness ran it (ms since the epoch). */
    testedAt?: number;
    /** The delegate that ran it. */
    delegateId?: string;
}

/** What Harness says of the connector's connectivity: its own last test, or its periodic re-test. */
export interface HarnessConnectivity {
    /** PENDING (never tested), SUCCESS, FAILURE, PARTIAL or UNKNOWN. */
    status: string;
    /** When Harness last tested it (ms since the epoch). */
    lastTestedAt?: number;
    /** When a test of Harness's last succeeded (ms since the epoch). */
    lastConnectedAt?: number;
    /** Harness's summary of the last failure. */
    errorSummary?: string;
}

/** The connector in Harness. */
export interface HarnessState {
    /** How pipelines refer to it: `account.<id>`, `org.<id>` or `<id>`. */
    connectorRef: string;
    /** The connector's page in the Harness UI. */
    url: string;
    /** The Harness account it is registered in. */
    accountId: string;
    /** The Harness API's base URL it was registered through. */
    endpoint: string;
    /** Its org and project. */
    scope: HarnessScope;
    /** The ref the connector uses for each secret field (created by this connector or given). */
    secretRefs: Partial<Record<HarnessSecretField, string>>;
    /** Identifiers of the secrets this connector created (and deletes). */
    createdSecrets: string[];
    /** When Harness created it (ms since the epoch). */
    createdAt?: number;
    /** When Harness last changed it (ms since the epoch). */
    lastModifiedAt?: number;
    /** Harness's own connection test, as last run by `pulumi up`. */
    connectionTest: HarnessTestResult;
    /** Whether Harness reaches the cluster, as it last said (read again by `pulumi refresh`). */
    status?: HarnessConnectivity;
    /** What `pulumi refresh` found changed or deleted in Harness; the next `pulumi up` repairs it. */
    drift?: string[];
}
