// The input rules only Harness imposes (names, reserved identifiers, what its K8sCluster connector
// cannot hold, where a secret ref may point, the account and key given or in the environment), and
// the credential Harness would be given: pure, so validate.ts checks them at check (preview) and
// parts/registration/mapping.ts builds its plan from the same credential. Here, beside the schema, not in
// harness/: the inputs layer reads nothing above it.
import { AUTH_KINDS, credentialKind, type HarnessCredential } from "../credentials/kinds";
import type { ClusterFacts, HarnessSecretField, HarnessSettings } from "./harnessTypes";
import { deriveIdentifier, RESERVED_CONNECTOR_IDENTIFIERS, refScopeProblem, type Scope } from "./identifier";
import type { ValidConnectorInputs } from "./types";

/** A property Harness cannot take, and why (as harnessInputProblems and harnessAccessProblems report it). */
export interface HarnessInputIssue {
    property: string;
    reason: string;
}

/** The credential the Harness connector uses, or why it cannot be registered (the credential's kind knows). */
export function harnessCredential(inputs: ValidConnectorInputs, facts: ClusterFacts): HarnessCredential | string {
    const c = inputs.credential;
    const kind = credentialKind(c);
    if (inputs.delegate?.useAsCredential) {
        const cluster = kind.harness.cluster(c);
        const masterUrl = cluster.masterUrl ?? facts.masterUrl;
        return {
            type: "ManualConfig",
            masterUrl: masterUrl ?? "",
            authType: "ServiceAccount",
            secrets: { token: facts.delegateToken ?? "", caCert: cluster.caCert },
            plain: {},
        };
    }
    return kind.harness.toHarness(c);
}

/** Which `auth.spec` field of Harness's K8sCluster connector holds each secret field's ref (each auth type's). */
export const REF_FIELDS: Record<string, Partial<Record<HarnessSecretField, string>>> = Object.fromEntries(
    Object.values(AUTH_KINDS).map((k) => [k.type, k.harness.refFields]),
);

/** Harness's entity-name rule for connectors and secrets (harness-core `NGEntityNameValidator`). */
export const HARNESS_NAME_PATTERN = /^[a-zA-Z0-9_.\-/ ]+$/;
/** The longest name `NGEntityNameValidator` accepts. */
export const HARNESS_MAX_NAME = 128;

/** Why Harness would refuse `name` for a connector or secret, or undefined. */
export function harnessNameProblem(name: string): string | undefined {
    if (name.length > HARNESS_MAX_NAME)
        return `must be at most ${HARNESS_MAX_NAME} characters for Harness (got ${name.length})`;
    if (!HARNESS_NAME_PATTERN.test(name)) {
        const bad = [...new Set(name.replace(/[a-zA-Z0-9_.\-/ ]/g, ""))].map((c) => JSON.stringify(c)).join(", ");
        return `may hold only letters, digits, spaces and "-", "_", ".", "/" in Harness (found ${bad})`;
    }
    return undefined;
}

/** The scope of a connector. */
export function harnessScope(inputs: Pick<ValidConnectorInputs, "orgIdentifier" | "projectIdentifier">): Scope {
    return { orgIdentifier: inputs.orgIdentifier, projectIdentifier: inputs.projectIdentifier };
}

/** Why the credential cannot be registered in Harness (the kind's reason), as the property to change. */
export function credentialIssue(inputs: ValidConnectorInputs, reason: string): HarnessInputIssue {
    return { property: inputs.credential.type === "Kubeconfig" ? "credential.kubeconfig" : "credential", reason };
}

