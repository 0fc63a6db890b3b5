// The connector's record, typed: what state holds, as the provider works with it
// (ConnectorRecord), and the property bag it is stored as (ConnectorOutputs, whose names are the
// public outputs and stay as they are). Types only: the codec (decode.ts, encode.ts) maps one to
// the other, migrations.ts reads the bags earlier versions wrote.

import type { CredentialLifetime } from "../credentials/expiry";
import type { ConnectionTestSettings, ValidConnectorInputs } from "../inputs/types";
import type { ConnectionTestReport } from "../parts/connectionTest/report";
import type { IdentityState } from "../parts/identity/record";
import type { InstalledDelegateState } from "../parts/install/record";
import type { HarnessState } from "../parts/registration/record";

/** What the connector records about its delegate (no secret in it). */
export interface DelegateState extends IdentityState {
    /** With `delegate.install`: the Harness delegate installed as this ServiceAccount. */
    install?: InstalledDelegateState;
}

/** A connector as the provider knows it: its checked inputs, and what it observed outside the state. */
export interface ConnectorRecord {
    /** The checked inputs it was made from, `identifier` and the `connectionTest` defaults filled. */
    inputs: ValidConnectorInputs & { identifier: string };
    /** `<project>/<stack>`: with the identifier, names the owner of the delegate's objects (kept only with a delegate). */
    owner?: string;
    /** What the connector found. */
    observed: Observed;
}

/** What a connector found in the cluster and in Harness. */
export interface Observed {
    /** The last connection test. */
    /** Absent in a record `pulumi import` made: the program's first up runs the test. */
    test?: ObservedTest;
    /** The delegate's identity (with a `delegate` block). */
    identity?: ObservedIdentity;
    /** The installed delegate (with `delegate.install`). */
    install?: ObservedInstall;
    /** The registration in Harness (with a `harness` block). */
    registration?: HarnessState;
}

/** The last connection test: its report in full, and what the client that ran it knew. */
export interface ObservedTest {
    /** The report as users read it (the checks that passed counted in `passed`). */
    report: ConnectionTestReport;
    /** The API server URL the test reached (the credential's own for a ManualConfig). */
    masterUrl?: string;
    /** The server version of the last test that reached the server (a failed test keeps the previous one). */
    serverVersion?: string;
    /** The kubeconfig the test's client used, where the credential alone does not define it. */
    kubeconfig?: string;
}

/** The delegate's identity: its objects in the cluster, and its token. */
export interface ObservedIdentity {
    /** What was provisioned (its installed delegate is {@link ObservedInstall}). */
    state?: IdentityState;
    /** **secret**: the ServiceAccount's token. */
    token?: string;
    /** **secret**: a kubeconfig for that token. */
    kubeconfig?: string;
}

/** The installed Harness delegate, and the delegate token it runs with. */
export interface ObservedInstall {
    /** What was installed. */
    state?: InstalledDelegateState;
    /** **secret**: the Harness delegate token. */
    token?: string;
}

/**
 * The report as state stores it (the `connectionTest` field of the record): `checks` and
 * `missingPermissions` only when not empty, and no `serverVersion` when the record's own
 * `serverVersion` output holds the same (a test that did not fail answered `GET /version`), and
 * no `credentialExpiry` when it is the one the credential's plain-text parts give (`publicExpiry`:
 * a client certificate's). publishedReport (decode.ts) gives the report back as users read it.
 */
export type StoredReport = Omit<ConnectionTestReport, "checks" | "missingPermissions" | "credentialExpiry"> &
    Partial<Pick<ConnectionTestReport, "checks" | "missingPermissions">> & {
        /** Absent when it is the credential's public lifetime (publicLifetime); null when the test found none although the credential has one. */
        credentialExpiry?: CredentialLifetime | null;
    };

