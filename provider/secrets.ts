// Everything about secrets in one place: which input fields hold them, which outputs are secret as
// a whole, which strings a connector's errors must never show, and the redaction itself.

import { ConnectorError, toConnectorError } from "./errors";
import { MAP_FIELD_NAMES, SECRET_PATHS } from "./inputs/fieldPaths";
import type { Credential, DelegateSettings } from "./inputs/types";
import type { ConnectionTestReport } from "./parts/connectionTest/report";
import type { ConnectorOutputs } from "./state/record";

// The secret paths are declared on the fields (`.meta({ secret: true })`) and generated into
// inputs/fieldPaths.ts by `npm run gen:types`, so redaction loads no schema.
export { SECRET_PATHS };

/**
 * Fields of a credential (at any depth: `auth` too) that hold secrets: the SDK marks them secret.
 * The names of the fields declared secret (each credential kind's and auth type's, `harness.apiKey`,
 * the installed delegate's proxy `password`).
 */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(SECRET_PATHS.map((p) => p[p.length - 1]));

/**
 * Input fields whose value is a credential: SECRET_FIELDS are secret inside them, and only there.
 * Those that hold a secret field themselves: not `delegate`, whose `token` is a setting.
 */
const CREDENTIAL_FIELDS: ReadonlySet<string> = new Set(SECRET_PATHS.filter((p) => p.length > 1).map((p) => p.at(-2)!));

/** Map fields: their keys are data, not field names (`harness.secretRefs` maps secret field names to refs). */
const MAP_FIELDS: ReadonlySet<string> = new Set(MAP_FIELD_NAMES);

/**
 * Whether the value under `key` is (inside) a credential, given whether its parent is: SECRET_FIELDS
 * are secret there. A map (`harness.secretRefs`, which maps the same field names to Harness secret
 * refs, names, not secrets) is never a credential.
 */
export function credentialBelow(key: string, inCredential: boolean): boolean {
    return !MAP_FIELDS.has(key) && (inCredential || CREDENTIAL_FIELDS.has(key));
}

/** Input fields whose object value may hold a credential: every field above a secret one. */
export const SECRET_HOLDERS: ReadonlySet<string> = new Set(SECRET_PATHS.flatMap((p) => p.slice(0, -1)));

/**
 * Record paths that hold credentials and have no input of the same name to take their secretness
 * from: secret as a whole. (`credential` is not among them: the engine marks its leaves secret
 * where the input's are, so its CA and URL stay readable and state holds less ciphertext.) The
 * recorded `delegate` input is secret only when it may hold a provisioner credential, the
 * recorded `harness` input only when it may hold an API key.
 */
export function secretOutputPaths(delegateMayHoldCredential: boolean, harnessMayHoldKey = false): string[][] {
    return [
        ["kubeconfig"],
        ...(delegateMayHoldCredential ? [["inputs", "delegate"]] : []),
        ...(harnessMayHoldKey ? [["inputs", "harness"]] : []),
        ["delegateToken"],
        ["delegateKubeconfig"],
        ["delegateInstallToken"],
    ];
}

/**
 * The outputs (top-level) that are secret as a whole, for what can only mark whole outputs (the
 * SDK's additionalSecretOutputs, the plugin schema): `inputs` when it holds a secret path.
 */
export function secretOutputs(delegateMayHoldCredential: boolean, harnessMayHoldKey = false): string[] {
    return [...new Set(secretOutputPaths(delegateMayHoldCredential, harnessMayHoldKey).map((p) => p[0]))];
}

/** What of the `delegate` input can hold a secret: a provisioner credential, the installed delegate's proxy password. */
export interface DelegateSecretHolder {
    provisioner?: unknown;
    install?: { proxy?: { password?: unknown } };
}

/** Whether the `delegate` input holds a secret (then its recorded copy is secret as a whole). */
export function delegateInputMayHoldSecret(delegate: DelegateSecretHolder | undefined): boolean {
    return delegate?.provisioner !== undefined || delegate?.install?.proxy?.password !== undefined;
}

/** The secret paths (see secretOutputPaths) of a recorded connector, from what it holds. */
export function recordedSecretPaths(record: {
    inputs?: { delegate?: DelegateSecretHolder; harness?: { apiKey?: unknown } };
}): string[][] {
    return secretOutputPaths(
        delegateInputMayHoldSecret(record.inputs?.delegate),
        record.inputs?.harness?.apiKey !== undefined,
    );
}

/** Every secret string a credential holds (its SECRET_FIELDS, at any depth), to scrub from messages. */
export function credentialSecrets(c: unknown): string[] {
    if (!c || typeof c !== "object") return [];
    return Object.entries(c).flatMap(([k, v]) =>
        SECRET_FIELDS.has(k) && typeof v === "string" ? [v] : credentialBelow(k, true) ? credentialSecrets(v) : [],
    );
}

/** The secrets of a connector's credential and delegate provisioner, and `extra` ones (tokens). */
export function connectorSecrets(
    inputs:
        | {
              credential?: Credential;
              delegate?: Pick<DelegateSettings, "provisioner" | "install">;
              harness?: { apiKey?: string };
          }
        | undefined,
    extra: (string | undefined)[] = [],
): string[] {
    return [
        ...credentialSecrets(inputs?.credential),
        ...credentialSecrets(inputs?.delegate?.provisioner),
        ...credentialSecrets(inputs?.delegate?.install),
        ...credentialSecrets(inputs?.harness),
        // The key may come from the environment instead of the inputs.
        ...(inputs?.harness && process.env.HARNESS_PLATFORM_API_KEY ? [process.env.HARNESS_PLATFORM_API_KEY] : []),
        ...extra.filter((s): s is string => !!s),
    ];
}

/** The secrets a connector's recorded outputs hold: its credential, provisioner, delegate token and kubeconfigs. */
export function recordedSecrets(outputs: Partial<ConnectorOutputs>): string[] {
    return connectorSecrets(
        { credential: outputs.credential, delegate: outputs.inputs?.delegate, harness: outputs.inputs?.harness },
        [outputs.delegateToken, outputs.kubeconfig, outputs.delegateKubeconfig, outputs.delegateInstallToken],
    );
}

/** Replaces every occurrence of each secret in `text` with [secret]. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
    let out = text;
    for (const s of secrets) {
        if (s && s.length >= 4) out = out.split(s).join("[secret]");
    }
    return out;
}

/** `e` as a ConnectorError (see toConnectorError) with every secret replaced by [secret]. */
export function redactError(e: unknown, secrets: readonly (string | undefined)[]): ConnectorError {
    const err = toConnectorError(e);
    const scrub = (s: string | undefined) => (s === undefined ? undefined : redact(s, secrets));
    return new ConnectorError(
        err.code,
        scrub(err.what)!,
        scrub(err.remediation)!,
        scrub(err.kubernetesMessage),
        err.httpStatus,
    );
}

/** The report with its failure message redacted. */
export function redactReport(
    report: ConnectionTestReport,
    secrets: readonly (string | undefined)[],
): ConnectionTestReport {
    if (!report.error) return report;
    return {
        ...report,
        error: {
            ...report.error,
            message: redact(report.error.message, secrets),
            ...(report.error.what === undefined ? {} : { what: redact(report.error.what, secrets) }),
            ...(report.error.kubernetesMessage === undefined
                ? {}
                : { kubernetesMessage: redact(report.error.kubernetesMessage, secrets) }),
        },
        checks: report.checks.map((c) => (c.message ? { ...c, message: redact(c.message, secrets) } : c)),
    };
}
