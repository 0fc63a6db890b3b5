// The connector's record: what state holds after create, update and read (`ConnectorOutputs`), the
// function that builds it, and the functions that read inputs, the delegate and the last test run
// back from it. Adding an output is a change here (and in the SDK class that declares it).
import {
    type ConnectionTestReport,
    publishedReport,
    recordedReport,
    type StoredReport,
    storedReport,
} from "./connectionTest/report";
import { publicLifetime } from "./credentials/expiry";
import { credentialKind } from "./credentials/kinds";
import { kubeconfigIsDerivable } from "./credentials/kubeconfigDocument";
import type { DelegateState } from "./delegate/state";
import type { HarnessState } from "./harness/state";
import { connectorRef } from "./inputs/identifier";
import { connectorInputsSchema, INPUT_NAMES } from "./inputs/schema";
import type { ConnectionTestSettings, Credential, ValidConnectorInputs } from "./inputs/types";
import type { TestRun } from "./state/observed";

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

/** Those inputs, in the record's `inputs` field, under their own names. */
export const NESTED_INPUTS = ["connectionTest", "delegate", "harness"] as const satisfies readonly NestedInputName[];
// Every input a finding shadows is listed: a new one does not compile until it is.
const _everyNestedInput: Exclude<NestedInputName, (typeof NESTED_INPUTS)[number]> extends never ? true : never = true;
void _everyNestedInput;

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

/** The `connectionTest` settings a connector has when none are given (the schema's defaults). */
const CONNECTION_TEST_DEFAULTS: Record<string, unknown> = connectorInputsSchema.shape.connectionTest.parse(undefined);

/** `settings` without the values that are the defaults: the record keeps what was chosen. */
function chosenSettings(settings: ConnectionTestSettings): Partial<ConnectionTestSettings> {
    return Object.fromEntries(
        Object.entries(settings).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(CONNECTION_TEST_DEFAULTS[k])),
    ) as Partial<ConnectionTestSettings>;
}

/** The recorded `connectionTest` settings with the defaults filled (as checked inputs have them); undefined stays. */
function recordedSettings(stored: Partial<ConnectionTestSettings> | undefined): ConnectionTestSettings | undefined {
    return stored === undefined ? undefined : ({ ...CONNECTION_TEST_DEFAULTS, ...stored } as ConnectionTestSettings);
}

/** The delegate's part of the record; the token and its kubeconfig are secret outputs. */
export interface DelegateOutputs {
    delegate?: DelegateState;
    delegateToken?: string;
    delegateKubeconfig?: string;
    delegateInstallToken?: string;
}

export type { TestRun };

/** Drops undefined values at every depth: the engine's protobuf Struct cannot carry them. */
export function stripUndefined<T>(o: T): T {
    return JSON.parse(JSON.stringify(o));
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
    const masterUrl = run.masterUrl ?? (previous && recordedMasterUrl(previous));
    const serverVersion = run.report.serverVersion ?? previous?.serverVersion;
    return stripUndefined({
        // Only a connector with a delegate owns objects in the cluster (and needs its owner to remove them).
        __owner: delegateSettings ? owner : undefined,
        ...rest,
        identifier,
        // The settings' defaults are not stored: recordedInput fills them back.
        inputs: {
            connectionTest: chosenSettings(connectionTest),
            delegate: delegateSettings,
            harness: harnessSettings,
        },
        // Not stored when it is the credential's: recordedMasterUrl gives it back.
        masterUrl: masterUrl === credentialMasterUrl(inputs.credential) ? undefined : masterUrl,
        serverVersion,
        // Without the lifetime the credential's plain-text parts give: publishedReport puts it back.
        connectionTest: storedReport(recordedReport(run.report), serverVersion, publicLifetime(inputs.credential)),
        // Not stored when the credential alone defines it: the SDK builds it in the program.
        kubeconfig:
            !delegateSettings?.useAsCredential && kubeconfigIsDerivable(inputs.credential)
                ? undefined
                : (run.kubeconfig ?? previous?.kubeconfig),
        delegate: delegate.delegate,
        delegateToken: delegate.delegateToken,
        delegateKubeconfig: delegate.delegateKubeconfig,
        delegateInstallToken: delegate.delegateInstallToken,
        harness: harnessSettings ? (harness ?? previous?.harness) : undefined,
    });
}

/**
 * The inputs as the engine is to store them (check's answer, and read's): `connectionTest` without
 * the settings' defaults, and none when all are defaults; {@link checkedInput} fills them back.
 */
export function storedInputs<T extends { connectionTest?: unknown }>(inputs: T): T {
    const { connectionTest, ...rest } = inputs;
    if (!connectionTest || typeof connectionTest !== "object") return inputs;
    const chosen = chosenSettings(connectionTest as ConnectionTestSettings);
    return (Object.keys(chosen).length ? { ...rest, connectionTest: chosen } : rest) as T;
}

/** Checked (or stored) input `key` with the `connectionTest` defaults filled (storedInputs leaves them out). */
export function checkedInput(inputs: Record<string, unknown>, key: string): unknown {
    const v = inputs[key];
    if (key !== "connectionTest" || (v !== undefined && (typeof v !== "object" || v === null))) return v;
    return { ...CONNECTION_TEST_DEFAULTS, ...(v as object | undefined) };
}

