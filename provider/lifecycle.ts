// The dynamic provider's implementation: check, diff, create, read, update, delete. The shim in
// sdk/provider.ts loads this module lazily, so none of it is serialized into state.
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { assertConnectionSucceeded, ConnectionTestReport, runConnectionTest } from "./connectionTest";
import { DelegateState, inspectDelegate, provisionDelegate, Provisioned, removeDelegate } from "./delegate";
import { tokenNeedsRenewal } from "./delegatePlan";
import { ConnectorError, redact } from "./errors";
import { SECRET_FIELDS } from "./schema";
import { connectorRef } from "./identifier";
import { kubeconfigIsDerivable } from "./kubeconfigDocument";
import type * as KubeClientModule from "./kubeClient";
import type { KubeClient } from "./kubeClient";
import { planConnectorDiff } from "./plan";
import type { Credential, DelegateSettings, ValidConnectorInputs } from "./types";
import { parseConnectorInputs, resolveIdentifier, validateConnectorInputs } from "./validate";

type Props = Record<string, any>;

/** The client module (and undici), loaded on first use: check and diff, all a no-op preview runs, never need it. */
function kube(): typeof KubeClientModule {
    return require("./kubeClient");
}

/** The user's inputs, without the keys the engine or the SDK adds (`__provider`, `__owner`). */
function userInputs(props: Props): Props {
    return Object.fromEntries(Object.entries(props).filter(([k]) => !k.startsWith("__")));
}

function engineKeys(props: Props): Props {
    return Object.fromEntries(Object.entries(props).filter(([k]) => k.startsWith("__")));
}

/** Every secret string a credential holds (its SECRET_FIELDS, at any depth), to scrub from messages. */
export function credentialSecrets(c: unknown): string[] {
    if (!c || typeof c !== "object") return [];
    return Object.entries(c).flatMap(([k, v]) => (SECRET_FIELDS.has(k) && typeof v === "string" ? [v] : credentialSecrets(v)));
}

/** The secrets of a connector's credential and delegate provisioner, and `extra` ones (tokens). */
function secretsOf(inputs: Pick<ValidConnectorInputs, "credential" | "delegate"> | undefined, extra: (string | undefined)[] = []): string[] {
    return [...credentialSecrets(inputs?.credential), ...credentialSecrets(inputs?.delegate?.provisioner), ...extra.filter((s): s is string => !!s)];
}

/** The secrets a connector's recorded outputs hold: its credential, provisioner and delegate token. */
function recordedSecrets(props: Props): string[] {
    return secretsOf({ credential: props.credential, delegate: props.delegateSettings }, [props.delegateToken]);
}

/** Rethrows as an Error whose message says what happened and holds no secret. */
function fail(e: unknown, secrets: string[]): never {
    const message = e instanceof Error ? e.message : String(e);
    const err = new Error(redact(message, secrets));
    err.name = e instanceof ConnectorError ? "ConnectorError" : "Error";
    throw err;
}

/** Drops undefined values at every depth: the engine's protobuf Struct cannot carry them. */
function stripUndefined<T extends Props>(o: T): T {
    return JSON.parse(JSON.stringify(o));
}

/** The resource id: unique per scope, in the `org/project/identifier` form Harness imports use. */
export function connectorId(inputs: Pick<ValidConnectorInputs, "orgIdentifier" | "projectIdentifier">, identifier: string): string {
    return [inputs.orgIdentifier, inputs.projectIdentifier, identifier].filter(Boolean).join("/");
}

/** Who owns the delegate's objects: `<project>/<stack>/<identifier>`. */
function ownerOf(props: Props, identifier: string): string {
    return `${props.__owner ?? "unknown"}/${identifier}`;
}

interface TestRun {
    report: ConnectionTestReport;
    masterUrl?: string;
    kubeconfig?: string;
}

function failureReport(started: number, e: unknown, secrets: string[]): ConnectionTestReport {
    const err = e instanceof ConnectorError ? e : new ConnectorError("CREDENTIAL_LOAD_FAILED", (e as Error).message, "Check the credential");
    return {
        status: "FAILURE", testedAt: new Date(started).toISOString(), durationMs: Date.now() - started, checks: [], missingPermissions: [],
        error: { code: err.code, message: redact(err.message, secrets) },
    };
}

/** Connects with `credential` and runs the connection test. Never throws. */
async function testConnector(credential: Credential, inputs: ValidConnectorInputs, identifier: string, secrets: string[]): Promise<TestRun> {
    const started = Date.now();
    let client;
    try {
        client = await kube().connect(credential, inputs.connectionTest.timeoutSeconds * 1000);
    } catch (e) {
        return { report: failureReport(started, e, secrets) };
    }
    try {
        const report = await runConnectionTest(client, inputs.connectionTest);
        if (report.error) report.error.message = redact(report.error.message, secrets);
        return { report, masterUrl: client.server, kubeconfig: client.exportKubeconfig(identifier) };
    } finally {
        await client.close();
    }
}