/** What in the inputs Harness cannot take, each with the property to change: checked at preview. */
export function harnessInputProblems(inputs: ValidConnectorInputs): HarnessInputIssue[] {
    if (!inputs.harness) return [];
    const issues: HarnessInputIssue[] = [];
    const c = inputs.credential;
    // An installed delegate gives the selectors their default: its tags.
    const inherits = c.type === "InheritFromDelegate" && !inputs.delegate?.useAsCredential;
    if (inherits && !inputs.delegateSelectors?.length && !inputs.delegate?.install)
        issues.push({
            property: "delegateSelectors",
            reason: "must name at least one delegate tag when credential.type is InheritFromDelegate and the connector is registered in Harness: Harness runs it on a delegate with those tags",
        });
    const nameProblem = harnessNameProblem(inputs.name);
    if (nameProblem) issues.push({ property: "name", reason: nameProblem });
    const identifier = inputs.identifier ?? deriveIdentifier(inputs.name);
    if (RESERVED_CONNECTOR_IDENTIFIERS.has(identifier))
        issues.push({
            property: "identifier",
            reason: `"${identifier}" is the built-in secret manager's identifier, which Harness refuses for a connector: choose another identifier`,
        });
    const scope = harnessScope(inputs);
    if (inputs.harness.requireCaCert && !inherits && !harnessCaGiven(inputs))
        issues.push({
            property: "credential.caCert",
            reason: "is required by harness.requireCaCert: without a CA Harness's delegate does not verify the API server's certificate (harness-core ApiClientFactoryImpl); give the cluster's CA",
        });
    // A secret names its manager from its own scope (harness-core IdentifierRefHelper): a bare one
    // is of that scope, and `org.x` needs an org.
    const manager = inputs.harness.secretManager;
    if (manager.startsWith("org.") && !scope.orgIdentifier)
        issues.push({
            property: "harness.secretManager",
            reason: `"${manager}" names an org-level secret manager, which an account-level connector's secrets cannot use: write account.<id> or <id>`,
        });
    if (c.type === "ManualConfig" && c.tlsServerName)
        issues.push({
            property: "credential.tlsServerName",
            reason: "cannot be registered in Harness (its K8sCluster connector has no server-name override): use a masterUrl whose host is in the server certificate",
        });
    if (c.type === "Kubeconfig" && !inputs.delegate?.useAsCredential) {
        const credential = harnessCredential(inputs, {});
        if (typeof credential === "string") issues.push(credentialIssue(inputs, credential));
    }
    const refs = inputs.harness.secretRefs ?? {};
    if (Object.keys(refs).length) {
        const credential = harnessCredential(inputs, { masterUrl: "https://x", delegateToken: "x" });
        const usable =
            typeof credential === "object" && credential.type === "ManualConfig"
                ? Object.keys(REF_FIELDS[credential.authType])
                : [];
        for (const [field, ref] of Object.entries(refs)) {
            const scopeProblem = refScopeProblem(ref, scope);
            if (!usable.includes(field))
                issues.push({
                    property: `harness.secretRefs.${field}`,
                    reason: `is not a secret this credential registers (it registers ${usable.join(", ") || "none"})`,
                });
            else if (scopeProblem) issues.push({ property: `harness.secretRefs.${field}`, reason: scopeProblem });
        }
    }
    return issues;
}

/** Whether the registered connector names a CA for the API server (a created or a given secret). */
export function harnessCaGiven(inputs: ValidConnectorInputs): boolean {
    if (inputs.harness?.secretRefs?.caCert) return true;
    const credential = harnessCredential(inputs, { masterUrl: "https://x", delegateToken: "x" });
    return typeof credential === "object" && credential.type === "ManualConfig" && !!credential.secrets.caCert;
}

/**
 * Warnings about a registration Harness accepts but a user should know of: a connector without a CA,
 * which Harness's delegate reaches without verifying the API server's certificate
 * (harness-core `ApiClientFactoryImpl`: `setVerifyingSsl(isNotEmpty(caCert))`).
 */
export function harnessInputWarnings(inputs: ValidConnectorInputs): string[] {
    if (!inputs.harness) return [];
    const c = inputs.credential;
    const id = inputs.identifier ?? deriveIdentifier(inputs.name);
    const warnings: string[] = [];
    const inherits = c.type === "InheritFromDelegate" && !inputs.delegate?.useAsCredential;
    if (!inherits && !inputs.harness.requireCaCert && !harnessCaGiven(inputs))
        warnings.push(
            `connector ${id} is registered in Harness without a CA: Harness's delegate will reach ${c.type === "ManualConfig" ? c.masterUrl : "the API server"} WITHOUT verifying its certificate (our own connection test still verifies it). Give credential.caCert (or harness.secretRefs.caCert), or set harness.requireCaCert: true to refuse this`,
        );
    // harness-core's K8s validation builds its client without the passphrase (2023): an encrypted key fails there.
    const credential = harnessCredential(inputs, { masterUrl: "https://x", delegateToken: "x" });
    if (
        inputs.harness.test !== "skip" &&
        typeof credential === "object" &&
        credential.type === "ManualConfig" &&
        (credential.secrets.clientKeyPassphrase || inputs.harness.secretRefs?.clientKeyPassphrase)
    )
        warnings.push(
            `connector ${id} has a passphrase-protected client key: Harness's own test builds its client without the passphrase, so it may fail there while ours passes. Use an unencrypted key in Harness, or set harness.test: skip`,
        );
    return warnings;
}

/** The environment variable each setting falls back to. */
export const HARNESS_ENV = {
    accountId: "HARNESS_ACCOUNT_ID",
    apiKey: "HARNESS_PLATFORM_API_KEY",
    endpoint: "HARNESS_ENDPOINT",
} as const;

/** Environment variables, as `process.env` holds them. */
type Env = Record<string, string | undefined>;

/** The settings that are neither given nor in the environment, as input problems (checked at preview). */
export function harnessAccessProblems(settings: HarnessSettings, env: Env = process.env): HarnessInputIssue[] {
    const problems: HarnessInputIssue[] = [];
    for (const key of ["accountId", "apiKey"] as const)
        if (!settings[key] && !env[HARNESS_ENV[key]])
            problems.push({
                property: `harness.${key}`,
                reason: `is required: set it, or the environment variable ${HARNESS_ENV[key]} where pulumi runs`,
            });
    const endpoint = env[HARNESS_ENV.endpoint];
    if (!settings.endpoint && endpoint && !/^https:\/\/[^/?#]+/.test(endpoint))
        problems.push({
            property: "harness.endpoint",
            reason: `comes from ${HARNESS_ENV.endpoint}, which is not an https:// URL: fix it or set harness.endpoint`,
        });
    return problems;
}
