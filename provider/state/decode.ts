// Decoding: the record a stored bag holds (decodeRecord), and the reads of it the lifecycle, the
// SDK and the plugin make. Imports no zod schema (the input names and the connectionTest defaults
// are plain constants, checked against the schema by test/unit/stateCodec.test.ts): a destroy loads
// this and what it needs to reach the cluster, not the schema.

import { type CredentialLifetime, publicLifetime } from "../credentials/expiry";
import type { ConnectionTestSettings, Credential, ValidConnectorInputs } from "../inputs/types";
import type { ConnectionTestReport } from "../parts/connectionTest/report";
import { upgradeRecord } from "./migrations";
import type {
    ConnectorOutputs,
    ConnectorRecord,
    DelegateOutputs,
    DelegateState,
    NestedInputName,
    PublishedFindings,
    StoredReport,
    TestRun,
} from "./record";

/** Those inputs, in the record's `inputs` field, under their own names. */
export const NESTED_INPUTS = ["connectionTest", "delegate", "harness"] as const satisfies readonly NestedInputName[];
// Every input a finding shadows is listed: a new one does not compile until it is.
const _everyNestedInput: Exclude<NestedInputName, (typeof NESTED_INPUTS)[number]> extends never ? true : never = true;
void _everyNestedInput;

/** The input names (the schema's INPUT_NAMES, which a @unit test holds this to), without loading the schema. */
export const RECORD_INPUT_NAMES = [
    "name",
    "identifier",
    "description",
    "tags",
    "orgIdentifier",
    "projectIdentifier",
    "delegateSelectors",
    "credential",
    "connectionTest",
    "delegate",
    "harness",
] as const satisfies readonly (keyof ValidConnectorInputs)[];
// Every input is listed: a new one does not compile until it is.
const _everyInput: Exclude<keyof ValidConnectorInputs, (typeof RECORD_INPUT_NAMES)[number]> extends never
    ? true
    : never = true;
void _everyInput;

/** The `connectionTest` settings a connector has when none are given (the schema's defaults; a @unit test holds them to it). */
export const CONNECTION_TEST_DEFAULTS: Readonly<ConnectionTestSettings> = Object.freeze({
    skipDefaultNamespaceValidation: false,
    requiredPermissions: "none",
    timeoutSeconds: 30,
});

/** Drops undefined values at every depth: the engine's protobuf Struct cannot carry them. */
export function stripUndefined<T>(o: T): T {
    return JSON.parse(JSON.stringify(o));
}

/** The recorded `connectionTest` settings with the defaults filled (as checked inputs have them); undefined stays. */
function recordedSettings(stored: Partial<ConnectionTestSettings> | undefined): ConnectionTestSettings | undefined {
    return stored === undefined ? undefined : ({ ...CONNECTION_TEST_DEFAULTS, ...stored } as ConnectionTestSettings);
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
        Object.fromEntries(RECORD_INPUT_NAMES.map((key) => [key, recordedInput(record, key)])),
    ) as ValidConnectorInputs;
}

/** Where the record keeps input path `path` (`["delegate", "provisioner"]` → `["inputs", "delegate", "provisioner"]`). */
export function recordPath(path: (string | number)[]): (string | number)[] {
    return (NESTED_INPUTS as readonly (string | number)[]).includes(path[0]) ? ["inputs", ...path] : path;
}

/** The input path of record path `path` (recordPath's inverse); undefined for a path that holds no input. */
export function inputPath(path: (string | number)[]): (string | number)[] | undefined {
    if (path[0] === "inputs") return path.length > 1 ? path.slice(1) : undefined;
    return (RECORD_INPUT_NAMES as readonly (string | number)[]).includes(path[0]) &&
        !(NESTED_INPUTS as readonly (string | number)[]).includes(path[0])
        ? path
        : undefined;
}

/** The API server URL a credential names itself (a ManualConfig's `masterUrl`); undefined for the others. */
export function credentialMasterUrl(credential: Credential | undefined): string | undefined {
    return credential?.type === "ManualConfig" ? credential.masterUrl : undefined;
}

