// pulumi-kubernetes-connector: a Kubernetes cluster connector as one Pulumi resource.
import { builtinModules } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { kubeconfigIsDerivable } from "../provider/credentials/kubeconfigDocument";
import { connectorRef } from "../provider/inputs/identifier";
import type { ConnectorInputs, Credential } from "../provider/inputs/types";
import { inputError, validateConnectorInputs } from "../provider/inputs/validate";
import type { ConnectionTestReport } from "../provider/parts/connectionTest/report";
import { assertConnectionSucceeded } from "../provider/parts/connectionTest/runConnectionTest";
import { testInputs } from "../provider/parts/connectionTest/testRun";
import type { HarnessState } from "../provider/parts/registration/record";
import { type DelegateSecretHolder, delegateInputMayHoldSecret, secretOutputs } from "../provider/secrets";
import {
    authTypeOf,
    publishedConnectionTest,
    publishedKubeconfig,
    publishedMasterUrl,
    type StoredReport,
    selectorsInEffect,
} from "../provider/state";
import type { DelegateState } from "../provider/state/record";
import { isLater, markSecrets } from "./markSecrets";
import { connectorProvider } from "./provider";

export type { ErrorCode } from "../provider/errors";
export { ConnectorError } from "../provider/errors";
export { connectorRef, deriveIdentifier } from "../provider/inputs/identifier";
// The input types come from provider/inputs/types (generated from the zod schema): not from zod
// itself, whose types every program would otherwise type-check.
export type {
    Auth,
    ConnectionTestSettings,
    ConnectorInputs,
    Credential,
    DelegateSettings,
} from "../provider/inputs/types";
// Declarations here must not reach @kubernetes/client-node: every program type-checks them.
export type { CheckResult, ConnectionTestReport } from "../provider/parts/connectionTest/report";
export { planDelegateRbac } from "../provider/parts/identity/plan";
export type { HarnessState, HarnessTestResult } from "../provider/parts/registration/record";
export type { PolicyRule } from "../provider/permissions";
export { BUILDS_RULES, DEPLOYMENTS_RULES } from "../provider/permissions";
export type { DelegateState } from "../provider/state/record";
export { type DelegateManifestArgs, delegateManifest } from "./delegateManifest";

/** `Input<T>` all the way down: any field may be an Output of another resource. */
export type DeepInput<T> = T extends string | number | boolean | undefined | null
    ? pulumi.Input<T>
    : T extends readonly (infer E)[]
      ? pulumi.Input<DeepInput<E>[]>
      : T extends object
        ? pulumi.Input<{ [K in keyof T]: DeepInput<T[K]> }>
        : pulumi.Input<T>;

/**
 * Arguments of {@link KubernetesClusterConnector}: the connector's inputs (see docs/reference/inputs.md for each
 * field and its default), where any value may be a Pulumi Input.
 */
export type KubernetesClusterConnectorArgs = { [K in keyof ConnectorInputs]: DeepInput<ConnectorInputs[K]> };

const NOT_YET_KNOWN = Symbol("not yet known");

/** The plain values of args, with Outputs and Promises replaced by a marker. */
function plainView(v: unknown): unknown {
    if (pulumi.Output.isInstance(v) || v instanceof Promise) return NOT_YET_KNOWN;
    if (Array.isArray(v)) return v.map(plainView);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainView(x)]));
    return v;
}

/**
 * A Kubernetes cluster connector. On create it runs the connection test with the connector's own
 * credentials (GET /version; the controllers of `default` unless
 * `connectionTest.skipDefaultNamespaceValidation`; `connectionTest.requiredPermissions`) and is
 * recorded only when the test passes. Inputs are validated in the program, before anything is sent
 * to a cluster; credential fields are kept secret in state and output.
 */