/** What a connector found: the outputs that are not inputs (`identifier` is both: as given, or derived). */
export interface Findings {
    /** As given, or derived from the name on create (a rename keeps it). */
    identifier: string;
    /** from the last connection test; not stored when it is the credential's own (credentialMasterUrl) */
    masterUrl?: string;
    /** from the last connection test */
    serverVersion?: string;
    /** The last test's report as stored (see StoredReport; users read PublishedFindings' `connectionTest`). */
    connectionTest: StoredReport;
    /**
     * **secret**: a kubeconfig (JSON) that authenticates as the connector, for pipelines. For a `ManualConfig` credential (except `OpenIdConnect`), and a `Kubeconfig` document whose context holds everything inline (no exec plugin, auth provider, file or proxy), it is built in the program from the credential when read, so state holds no second copy; otherwise the provider stores the one the test used
     */
    kubeconfig?: string;
    /** `{namespace, serviceAccountName, roleKind, roleNames, bindingNames, tokenSecretName, tokenExpiresAt, tokenIssuedAt, createdNamespace, objects, drift}` */
    delegate?: DelegateState;
    /** **secret**: the delegate's token */
    delegateToken?: string;
    /** **secret**: a kubeconfig for the delegate's token */
    delegateKubeconfig?: string;
    /** **secret**: with `delegate.install`, the Harness delegate token the installed delegate runs with */
    delegateInstallToken?: string;
    /** with a `harness` block: `{connectorRef, url, accountId, endpoint, scope, secretRefs, createdSecrets, createdAt, lastModifiedAt, connectionTest: {status, errorSummary, testedAt, delegateId}, drift}` */
    harness?: HarnessState;
}

/** The inputs whose names a finding holds (`connectionTest` is the report, `delegate` what was provisioned, `harness` the registration). */
export type NestedInputName = Exclude<keyof Findings & keyof ValidConnectorInputs, "identifier">;

/**
 * What the connector records in state: every input under its own name, at the top when no finding
 * has that name, else in `inputs` (so `read` rebuilds the inputs and the update plan compares them
 * with no table of names), and what was found. The inputs stay at the top where they can: the
 * dynamic provider host takes secretness from the input of the same name, leaf by leaf, so the
 * credential's CA and URL stay plain text while its token is ciphertext.
 */
export type ConnectorOutputs = Omit<ValidConnectorInputs, keyof Findings> &
    Findings & {
        /** `<project>/<stack>`: with the identifier, names the owner of the delegate's objects. */
        __owner?: string;
        /** the inputs `connectionTest` (without its defaults), `delegate` and `harness` as given (checked): the outputs of those names hold what was found */
        inputs: Omit<Pick<ValidConnectorInputs, NestedInputName>, "connectionTest"> & {
            connectionTest: Partial<ConnectionTestSettings>;
        };
    };

/** The delegate's part of the record; the token and its kubeconfig are secret outputs. */
export interface DelegateOutputs {
    delegate?: DelegateState;
    delegateToken?: string;
    delegateKubeconfig?: string;
    delegateInstallToken?: string;
}

/** A connection test run: the report, and the URL and kubeconfig of the client that ran it. */
export interface TestRun {
    report: ConnectionTestReport;
    masterUrl?: string;
    kubeconfig?: string;
}

/** The outputs computed from the inputs where they are read (the SDK, the plugin's answer): not in the record. */
export interface DerivedOutputs {
    /** `ref` is `account.<id>`, `org.<id>` or `<id>` (inside a project) */
    ref: string;
    /** how the connector authenticates: the credential's auth type (`ServiceAccount` with `delegate.useAsCredential`) */
    authType: string;
}

/**
 * The copies of inputs in the record that the plugin does not store (the engine stores them as the
 * inputs and sends them back with each request); the dynamic path keeps them, as its host gives
 * `read` and `delete` only the old outputs.
 */
export type InputCopies = "credential" | "inputs";

/** The findings as users read them: what state stores in a shorter form, given back in full. */
export interface PublishedFindings {
    /** from the last connection test */
    masterUrl?: string;
    /**
     * `{status: SUCCESS/SKIPPED/FAILURE, testedAt, durationMs, serverVersion, passed, checks: [{name, status, message}], missingPermissions, credentialExpiry?: {source, expiresAt, issuedAt}, error?: {code, message, remediation, what}}`: the checks that passed are counted (`passed`), `checks` lists the others; `credentialExpiry` where the credential says when it ends (a client certificate, a JWT token)
     */
    connectionTest: ConnectionTestReport;
    /** the delegate tags Harness's connector uses: as given, else with `delegate.install` the installed delegate's tags */
    delegateSelectors?: string[];
}

/**
 * Every output, as the plugin answers and the SDK declares them: the record (its findings in
 * full) and the derived outputs; the copies of inputs only on the dynamic path.
 */
export type PublishedOutputs = Omit<ConnectorOutputs, InputCopies | keyof PublishedFindings> &
    PublishedFindings &
    Partial<Pick<ConnectorOutputs, InputCopies>> &
    DerivedOutputs;