/** The URL of a record's last test: stored, or its credential's own. */
export function recordedMasterUrl(record: Pick<ConnectorOutputs, "masterUrl" | "credential">): string | undefined {
    return record.masterUrl ?? credentialMasterUrl(record.credential);
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

/** A stored report as users read it: the empty lists, the server version of a test that did not fail, and the credential's public lifetime (`publicExpiry`) where it was left out. */
export function publishedReport(
    stored: StoredReport,
    serverVersion: string | undefined,
    publicExpiry?: CredentialLifetime,
): ConnectionTestReport {
    const version = stored.serverVersion ?? (stored.status !== "FAILURE" ? serverVersion : undefined);
    const { credentialExpiry, ...rest } = stored;
    const expiry = credentialExpiry === null ? undefined : (credentialExpiry ?? publicExpiry);
    return {
        ...rest,
        ...(expiry !== undefined ? { credentialExpiry: expiry } : {}),
        ...(version !== undefined ? { serverVersion: version } : {}),
        checks: stored.checks ?? [],
        missingPermissions: stored.missingPermissions ?? [],
    };
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

/** The findings a record stores in a shorter form, as users read them (the SDK and the plugin's answer give these). */
export function publishedFindings(record: ConnectorOutputs): PublishedFindings {
    return {
        masterUrl: recordedMasterUrl(record),
        connectionTest: publishedReport(record.connectionTest, record.serverVersion, publicLifetime(record.credential)),
        delegateSelectors: selectorsInEffect(record.delegateSelectors, record.delegate),
    };
}

/**
 * The record a stored bag holds, whichever version wrote it (migrations.ts), secrets unwrapped.
 * encodeRecord (encode.ts) gives the bag back: for a bag of this version, the same one.
 */
export function decodeRecord(stored: object): ConnectorRecord {
    const r = upgradeRecord(stored) as ConnectorOutputs;
    const { install, ...identity } = r.delegate ?? ({} as Partial<DelegateState>);
    const observed: ConnectorRecord["observed"] = r.connectionTest
        ? {
              test: {
                  report: publishedReport(r.connectionTest, r.serverVersion, publicLifetime(r.credential)),
                  masterUrl: recordedMasterUrl(r),
                  serverVersion: r.serverVersion,
                  kubeconfig: r.kubeconfig,
              },
          }
        : {};
    if (r.delegate || r.delegateToken !== undefined || r.delegateKubeconfig !== undefined)
        observed.identity = {
            state: r.delegate && (identity as DelegateState),
            token: r.delegateToken,
            kubeconfig: r.delegateKubeconfig,
        };
    if (install || r.delegateInstallToken !== undefined)
        observed.install = { state: install, token: r.delegateInstallToken };
    if (r.harness) observed.registration = r.harness;
    return stripUndefined({
        inputs: { ...recordedInputs(r), identifier: r.identifier },
        owner: r.__owner,
        observed,
    });
}

/**
 * The record in the plugin's layout: its stored outputs (`olds`, the findings in full, no copy of
 * the inputs), with the inputs they do not copy (the credential, the nested inputs) from the old
 * inputs, secret wrappers kept as the engine sent them. A record of an earlier version holds its
 * own copies; with neither, the engine sent no old inputs.
 */
export function recordFromPluginState(olds: object, oldInputs: Record<string, any> | undefined): Record<string, any> {
    const record = upgradeRecord(olds);
    if (!oldInputs) {
        if (record.identifier && record.credential === undefined)
            throw new Error(
                "the engine sent no old inputs with this request: the plugin keeps the credential as the input only (use the pulumi CLI 3.259 or later)",
            );
        return record;
    }
    // Stored inputs leave the connectionTest defaults out (storedInputs): `{}` when all are defaults.
    const given: Record<string, any> = { ...oldInputs, connectionTest: oldInputs.connectionTest ?? {} };
    const nested = Object.fromEntries(NESTED_INPUTS.map((k) => [k, given[k]]).filter(([, v]) => v !== undefined));
    // The published delegateSelectors are those in effect (publishedFindings): the record keeps the input as given.
    return {
        ...record,
        delegateSelectors: oldInputs.delegateSelectors,
        credential: oldInputs.credential ?? record.credential,
        inputs: nested,
    };
}