export class KubernetesClusterConnector extends pulumi.dynamic.Resource {
    /** The connector's display name. */
    public readonly name!: pulumi.Output<string>;
    /** The Harness identifier: as given, or derived from the name on create (a rename keeps it). */
    public readonly identifier!: pulumi.Output<string>;
    public readonly description!: pulumi.Output<string | undefined>;
    public readonly tags!: pulumi.Output<Record<string, string> | undefined>;
    public readonly orgIdentifier!: pulumi.Output<string | undefined>;
    public readonly projectIdentifier!: pulumi.Output<string | undefined>;
    /** The selectors state stores: as given (undefined when they default to the installed delegate's tags). */
    private storedDelegateSelectors?: pulumi.Output<string[] | undefined>;
    private delegateSelectorsOutput?: pulumi.Output<string[] | undefined>;
    /**
     * The delegate tags Harness's connector uses: as given, else with `delegate.install` the
     * installed delegate's tags; undefined means "use any available delegate".
     */
    public get delegateSelectors(): pulumi.Output<string[] | undefined> {
        this.delegateSelectorsOutput ??= pulumi
            .all([this.storedDelegateSelectors, this.delegate])
            .apply(([stored, delegate]) => selectorsInEffect(stored, delegate));
        return this.delegateSelectorsOutput;
    }
    /** Set by the engine (the output registered as `delegateSelectors`). */
    public set delegateSelectors(stored: pulumi.Output<string[] | undefined>) {
        this.storedDelegateSelectors = stored;
    }
    /** The URL state stores: only when it is not the credential's own `masterUrl`. */
    private storedMasterUrl?: pulumi.Output<string | undefined>;
    private masterUrlOutput?: pulumi.Output<string>;
    /**
     * The API server URL the connector talks to (from the credential or its kubeconfig). For a
     * ManualConfig credential it is the credential's `masterUrl`, computed here (state does not store it twice).
     */
    public get masterUrl(): pulumi.Output<string> {
        // Not secret: the URL is a plain leaf of the credential, whose token makes the whole secret.
        this.masterUrlOutput ??= pulumi.unsecret(
            pulumi
                .all([this.storedMasterUrl, this.credential])
                .apply(([stored, credential]) => publishedMasterUrl(stored, credential)),
        );
        return this.masterUrlOutput;
    }
    /** Set by the engine (the output registered as `masterUrl`). */
    public set masterUrl(stored: pulumi.Output<string>) {
        this.storedMasterUrl = stored;
    }
    /** The server's gitVersion from the last connection test. */
    public readonly serverVersion!: pulumi.Output<string>;
    /** The report as state stores it (StoredReport: without its empty lists and the repeated server version). */
    private storedConnectionTest?: pulumi.Output<StoredReport>;
    private connectionTestOutput?: pulumi.Output<ConnectionTestReport>;
    /**
     * The last connection test as recorded: status (SUCCESS, SKIPPED, FAILURE), testedAt, how many
     * checks passed (`passed`), the checks that did not (`checks`), missing permissions. (Every
     * check by name: {@link testConnection} and `pulumi-kubernetes-connector test`.)
     */
    public get connectionTest(): pulumi.Output<ConnectionTestReport> {
        this.connectionTestOutput ??= pulumi
            // Not secret although the credential is: publicLifetime reads only its plain-text parts (a client certificate).
            .all([this.storedConnectionTest, this.serverVersion, pulumi.unsecret(this.credential)])
            .apply(([stored, serverVersion, credential]) => publishedConnectionTest(stored, serverVersion, credential));
        return this.connectionTestOutput;
    }
    /** Set by the engine (the output registered as `connectionTest`). */
    public set connectionTest(stored: pulumi.Output<ConnectionTestReport>) {
        this.storedConnectionTest = stored;
    }
    /** The credential as recorded in state: secret where it holds a secret. */
    public readonly credential!: pulumi.Output<Credential>;
    private refOutput?: pulumi.Output<string>;
    /**
     * How other entities refer to it: `account.<id>`, `org.<id>`, or `<id>` inside a project.
     * Computed here from the identifiers (state does not store what they define).
     */
    public get ref(): pulumi.Output<string> {
        this.refOutput ??= pulumi
            .all([this.identifier, this.orgIdentifier, this.projectIdentifier])
            .apply(([identifier, orgIdentifier, projectIdentifier]) =>
                connectorRef(identifier, { orgIdentifier, projectIdentifier }),
            );
        return this.refOutput;
    }
    private readonly authTypeOutput: pulumi.Output<string>;
    /**
     * `ServiceAccount`, `ClientKeyCert`, `UsernamePassword`, `OpenIdConnect`, `Kubeconfig` or
     * `InheritFromDelegate`: computed here from the credential (and `delegate.useAsCredential`).
     */
    public get authType(): pulumi.Output<string> {
        return this.authTypeOutput;
    }
    /** The kubeconfig the provider stored: only when the credential alone does not define it. */
    private storedKubeconfig?: pulumi.Output<string | undefined>;
    private kubeconfigOutput?: pulumi.Output<string>;
    /**
     * A kubeconfig (secret) that authenticates as the connector, for pipelines. For a ManualConfig
     * credential other than OpenIdConnect it is built here, from `credential`, when first read
     * (state then holds no second copy of the credential); otherwise it is the one the provider stored.
     */
    public get kubeconfig(): pulumi.Output<string> {
        this.kubeconfigOutput ??= pulumi.secret(
            pulumi
                .all([this.storedKubeconfig, this.credential, this.identifier])
                .apply(([stored, credential, identifier]) => publishedKubeconfig(stored, credential, identifier)),
        );
        return this.kubeconfigOutput;
    }
    /** Set by the engine (the output registered as `kubeconfig`). */
    public set kubeconfig(stored: pulumi.Output<string>) {
        this.storedKubeconfig = stored;
    }
    /**
     * The delegate's identity, when `delegate` is set: ServiceAccount namespace and name, role kind and
     * names, binding names, token Secret name, tokenExpiresAt (bound tokens), the objects owned, and
     * `drift` (what `pulumi refresh` found changed; the next `pulumi up` repairs it).
     */
    public readonly delegate!: pulumi.Output<DelegateState | undefined>;
    /** The delegate's ServiceAccount token (secret). */
    public readonly delegateToken!: pulumi.Output<string | undefined>;
    /** A kubeconfig (secret) that authenticates as the delegate's ServiceAccount. */
    public readonly delegateKubeconfig!: pulumi.Output<string | undefined>;
    /** With `delegate.install`: the Harness delegate token (secret) the installed delegate runs with. */
    public readonly delegateInstallToken!: pulumi.Output<string | undefined>;
    /**
     * The connector in Harness, when `harness` is set: connectorRef, url, secretRefs, createdAt,
     * lastModifiedAt, connectionTest (Harness's own: status, errorSummary, testedAt, delegateId) and
     * `drift` (what `pulumi refresh` found changed or deleted in Harness; the next `pulumi up` repairs it).
     */
    public readonly harness!: pulumi.Output<HarnessState | undefined>;

