// Encoding: the bag state stores for a record (encodeRecord), in the shorter forms the record
// keeps (no connectionTest defaults, a report without its empty lists and repeated values, no
// masterUrl or kubeconfig the credential defines), and buildOutputs, which makes the record of a run.

import { type CredentialLifetime, publicLifetime } from "../credentials/expiry";
import { kubeconfigIsDerivable } from "../credentials/kubeconfigDocument";
import type { ConnectionTestSettings, ValidConnectorInputs } from "../inputs/types";
import type { ConnectionTestReport } from "../parts/connectionTest/report";
import type { HarnessState } from "../parts/registration/record";
import { CONNECTION_TEST_DEFAULTS, credentialMasterUrl, recordedMasterUrl, stripUndefined } from "./decode";
import type {
    ConnectorOutputs,
    ConnectorRecord,
    DelegateOutputs,
    DelegateState,
    Observed,
    StoredReport,
    TestRun,
} from "./record";

/** `settings` without the values that are the defaults: the record keeps what was chosen. */
function chosenSettings(settings: Partial<ConnectionTestSettings>): Partial<ConnectionTestSettings> {
    const defaults = CONNECTION_TEST_DEFAULTS as Record<string, unknown>;
    return Object.fromEntries(
        Object.entries(settings).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(defaults[k])),
    ) as Partial<ConnectionTestSettings>;
}

/**
 * The inputs as the engine is to store them (check's answer, and read's): `connectionTest` without
 * the settings' defaults, and none when all are defaults; checkedInput (decode.ts) fills them back.
 */
export function storedInputs<T extends { connectionTest?: unknown }>(inputs: T): T {
    const { connectionTest, ...rest } = inputs;
    if (!connectionTest || typeof connectionTest !== "object") return inputs;
    const chosen = chosenSettings(connectionTest as ConnectionTestSettings);
    return (Object.keys(chosen).length ? { ...rest, connectionTest: chosen } : rest) as T;
}

/**
 * `report` as the record keeps it (the `connectionTest` output): the checks that passed are
 * counted in `passed`, not listed, since their names follow from the settings (`testConnection`
 * and the CLI list every check); `checks` keeps those that did not pass. A recorded one stays as it is.
 */
export function recordedReport(report: ConnectionTestReport): ConnectionTestReport {
    const notPassed = report.checks.filter((c) => c.status !== "PASSED");
    return { ...report, passed: (report.passed ?? 0) + report.checks.length - notPassed.length, checks: notPassed };
}

/** `report` (recorded: see recordedReport) as state stores it, next to the record's `serverVersion`. */
export function storedReport(
    report: ConnectionTestReport,
    serverVersion: string | undefined,
    publicExpiry?: CredentialLifetime,
): StoredReport {
    const { checks, missingPermissions, serverVersion: version, credentialExpiry, ...rest } = report;
    return {
        ...rest,
        ...storedExpiry(credentialExpiry, publicExpiry),
        ...(version !== undefined && (version !== serverVersion || report.status === "FAILURE")
            ? { serverVersion: version }
            : {}),
        ...(checks.length ? { checks } : {}),
        ...(missingPermissions.length ? { missingPermissions } : {}),
    };
}

/** What the record keeps of the lifetime the test found: nothing when the credential's plain-text parts give the same. */
function storedExpiry(
    found: CredentialLifetime | undefined,
    publicExpiry: CredentialLifetime | undefined,
): Pick<StoredReport, "credentialExpiry"> {
    if (publicExpiry === undefined) return found ? { credentialExpiry: found } : {};
    if (found === undefined) return { credentialExpiry: null };
    const same =
        found.source === publicExpiry.source &&
        found.expiresAt === publicExpiry.expiresAt &&
        found.issuedAt === publicExpiry.issuedAt;
    return same ? {} : { credentialExpiry: found };
}

/** The bag state stores for `record` (the public output names; decodeRecord reads it back). */
export function encodeRecord(record: ConnectorRecord): ConnectorOutputs {
    const { inputs, owner, observed } = record;
    const { test, identity, install, registration } = observed;
    // Only a record `pulumi import` made lacks it, and that one is built, not encoded.
    if (!test) throw new Error("a record is stored only once its connection test ran");
    const { connectionTest, delegate: delegateSettings, harness: harnessSettings, ...rest } = inputs;
    const delegate = identity?.state && { ...identity.state, ...(install?.state ? { install: install.state } : {}) };
    return stripUndefined({
        // Only a connector with a delegate owns objects in the cluster (and needs its owner to remove them).
        __owner: delegateSettings ? owner : undefined,
        ...rest,
        // The settings' defaults are not stored: recordedInput fills them back.
        inputs: {
            connectionTest: connectionTest && chosenSettings(connectionTest),
            delegate: delegateSettings,
            harness: harnessSettings,
        },
        // Not stored when it is the credential's: recordedMasterUrl gives it back.
        masterUrl: test.masterUrl === credentialMasterUrl(inputs.credential) ? undefined : test.masterUrl,
        serverVersion: test.serverVersion,
        // Without the lifetime the credential's plain-text parts give: publishedReport puts it back.
        connectionTest: storedReport(
            recordedReport(test.report),
            test.serverVersion,
            publicLifetime(inputs.credential),
        ),
        // Not stored when the credential alone defines it: the SDK builds it in the program.
        kubeconfig:
            !delegateSettings?.useAsCredential && kubeconfigIsDerivable(inputs.credential)
                ? undefined
                : test.kubeconfig,
        delegate,
        delegateToken: identity?.token,
        delegateKubeconfig: identity?.kubeconfig,
        delegateInstallToken: install?.token,
        harness: harnessSettings ? registration : undefined,
    }) as ConnectorOutputs;
}

/** The delegate's part of a run as the record observes it: the identity, and the installed delegate. */
function observedDelegate(delegate: DelegateOutputs): Pick<Observed, "identity" | "install"> {
    const { install, ...identity } = delegate.delegate ?? ({} as Partial<DelegateState>);
    return {
        identity: {
            state: delegate.delegate && (identity as Omit<DelegateState, "install">),
            token: delegate.delegateToken,
            kubeconfig: delegate.delegateKubeconfig,
        },
        install: { state: install, token: delegate.delegateInstallToken },
    };
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
    return encodeRecord({
        inputs: { ...inputs, identifier },
        owner,
        observed: {
            test: {
                report: run.report,
                masterUrl: run.masterUrl ?? (previous && recordedMasterUrl(previous)),
                serverVersion: run.report.serverVersion ?? previous?.serverVersion,
                kubeconfig: run.kubeconfig ?? previous?.kubeconfig,
            },
            ...observedDelegate(delegate),
            registration: harness ?? previous?.harness,
        },
    });
}

/**
 * The record of a lifecycle run: its inputs and what its parts found (`observed`, by part);
 * `previous` fills what this run did not learn (a test that could not reach the cluster keeps the
 * last URL and version).
 */
export function recordFromRun(
    inputs: ValidConnectorInputs,
    identifier: string,
    owner: string | undefined,
    observed: Partial<Observed>,
    previous?: ConnectorOutputs,
): ConnectorOutputs {
    const { test, identity, install, registration } = observed;
    const delegate: DelegateOutputs = identity?.state
        ? {
              delegate: { ...identity.state, ...(install?.state ? { install: install.state } : {}) },
              delegateToken: identity.token,
              delegateKubeconfig: identity.kubeconfig,
              delegateInstallToken: install?.token,
          }
        : {};
    return buildOutputs(inputs, identifier, owner, test!, delegate, previous, registration);
}