/** The delegate's outputs; the token and its kubeconfig are secret (additionalSecretOutputs). */
interface DelegateOutputs {
    delegate?: DelegateState;
    delegateToken?: string;
    delegateKubeconfig?: string;
}

/** The credential the connection test uses: the delegate's token when useAsCredential. */
function effectiveCredential(inputs: ValidConnectorInputs, d: DelegateOutputs): Credential {
    if (inputs.delegate?.useAsCredential && d.delegateKubeconfig) return { type: "Kubeconfig", kubeconfig: d.delegateKubeconfig };
    return inputs.credential;
}

function outputs(inputs: ValidConnectorInputs, identifier: string, run: TestRun, d: DelegateOutputs, props: Props, previous?: Props): Props {
    const { connectionTest, delegate, ...rest } = inputs;
    return stripUndefined({
        __owner: props.__owner,
        ...rest,
        identifier,
        ref: connectorRef(identifier, inputs),
        connectionTestSettings: connectionTest,
        delegateSettings: delegate,
        masterUrl: run.masterUrl ?? previous?.masterUrl,
        authType: delegate?.useAsCredential ? "ServiceAccount" : inputs.credential.type === "ManualConfig" ? inputs.credential.auth.type : inputs.credential.type,
        serverVersion: run.report.serverVersion ?? previous?.serverVersion,
        connectionTest: run.report,
        // Not stored when the credential alone defines it: the SDK builds it in the program.
        kubeconfig: !delegate?.useAsCredential && kubeconfigIsDerivable(inputs.credential) ? undefined : (run.kubeconfig ?? previous?.kubeconfig),
        ...d,
    });
}

/** The client that makes the delegate's objects: delegate.provisioner, else the connector's credential. */
function provisionerClient(inputs: { credential: Credential; connectionTest: { timeoutSeconds: number } }, delegate: DelegateSettings): Promise<KubeClient> {
    return kube().connect(delegate.provisioner ?? inputs.credential, inputs.connectionTest.timeoutSeconds * 1000);
}

/**
 * Provisions the delegate (when declared), then runs the connection test; when the test fails,
 * undoes what this run made and throws.
 */
async function provisionAndTest(inputs: ValidConnectorInputs, identifier: string, props: Props, previous?: Props, retest = true): Promise<{ run: TestRun; d: DelegateOutputs }> {
    let prov: KubeClient | undefined;
    let provisioned: Provisioned | undefined;
    const previousD: DelegateOutputs = previous ? { delegate: previous.delegate, delegateToken: previous.delegateToken, delegateKubeconfig: previous.delegateKubeconfig } : {};
    let d: DelegateOutputs = inputs.delegate ? previousD : {};
    try {
        if (inputs.delegate) {
            prov = await provisionerClient(inputs, inputs.delegate);
            provisioned = await provisionDelegate(prov, inputs.delegate, ownerOf(props, identifier), { state: previous?.delegate, token: previous?.delegateToken });
            d = {
                delegate: provisioned.state,
                delegateToken: provisioned.token,
                delegateKubeconfig: provisioned.token ? prov.exportKubeconfig(`${identifier}-delegate`, provisioned.token) : undefined,
            };
        }
        if (previous?.delegate && !inputs.delegate) {
            // The delegate block was removed: its objects go.
            const old = previous.delegateSettings as DelegateSettings;
            const oldProv = await provisionerClient({ credential: previous.credential, connectionTest: previous.connectionTestSettings }, old);
            try {
                await removeDelegate(oldProv, previous.delegate, ownerOf(props, identifier));
            } finally {
                await oldProv.close();
            }
        }
        const tokenChanged = d.delegateToken !== previousD.delegateToken;
        if (!retest && !(inputs.delegate?.useAsCredential && tokenChanged)) {
            return { run: { report: previous!.connectionTest, masterUrl: previous!.masterUrl }, d };
        }
        const run = await testConnector(effectiveCredential(inputs, d), inputs, identifier, secretsOf(inputs, [d.delegateToken, d.delegateKubeconfig]));
        if (run.report.status === "FAILURE" && provisioned) {
            const left = await provisioned.undo();
            if (left.length) run.report.error!.message += `; undoing the delegate's objects left: ${left.join(", ")} (the next pulumi up takes them over)`;
        }
        assertConnectionSucceeded(run.report);
        return { run, d };
    } finally {
        await prov?.close();
    }
}

/** Validates inputs with the schema; fills the identifier and defaults. */
export async function check(olds: Props, news: Props): Promise<dynamic.CheckResult> {
    const result = validateConnectorInputs(userInputs(news));
    if (!result.ok) return { failures: result.issues };
    if (!result.complete) return { inputs: news };
    const identifier = resolveIdentifier(result.value, olds);
    return { inputs: { ...engineKeys(news), ...result.value, identifier } };
}

/** Whether the recorded delegate needs work even though no input changed: drift, or a bound token near its end. */
function delegateNeedsRepair(olds: Props): boolean {
    const state = olds.delegate as DelegateState | undefined;
    const settings = olds.delegateSettings as DelegateSettings | undefined;
    if (!state || !settings) return false;
    if (state.drift?.length) return true;
    return settings.token === "bound" && tokenNeedsRenewal(state.tokenIssuedAt, state.tokenExpiresAt, settings.tokenRenewFraction);
}