    /**
     * @param name The Pulumi resource name.
     * @param args The connector's inputs; plain values are validated here and bad ones throw at once.
     * @param opts Resource options; the outputs holding credentials are always added to additionalSecretOutputs.
     */
    constructor(name: string, args: KubernetesClusterConnectorArgs, opts?: pulumi.CustomResourceOptions) {
        const early = validateConnectorInputs(plainView(args), (v) => v === NOT_YET_KNOWN);
        if (!early.ok) throw inputError(early.issues);
        const marked = markSecrets(args) as Record<string, unknown>;
        const props = {
            ...marked,
            identifier: args.identifier,
            masterUrl: undefined,
            serverVersion: undefined,
            connectionTest: args.connectionTest,
            kubeconfig: undefined,
            // Each output costs the program a few promises: the delegate's only when it has one.
            ...(args.delegate === undefined
                ? {}
                : {
                      delegate: marked.delegate,
                      delegateToken: undefined,
                      delegateKubeconfig: undefined,
                      delegateInstallToken: undefined,
                  }),
            ...(args.harness === undefined ? {} : { harness: marked.harness }),
            // Names the owner of the delegate's objects in the cluster (hidden from diffs: leading
            // __): only a connector with a delegate owns any.
            ...(args.delegate === undefined ? {} : { __owner: `${pulumi.getProject()}/${pulumi.getStack()}` }),
        };
        loadBuiltinsQuietly();
        super(connectorProvider, name, props, {
            ...opts,
            additionalSecretOutputs: [
                ...(opts?.additionalSecretOutputs ?? []),
                ...secretOutputs(
                    delegateMayHoldCredential(args.delegate),
                    args.harness !== undefined &&
                        (isLater(args.harness) || (args.harness as { apiKey?: unknown }).apiKey !== undefined),
                )
                    .filter((o) => args.delegate !== undefined || !DELEGATE_OUTPUTS.includes(o))
                    .filter((o) => o !== "kubeconfig" || kubeconfigMayBeStored(args)),
            ],
        });
        // Not secret: which kind of credential it is, not its values.
        this.authTypeOutput = pulumi.unsecret(
            pulumi
                .all([args.credential, args.delegate])
                .apply(([credential, delegate]) =>
                    authTypeOf(credential as Credential, (delegate as { useAsCredential?: boolean })?.useAsCredential),
                ),
        );
        if (args.delegate === undefined) {
            undefinedOutput ??= pulumi.output(undefined);
            (this as any).delegate = (this as any).delegateToken = (this as any).delegateKubeconfig = undefinedOutput;
            (this as any).delegateInstallToken = undefinedOutput;
        }
        if (args.harness === undefined) {
            undefinedOutput ??= pulumi.output(undefined);
            (this as any).harness = undefinedOutput;
        }
    }
}

