// What the connector found and made outside the state, one slice per part: the record's
// `observed` half (the inputs are the other). Types only: a destroy loads none of the parts' code
// to read it.
import type { ConnectionTestReport } from "../connectionTest/report";
import type { InstalledDelegateState } from "../delegate/install/state";
import type { DelegateState } from "../delegate/state";
import type { HarnessState } from "../harness/state";

/** The last connection test: its report, and the URL and kubeconfig of the client that ran it. */
export interface TestRun {
    report: ConnectionTestReport;
    masterUrl?: string;
    kubeconfig?: string;
}

/** The delegate's identity: its objects' record, and its token with a kubeconfig for it (secrets). */
export interface IdentityRecord {
    state: Omit<DelegateState, "install">;
    token?: string;
    kubeconfig?: string;
}

/** The installed Harness delegate: its record, and the Harness delegate token it runs with (a secret). */
export interface InstallRecord {
    state: InstalledDelegateState;
    /** Absent only in a record `pulumi import` made (Harness never gives a token's value back). */
    token?: string;
}

/** Everything the parts found, by part; a part the inputs do not declare has no slice. */
export interface Observed {
    test?: TestRun;
    identity?: IdentityRecord;
    install?: InstallRecord;
    registration?: HarnessState;
}