/** Replacement for identifier or scope changes, an update for anything else that changed. */
export async function diff(_id: string, olds: Props, news: Props): Promise<dynamic.DiffResult> {
    const plan = planConnectorDiff(olds, userInputs(news));
    return { changes: plan.changes || delegateNeedsRepair(olds), replaces: plan.replaces, deleteBeforeReplace: false };
}

/** Provisions the delegate when declared and runs the connection test; records the connector only when it passes. */
export async function create(props: Props): Promise<dynamic.CreateResult> {
    let inputs: ValidConnectorInputs | undefined;
    try {
        inputs = parseConnectorInputs(userInputs(props));
        const identifier = inputs.identifier ?? resolveIdentifier(inputs);
        const { run, d } = await provisionAndTest(inputs, identifier, props);
        return { id: connectorId(inputs, identifier), outs: outputs(inputs, identifier, run, d, props) };
    } catch (e) {
        fail(e, secretsOf(inputs));
    }
}

/** Re-provisions and re-tests what changed; a description change touches no cluster. */
export async function update(_id: string, olds: Props, news: Props): Promise<dynamic.UpdateResult> {
    let inputs: ValidConnectorInputs | undefined;
    try {
        inputs = parseConnectorInputs(userInputs(news));
        const identifier = inputs.identifier ?? olds.identifier;
        const plan = planConnectorDiff(olds, userInputs(news));
        const delegateWork = plan.changed.includes("delegate") || plan.changed.includes("credential") || delegateNeedsRepair(olds);
        if (!plan.retest && !delegateWork) {
            const kept: DelegateOutputs = { delegate: olds.delegate, delegateToken: olds.delegateToken, delegateKubeconfig: olds.delegateKubeconfig };
            return { outs: outputs(inputs, identifier, { report: olds.connectionTest, masterUrl: olds.masterUrl }, kept, news, olds) };
        }
        const { run, d } = await provisionAndTest(inputs, identifier, news, olds, plan.retest);
        return { outs: outputs(inputs, identifier, run, d, news, olds) };
    } catch (e) {
        fail(e, [...secretsOf(inputs), ...recordedSecrets(olds)]);
    }
}

/** Refresh: runs the test again and looks for drift in the delegate's objects; a cluster that is down is recorded, not thrown. */
export async function read(id: string, props: Props): Promise<dynamic.ReadResult> {
    const { connectionTestSettings, delegateSettings, connectionTest: _r, ref: _f, masterUrl: _m, authType: _a, serverVersion: _s, kubeconfig: _k, delegate: _d, delegateToken: _t, delegateKubeconfig: _dk, ...rest } = userInputs(props);
    const recorded = stripUndefined({ ...rest, connectionTest: connectionTestSettings, delegate: delegateSettings });
    const parsed = validateConnectorInputs(recorded, () => false);
    if (!parsed.ok) return { id, props };
    const inputs = parsed.value as ValidConnectorInputs;
    const d: DelegateOutputs = { delegate: props.delegate, delegateToken: props.delegateToken, delegateKubeconfig: props.delegateKubeconfig };
    if (inputs.delegate && d.delegate) {
        let drift: string[];
        try {
            const prov = await provisionerClient(inputs, inputs.delegate);
            try {
                drift = await inspectDelegate(prov, inputs.delegate, ownerOf(props, props.identifier));
            } finally {
                await prov.close();
            }
        } catch (e) {
            drift = [`could not inspect the delegate's objects: ${redact((e as Error).message, secretsOf(inputs))}`];
        }
        d.delegate = { ...d.delegate, drift };
    }
    const run = await testConnector(effectiveCredential(inputs, d), inputs, props.identifier, secretsOf(inputs, [d.delegateToken]));
    return {
        id,
        props: { ...engineKeys(props), ...outputs(inputs, props.identifier, run, d, props, props) },
        inputs: { ...engineKeys(props), ...recorded },
    };
}

/**
 * Removes the delegate's objects (reverse order, only this connector's). The connector itself owns
 * nothing in the cluster; a cluster that cannot be reached is gone with its objects.
 */
export async function remove(_id: string, props: Props): Promise<void> {
    if (!props.delegate || !props.delegateSettings) return;
    let prov: KubeClient | undefined;
    try {
        prov = await provisionerClient({ credential: props.credential, connectionTest: props.connectionTestSettings }, props.delegateSettings);
        await removeDelegate(prov, props.delegate, ownerOf(props, props.identifier));
    } catch (e) {
        const code = (e as ConnectorError).code;
        if (code === "UNREACHABLE" || code === "TIMEOUT" || code === "CREDENTIAL_LOAD_FAILED") {
            console.log(`warning: the delegate's objects were not removed: ${redact((e as Error).message, recordedSecrets(props))}`);
            return;
        }
        fail(e, recordedSecrets(props));
    } finally {
        await prov?.close();
    }
}