/**
 * Whether the provider may store a kubeconfig output (then it must be named secret): not when the
 * credential alone defines it, as far as the program knows it (the kubeconfig getter builds that one here).
 */
function kubeconfigMayBeStored(args: KubernetesClusterConnectorArgs): boolean {
    if (args.delegate !== undefined) return true;
    try {
        return !kubeconfigIsDerivable(plainView(args.credential) as Credential);
    } catch {
        return true; // not known yet: it may be stored
    }
}

/** The outputs only a connector with a delegate has: no need to name them secret without one. */
const DELEGATE_OUTPUTS = ["delegateToken", "delegateKubeconfig", "delegateInstallToken"];

/** Whether the delegate block may hold a secret (a provisioner credential, a proxy password): then its recorded settings are secret. */
function delegateMayHoldCredential(delegate: KubernetesClusterConnectorArgs["delegate"]): boolean {
    if (delegate === undefined) return false;
    const install = (delegate as { install?: unknown }).install;
    const proxy = install && !isLater(install) ? (install as { proxy?: unknown }).proxy : install;
    return isLater(delegate) || isLater(proxy) || delegateInputMayHoldSecret(delegate as DelegateSecretHolder);
}

let builtinsLoaded = false;

/**
 * Loads every Node.js built-in module the way @pulumi/pulumi's closure serializer is about to
 * (`computeBuiltInModules` in runtime/closure/createClosure.js, run for any dynamic provider: the
 * provider object is a captured value, and every captured value is looked up among the built-ins),
 * but without the ExperimentalWarning that loading an experimental one prints (`node:sqlite`:
 * "SQLite is an experimental feature", which the engine shows as two diagnostics on every
 * preview and up). Only warnings of that type raised while this loop loads modules the program
 * did not load itself are dropped (a built-in already loaded is not loaded again, and so warns no
 * more); other warnings pass. Node.js warns once per feature, so a program that itself loads
 * `node:sqlite` only after its first connector is not warned again.
 */
function loadBuiltinsQuietly(): void {
    if (builtinsLoaded) return;
    builtinsLoaded = true;
    const emitWarning = process.emitWarning;
    process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
        const type =
            warning instanceof Error
                ? warning.name
                : typeof rest[0] === "string"
                  ? rest[0]
                  : (rest[0] as { type?: string })?.type;
        if (type === "ExperimentalWarning") return;
        return (emitWarning as (...a: unknown[]) => void).call(process, warning, ...rest);
    } as typeof process.emitWarning;
    try {
        // The same list the serializer loads (it skips these, and names starting with `_`).
        for (const name of builtinModules) {
            if (name.startsWith("_") || ["punycode", "sys", "wasi"].includes(name)) continue;
            try {
                require(name);
            } catch {
                // Not loadable in this Node.js (behind a flag): the serializer will say so itself.
            }
        }
    } finally {
        process.emitWarning = emitWarning;
    }
}

/** The delegate and harness outputs of every connector without them: one Output of undefined, shared. */
let undefinedOutput: pulumi.Output<undefined> | undefined;

/**
 * Runs the connection test outside Pulumi with the same checks as `pulumi up`. Resolves to the
 * report when it passes (or is skipped); rejects with a {@link ConnectorError} otherwise (bad
 * inputs: `INVALID_INPUT`), its message free of the credential's secrets.
 */
export async function testConnection(inputs: ConnectorInputs): Promise<ConnectionTestReport> {
    const { report } = await testInputs(inputs);
    assertConnectionSucceeded(report);
    return report;
}