/** The recorded value of input `key`. */
export function recordedInput(record: object, key: string): unknown {
    const r = record as Record<string, unknown>;
    if (!(NESTED_INPUTS as readonly string[]).includes(key)) return r[key];
    const value = (r.inputs as Record<string, unknown> | undefined)?.[key];
    return key === "connectionTest" ? recordedSettings(value as Partial<ConnectionTestSettings> | undefined) : value;
}

/** The inputs a record was made from, under their input names: checked when recorded, so not checked again. */
export function recordedInputs(record: ConnectorOutputs): ValidConnectorInputs {
    return stripUndefined(
        Object.fromEntries(INPUT_NAMES.map((key) => [key, recordedInput(record, key)])),
    ) as ValidConnectorInputs;
}

/** Where the record keeps input path `path` (`["delegate", "provisioner"]` → `["inputs", "delegate", "provisioner"]`). */
export function recordPath(path: (string | number)[]): (string | number)[] {
    return (NESTED_INPUTS as readonly (string | number)[]).includes(path[0]) ? ["inputs", ...path] : path;
}

/** The input path of record path `path` (recordPath's inverse); undefined for a path that holds no input. */
export function inputPath(path: (string | number)[]): (string | number)[] | undefined {
    if (path[0] === "inputs") return path.length > 1 ? path.slice(1) : undefined;
    return (INPUT_NAMES as readonly (string | number)[]).includes(path[0]) &&
        !(NESTED_INPUTS as readonly (string | number)[]).includes(path[0])
        ? path
        : undefined;
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
 * The connector's delegateSelectors in effect: as given, else (with `delegate.install`) the
 * installed delegate's tags, which the connector was registered with; undefined: any delegate.
 */
export function selectorsInEffect(
    stored: string[] | undefined,
    delegate: Pick<DelegateState, "install"> | undefined,
): string[] | undefined {
    return stored ?? delegate?.install?.tags;
}

/**
 * Every output, as the plugin answers and the SDK declares them: the record (its findings in
 * full) and the derived outputs; the copies of inputs only on the dynamic path.
 */
export type PublishedOutputs = Omit<ConnectorOutputs, InputCopies | keyof PublishedFindings> &
    PublishedFindings &
    Partial<Pick<ConnectorOutputs, InputCopies>> &
    DerivedOutputs;

/** The findings a record stores in a shorter form, as users read them (the SDK and the plugin's answer give these). */
export function publishedFindings(record: ConnectorOutputs): PublishedFindings {
    return {
        masterUrl: recordedMasterUrl(record),
        connectionTest: publishedReport(record.connectionTest, record.serverVersion, publicLifetime(record.credential)),
        delegateSelectors: selectorsInEffect(record.delegateSelectors, record.delegate),
    };
}

/** The derived outputs of a connector's inputs. */
export function derivedOutputs(inputs: {
    identifier: string;
    orgIdentifier?: string;
    projectIdentifier?: string;
    credential: Credential;
    delegate?: { useAsCredential?: boolean };
}): DerivedOutputs {
    return {
        ref: connectorRef(inputs.identifier, inputs),
        authType: authTypeOf(inputs.credential, inputs.delegate?.useAsCredential),
    };
}

/** How a connector with `credential` authenticates: its kind says; as its delegate with `useAsCredential`. */
export function authTypeOf(credential: Credential, useAsCredential?: boolean): string {
    return useAsCredential ? "ServiceAccount" : credentialKind(credential).authType(credential);
}

/** The delegate's part of a record. */
export function recordedDelegate(outputs: ConnectorOutputs): DelegateOutputs {
    return {
        delegate: outputs.delegate,
        delegateToken: outputs.delegateToken,
        delegateKubeconfig: outputs.delegateKubeconfig,
        ...(outputs.delegateInstallToken !== undefined ? { delegateInstallToken: outputs.delegateInstallToken } : {}),
    };
}

/** The last test run a record holds. */
export function recordedTestRun(outputs: ConnectorOutputs): TestRun {
    return {
        report: publishedReport(outputs.connectionTest, outputs.serverVersion, publicLifetime(outputs.credential)),
        masterUrl: recordedMasterUrl(outputs),
    };
}

/** The API server URL a credential names itself (a ManualConfig's `masterUrl`); undefined for the others. */
export function credentialMasterUrl(credential: Credential | undefined): string | undefined {
    return credential?.type === "ManualConfig" ? credential.masterUrl : undefined;
}

/** The URL of a record's last test: stored, or its credential's own. */
export function recordedMasterUrl(record: Pick<ConnectorOutputs, "masterUrl" | "credential">): string | undefined {
    return record.masterUrl ?? credentialMasterUrl(record.credential);
}

/** What a recorded connector needs to reach its cluster again (delete, and a removed delegate block). */
export function recordedAccess(outputs: ConnectorOutputs): {
    credential: Credential;
    connectionTest: ConnectionTestSettings;
} {
    return { credential: outputs.credential, connectionTest: recordedSettings(outputs.inputs.connectionTest)! };
}

/** The owner annotation of the delegate's objects: `<project>/<stack>/<identifier>`. */
export function delegateOwner(owner: string | undefined, identifier: string): string {
    return `${owner ?? "unknown"}/${identifier}`;
}
