// The dynamic provider's implementation: check, diff, create, read, update, delete. The shim in
// sdk/provider.ts loads this module lazily, so none of it is serialized into state.
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { assertConnectionSucceeded, ConnectionTestReport, runConnectionTest } from "./connectionTest";
import { ConnectorError, redact } from "./errors";
import { connectorRef } from "./identifier";
import { connect, exportKubeconfig } from "./kubeClient";
import { planConnectorDiff } from "./plan";
import { Credential, ValidConnectorInputs } from "./schema";
import { parseConnectorInputs, resolveIdentifier, validateConnectorInputs } from "./validate";

type Props = Record<string, any>;

/** Keys the engine or the dynamic-provider runtime adds (`__provider`). */
function userInputs(props: Props): Props {
    return Object.fromEntries(Object.entries(props).filter(([k]) => !k.startsWith("__")));
}

function engineKeys(props: Props): Props {
    return Object.fromEntries(Object.entries(props).filter(([k]) => k.startsWith("__")));
}

/** Every secret string a credential holds, to scrub from messages. */
export function credentialSecrets(c: Credential | undefined): string[] {
    if (!c) return [];
    if (c.type === "Kubeconfig") return [c.kubeconfig];
    if (c.type !== "ManualConfig") return [];
    const a = c.auth as Record<string, unknown>;
    return ["token", "password", "clientKey", "clientKeyPassphrase", "clientSecret"].map((k) => a[k]).filter((v): v is string => typeof v === "string");
}

/** Rethrows as an Error whose message says what happened and holds no secret. */
function fail(e: unknown, credential: Credential | undefined): never {
    const message = e instanceof Error ? e.message : String(e);
    const err = new Error(redact(message, credentialSecrets(credential)));
    err.name = e instanceof ConnectorError ? "ConnectorError" : "Error";
    throw err;
}

function stripUndefined<T extends Props>(o: T): T {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The resource id: unique per scope, in the `org/project/identifier` form Harness imports use. */
export function connectorId(inputs: Pick<ValidConnectorInputs, "orgIdentifier" | "projectIdentifier">, identifier: string): string {
    return [inputs.orgIdentifier, inputs.projectIdentifier, identifier].filter(Boolean).join("/");
}

interface TestRun {
    report: ConnectionTestReport;
    masterUrl?: string;
    kubeconfig?: string;
}

/** Connects with the connector's credential and runs the connection test. Never throws. */
async function testConnector(inputs: ValidConnectorInputs, identifier: string): Promise<TestRun> {
    const started = Date.now();
    let client;
    try {
        client = await connect(inputs.credential, inputs.connectionTest.timeoutSeconds * 1000);
    } catch (e) {
        const err = e instanceof ConnectorError ? e : new ConnectorError("CREDENTIAL_LOAD_FAILED", (e as Error).message, "Check the credential");
        return {
            report: {
                status: "FAILURE", testedAt: new Date(started).toISOString(), durationMs: Date.now() - started, checks: [], missingPermissions: [],
                error: { code: err.code, message: redact(err.message, credentialSecrets(inputs.credential)) },
            },
        };
    }
    try {
        const report = await runConnectionTest(client, inputs.connectionTest);
        if (report.error) report.error.message = redact(report.error.message, credentialSecrets(inputs.credential));
        return { report, masterUrl: client.server, kubeconfig: exportKubeconfig(client.kubeConfig, identifier) };
    } finally {
        await client.close();
    }
}

function outputs(inputs: ValidConnectorInputs, identifier: string, run: TestRun, previous?: Props): Props {
    const { connectionTest, ...rest } = inputs;
    return stripUndefined({
        ...rest,
        identifier,
        ref: connectorRef(identifier, inputs),
        connectionTestSettings: connectionTest,
        masterUrl: run.masterUrl ?? previous?.masterUrl,
        authType: inputs.credential.type === "ManualConfig" ? inputs.credential.auth.type : inputs.credential.type,
        serverVersion: run.report.serverVersion ?? previous?.serverVersion,
        connectionTest: run.report,
        kubeconfig: run.kubeconfig ?? previous?.kubeconfig,
    });
}

/** Validates inputs with the schema; fills the identifier and defaults. */
export async function check(olds: Props, news: Props): Promise<dynamic.CheckResult> {
    const result = validateConnectorInputs(userInputs(news));
    if (!result.ok) return { failures: result.issues };
    if (!result.complete) return { inputs: news };
    const identifier = resolveIdentifier(result.value, olds);
    return { inputs: { ...engineKeys(news), ...result.value, identifier } };
}

/** Replacement for identifier or scope changes, an update for anything else that changed. */
export async function diff(_id: string, olds: Props, news: Props): Promise<dynamic.DiffResult> {
    const plan = planConnectorDiff(olds, userInputs(news));
    return { changes: plan.changes, replaces: plan.replaces, deleteBeforeReplace: false };
}

/** Runs the connection test; records the connector only when it passes. */
export async function create(props: Props): Promise<dynamic.CreateResult> {
    let inputs: ValidConnectorInputs | undefined;
    try {
        inputs = parseConnectorInputs(userInputs(props));
        const identifier = inputs.identifier ?? resolveIdentifier(inputs);
        const run = await testConnector(inputs, identifier);
        assertConnectionSucceeded(run.report);
        return { id: connectorId(inputs, identifier), outs: outputs(inputs, identifier, run) };
    } catch (e) {
        fail(e, inputs?.credential);
    }
}

/** Re-runs the test when connection-relevant inputs changed; otherwise only the description changes. */
export async function update(_id: string, olds: Props, news: Props): Promise<dynamic.UpdateResult> {
    let inputs: ValidConnectorInputs | undefined;
    try {
        inputs = parseConnectorInputs(userInputs(news));
        const identifier = inputs.identifier ?? olds.identifier;
        const plan = planConnectorDiff(olds, userInputs(news));
        if (!plan.retest) return { outs: outputs(inputs, identifier, { report: olds.connectionTest, masterUrl: olds.masterUrl }, olds) };
        const run = await testConnector(inputs, identifier);
        assertConnectionSucceeded(run.report);
        return { outs: outputs(inputs, identifier, run) };
    } catch (e) {
        fail(e, inputs?.credential);
    }
}

/** Refresh: runs the test again and records the result; a cluster that is down is a FAILURE report, not an error. */
export async function read(id: string, props: Props): Promise<dynamic.ReadResult> {
    const { connectionTestSettings, connectionTest: _report, ref: _ref, masterUrl: _m, authType: _a, serverVersion: _s, kubeconfig: _k, ...rest } = userInputs(props);
    const recorded = { ...rest, connectionTest: connectionTestSettings };
    const parsed = validateConnectorInputs(recorded, () => false);
    if (!parsed.ok) return { id, props };
    const inputs = parsed.value as ValidConnectorInputs;
    const run = await testConnector(inputs, props.identifier);
    return { id, props: { ...engineKeys(props), ...outputs(inputs, props.identifier, run, props) }, inputs: { ...engineKeys(props), ...recorded } };
}

/** The connector alone owns nothing in the cluster: deleting it always succeeds, cluster or not. */
export async function remove(_id: string, _props: Props): Promise<void> {
    return;
}
