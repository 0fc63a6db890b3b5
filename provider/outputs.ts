// The connector's record: what state holds after create, update and read (`ConnectorOutputs`), the
// function that builds it, and the functions that read inputs, the delegate and the last test run
// back from it. Adding an output is a change here (and in the SDK class that declares it).
import type { ConnectionTestReport } from "./connectionTest/report";
import { credentialKind } from "./credentials/kinds";
import { kubeconfigIsDerivable } from "./credentials/kubeconfigDocument";
import type { DelegateState } from "./delegate/state";
import type { HarnessState } from "./harness/state";
import { connectorRef } from "./inputs/identifier";
import { INPUT_NAMES } from "./inputs/schema";
import type { ConnectionTestSettings, Credential, DelegateSettings, ValidConnectorInputs } from "./inputs/types";

/** The `harness` input (the output of that name is the registration). */
type HarnessSettingsInput = ValidConnectorInputs["harness"];

/**
 * What the connector records in state. Every input is kept (under its own name, or the name
 * RECORDED_AS gives it): `read` rebuilds the inputs from here, and the update plan compares them.
 */
export type ConnectorOutputs = Omit<ValidConnectorInputs, "identifier" | "connectionTest" | "delegate" | "harness"> &
    RecordedFacts;

/** What the record holds beside the inputs. */
interface RecordedFacts {
    /** `<project>/<stack>`: with the identifier, names the owner of the delegate's objects. */
    __owner?: string;
    /** As given, or derived from the name on create (a rename keeps it). */
    identifier: string;
    /** The `connectionTest` input (the output of that name is the report). */
    connectionTestSettings: ConnectionTestSettings;
    /** The `delegate` input (the output of that name is what was provisioned). */
    delegateSettings?: DelegateSettings;
    /** `ref` is `account.<id>`, `org.<id>` or `<id>` (inside a project) */
    ref: string;
    /** from the last connection test */
    masterUrl?: string;
    /** from the last connection test */
    authType: string;
    /** from the last connection test */
    serverVersion?: string;
    /**
     * `{status: SUCCESS/SKIPPED/FAILURE, testedAt, durationMs, serverVersion, checks: [{name, status, message}], missingPermissions, credentialExpiry?: {source, expiresAt, issuedAt}, error?: {code, message, remediation}}`; `credentialExpiry` where the credential says when it ends (a client certificate, a JWT token)
     */
    connectionTest: ConnectionTestReport;
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
    /** The `harness` input (the output of that name is the registration). */
    harnessSettings?: HarnessSettingsInput;
    /** with a `harness` block: `{connectorRef, url, accountId, endpoint, scope, secretRefs, createdSecrets, createdAt, lastModifiedAt, connectionTest: {status, errorSummary, testedAt, delegateId}, drift}` */
    harness?: HarnessState;
}

/** Where an input is kept in the record when its own name holds what happened. */
export const RECORDED_AS = {
    connectionTest: "connectionTestSettings",
    delegate: "delegateSettings",
    harness: "harnessSettings",
} as const;

/** The delegate's part of the record; the token and its kubeconfig are secret outputs. */
export interface DelegateOutputs {
    delegate?: DelegateState;
    delegateToken?: string;
    delegateKubeconfig?: string;
}

/** A connection test run: the report, and the URL and kubeconfig of the client that ran it. */
export interface TestRun {
    report: ConnectionTestReport;
    masterUrl?: string;
    kubeconfig?: string;
}

/** Drops undefined values at every depth: the engine's protobuf Struct cannot carry them. */
export function stripUndefined<T>(o: T): T {
    return JSON.parse(JSON.stringify(o));
}

/** The authType output: how the connector authenticates. */
function authTypeOf(inputs: ValidConnectorInputs): string {
    if (inputs.delegate?.useAsCredential) return "ServiceAccount";
    return credentialKind(inputs.credential).authType(inputs.credential);
}

/** The record of a connector: its inputs, the test run, the delegate; `previous` fills what this run did not learn. */
export function buildOutputs(
    inputs: ValidConnectorInputs,
    identifier: string,
    owner: string | undefined,
    run: TestRun,
    delegate: DelegateOutputs,
    previous?: ConnectorOutputs,
    harness?: HarnessState,
): ConnectorOutputs {
    const { connectionTest, delegate: delegateSettings, harness: harnessSettings, ...rest } = inputs;
    return stripUndefined({
        __owner: owner,
        ...rest,
        identifier,
        ref: connectorRef(identifier, inputs),
        connectionTestSettings: connectionTest,
        delegateSettings,
        masterUrl: run.masterUrl ?? previous?.masterUrl,
        authType: authTypeOf(inputs),
        serverVersion: run.report.serverVersion ?? previous?.serverVersion,
        connectionTest: run.report,
        // Not stored when the credential alone defines it: the SDK builds it in the program.
        kubeconfig:
            !delegateSettings?.useAsCredential && kubeconfigIsDerivable(inputs.credential)
                ? undefined
                : (run.kubeconfig ?? previous?.kubeconfig),
        delegate: delegate.delegate,
        delegateToken: delegate.delegateToken,
        delegateKubeconfig: delegate.delegateKubeconfig,
        harnessSettings,
        harness: harnessSettings ? (harness ?? previous?.harness) : undefined,
    });
}

/** The recorded value of input `key`. */
export function recordedInput(outputs: object, key: string): unknown {
    return (outputs as Record<string, unknown>)[RECORDED_AS[key as keyof typeof RECORDED_AS] ?? key];
}

/** The inputs a record was made from, under their input names (not yet validated). */
export function recordedInputs(outputs: ConnectorOutputs): Record<string, unknown> {
    return stripUndefined(Object.fromEntries(INPUT_NAMES.map((key) => [key, recordedInput(outputs, key)])));
}

/** The delegate's part of a record. */
export function recordedDelegate(outputs: ConnectorOutputs): DelegateOutputs {
    return {
        delegate: outputs.delegate,
        delegateToken: outputs.delegateToken,
        delegateKubeconfig: outputs.delegateKubeconfig,
    };
}

/** The last test run a record holds. */
export function recordedTestRun(outputs: ConnectorOutputs): TestRun {
    return { report: outputs.connectionTest, masterUrl: outputs.masterUrl };
}

/** What a recorded connector needs to reach its cluster again (delete, and a removed delegate block). */
export function recordedAccess(outputs: ConnectorOutputs): {
    credential: Credential;
    connectionTest: ConnectionTestSettings;
} {
    return { credential: outputs.credential, connectionTest: outputs.connectionTestSettings };
}

/** The owner annotation of the delegate's objects: `<project>/<stack>/<identifier>`. */
export function delegateOwner(owner: string | undefined, identifier: string): string {
    return `${owner ?? "unknown"}/${identifier}`;
}
