#!/usr/bin/env node
// `pulumi-kubernetes-connector test`: the connector's connection test (the same code as
// testConnection() and `pulumi up`) as a command for pipelines and for debugging a cluster. Prints
// a report (or JSON) and exits with the code of the failure's class. Never prints a secret: the
// report is redacted by the test itself, and no flag value is echoed.
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { connect } from "../provider/credentials";
import { expiryWarning } from "../provider/credentials/expiry";
import {
    ConnectorError,
    connectorError,
    type FailureClass,
    failureClass,
    isErrorCode,
    recordFailure,
} from "../provider/errors";
import { loadYaml } from "../provider/heavyPackages";
import type { ConnectorInputs, Credential } from "../provider/inputs/types";
import { grantManifests, subjectOf } from "../provider/parts/connectionTest/grantManifest";
import type { ConnectionTestReport } from "../provider/parts/connectionTest/report";
import { testInputs } from "../provider/parts/connectionTest/testRun";
import { type AccessCheck, parseCheck } from "../provider/permissions";
import { redactError } from "../provider/secrets";
import { delegateManifestMain } from "./delegateManifestCli";

/**
 * The exit code of each class of failure (each code's class is in ERROR_CODES, provider/errors.ts);
 * 0 is success (SUCCESS, or SKIPPED when only GET /version ran).
 */
export const EXIT_CODES = {
    other: 1,
    usage: 2,
    credential: 3,
    unreachable: 4,
    tls: 5,
    authentication: 6,
    permissions: 7,
} as const satisfies Record<FailureClass, number>;

export type { FailureClass };

/** The exit code for a report: 0 unless it failed, else its error's class. */
export function exitCodeOf(report: Pick<ConnectionTestReport, "status" | "error">): number {
    if (report.status !== "FAILURE") return 0;
    const code = report.error?.code ?? "";
    return EXIT_CODES[failureClass(isErrorCode(code) ? code : "UNEXPECTED")];
}

const USAGE = `Usage: pulumi-kubernetes-connector test [options]
       pulumi-kubernetes-connector delegate-manifest --help

Runs the connector's connection test (GET /version, listing the controllers in the
namespaces, the required permissions) against a cluster, with one credential:
  --master-url URL (--token TOKEN | --token-file FILE) [--ca-cert FILE]
                   [--tls-server-name NAME] [--insecure-skip-tls-verify]
  --kubeconfig FILE [--context NAME]
  neither: $KUBECONFIG, ~/.kube/config or the in-cluster ServiceAccount [--context NAME]

Options:
  --profile none|deployments|builds   permissions to require (default: none)
  --namespace NAME                    also list the controllers there; check the profile there
  --skip-default-namespace            do not list the controllers in default
  --timeout SECONDS                   deadline of the whole test (default: 30)
  --json                              print the report as JSON
  --rbac-yaml                         when permissions are missing, print a Role and RoleBinding
                                      granting exactly them to the tested identity (for
                                      \`kubectl apply -f -\`); the report goes to stderr
  -h, --help                          this text

Exit codes: 0 passed; 1 other failure; 2 bad usage or input; 3 credential not loaded or
expired; 4 unreachable, timeout or rate limited; 5 TLS; 6 authentication; 7 permissions.`;

const OPTIONS = {
    "master-url": { type: "string" },
    "ca-cert": { type: "string" },
    "tls-server-name": { type: "string" },
    "insecure-skip-tls-verify": { type: "boolean" },
    token: { type: "string" },
    "token-file": { type: "string" },
    kubeconfig: { type: "string" },
    context: { type: "string" },
    profile: { type: "string" },
    namespace: { type: "string" },
    "skip-default-namespace": { type: "boolean" },
    timeout: { type: "string" },
    json: { type: "boolean" },
    "rbac-yaml": { type: "boolean" },
    help: { type: "boolean", short: "h" },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

function usageError(what: string): ConnectorError {
    return connectorError("INVALID_INPUT", what, { facts: "Run `pulumi-kubernetes-connector --help` for the options" });
}

/** A file a flag names, read; unreadable is CREDENTIAL_LOAD_FAILED (exit 3). */
function readFlagFile(flag: string, file: string): string {
    try {
        return fs.readFileSync(file, "utf8");
    } catch (e) {
        throw connectorError(
            "CREDENTIAL_LOAD_FAILED",
            `cannot read the file of --${flag} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
            { facts: `Fix the path given to --${flag}` },
        );
    }
}

/** The credential the flags describe: a master URL and token, a kubeconfig file, or the environment. */
function credentialOf(f: Flags): Credential {
    const manual = ["ca-cert", "tls-server-name", "insecure-skip-tls-verify", "token", "token-file"] as const;
    if (f["master-url"] === undefined) {
        const stray = manual.filter((k) => f[k] !== undefined);
        if (stray.length) throw usageError(`--${stray.join(", --")} need(s) --master-url`);
        return {
            type: "InheritFromDelegate",
            ...(f.kubeconfig !== undefined ? { kubeconfigPath: f.kubeconfig } : {}),
            ...(f.context !== undefined ? { context: f.context } : {}),
        };
    }
    if (f.kubeconfig !== undefined || f.context !== undefined)
        throw usageError("--master-url cannot be combined with --kubeconfig or --context");
    if ((f.token === undefined) === (f["token-file"] === undefined))
        throw usageError("--master-url needs exactly one of --token and --token-file");
    const token = f.token ?? readFlagFile("token-file", f["token-file"]!).trim();
    return {
        type: "ManualConfig",
        masterUrl: f["master-url"],
        ...(f["ca-cert"] !== undefined ? { caCert: readFlagFile("ca-cert", f["ca-cert"]) } : {}),
        ...(f["tls-server-name"] !== undefined ? { tlsServerName: f["tls-server-name"] } : {}),
        ...(f["insecure-skip-tls-verify"] ? { insecureSkipTlsVerify: true } : {}),
        auth: { type: "ServiceAccount", token },
    };
}

/** The connector inputs the flags describe; values are checked by the connector's schema. */
function inputsOf(f: Flags): ConnectorInputs {
    const timeout = f.timeout === undefined ? undefined : /^\s*$/.test(f.timeout) ? f.timeout : Number(f.timeout);
    return {
        name: "pulumi-kubernetes-connector test",
        identifier: "cli",
        credential: credentialOf(f),
        connectionTest: {
            ...(f.profile !== undefined ? { requiredPermissions: f.profile as "deployments" } : {}),
            ...(f.namespace !== undefined ? { namespace: f.namespace } : {}),
            ...(f["skip-default-namespace"] ? { skipDefaultNamespaceValidation: true } : {}),
            ...(timeout !== undefined ? { timeoutSeconds: timeout as number } : {}),
        },
    };
}

/** The report as a person reads it: each check, missing permissions, the credential's expiry, the error. */
export function formatReport(report: ConnectionTestReport, masterUrl?: string): string {
    const about = [masterUrl, report.serverVersion, `${report.durationMs} ms`].filter(Boolean).join(", ");
    const lines = [`Connection test: ${report.status} (${about})`];
    const missing = report.missingPermissions;
    // The list is printed once: the check's line and the error say how many, not which.
    const once = (message: string) =>
        missing.length ? message.replace(/missing: .*$/, `missing ${missing.length}, listed below`) : message;
    for (const c of report.checks) {
        // The report no longer repeats the server version in GET /version's check: shown here.
        const message =
            c.message ?? (c.name === "GET /version" && c.status === "PASSED" ? report.serverVersion : undefined);
        lines.push(`  ${c.status.padEnd(7)} ${c.name}${message ? `: ${once(message)}` : ""}`);
    }
    if (missing.length) {
        lines.push(`Missing permissions (${report.missingPermissions.length}):`);
        for (const p of report.missingPermissions) lines.push(`  ${p}`);
    }
    const expiry = report.credentialExpiry;
    if (expiry) {
        lines.push(
            `Credential: the ${expiry.source} expires at ${expiry.expiresAt}${expiry.issuedAt ? ` (issued ${expiry.issuedAt})` : ""}`,
        );
        const warning = expiryWarning(expiry, {});
        if (warning) lines.push(`Warning: ${warning}`);
    }
    if (report.error) {
        const listed = `: ${missing.join("; ")}`;
        const message = missing.length ? report.error.message.replace(listed, " (listed above)") : report.error.message;
        lines.push(`Error: ${message}`);
        if (report.error.remediation && !report.error.message.endsWith(report.error.remediation))
            lines.push(`Fix: ${report.error.remediation}`);
    }
    return lines.join("\n");
}

/** The secrets the flags hold: the token, given or read from its file. */
function secretsOf(f: Flags | undefined): string[] {
    if (!f) return [];
    const fromFile = f["token-file"] === undefined ? "" : (readOrEmpty(f["token-file"]) ?? "").trim();
    return [f.token, fromFile].filter((s): s is string => !!s);
}

function readOrEmpty(file: string): string | undefined {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return undefined;
    }
}

/** The Role and RoleBinding (YAML) granting `missing` to the identity `credential` authenticates as. */
async function grantYaml(credential: Credential, missing: AccessCheck[], timeoutMs: number): Promise<string> {
    const client = await connect(credential, timeoutMs);
    const review = await client.request<{ status?: { userInfo?: { username?: string } } }>(
        "ask who the credential is (SelfSubjectReview)",
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    );
    const username = review.status?.userInfo?.username;
    if (!username)
        throw connectorError(
            "UNEXPECTED",
            "the API server did not say who the credential is (SelfSubjectReview has no user name)",
            { facts: "Grant the listed permissions by hand" },
        );
    return grantManifests(missing, subjectOf(username))
        .map((m) => loadYaml().dump(m, { noRefs: true }))
        .join("---\n");
}

function timeoutMsOf(inputs: ConnectorInputs): number {
    const s = inputs.connectionTest?.timeoutSeconds;
    return (typeof s === "number" && s > 0 ? s : 30) * 1000;
}

/** Runs the command with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[], out = process.stdout, err = process.stderr): Promise<number> {
    if (argv[0] === "delegate-manifest") return delegateManifestMain(argv.slice(1), out, err);
    const json = argv.includes("--json");
    // Every value given could be a secret (a token): none may appear in a message.
    const fail = (e: unknown): number => {
        const error = recordFailure(redactError(e, secretsOf(flags)));
        if (json) out.write(`${JSON.stringify({ status: "FAILURE", checks: [], missingPermissions: [], error })}\n`);
        else err.write(`Error: ${error.message}\n`);
        return exitCodeOf({ status: "FAILURE", error });
    };
    let flags: Flags | undefined;
    try {
        const parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
        flags = parsed.values;
        if (flags.help) {
            out.write(`${USAGE}\n`);
            return 0;
        }
        // Positionals are not quoted back: one may be a token given by mistake.
        if (parsed.positionals.length !== 1 || parsed.positionals[0] !== "test")
            throw usageError(`expected the command \`test\` (got ${parsed.positionals.length} arguments)`);
    } catch (e) {
        return fail(e instanceof ConnectorError ? e : usageError((e as Error).message));
    }
    try {
        const inputs = inputsOf(flags);
        const { report, masterUrl } = await testInputs(inputs);
        const text = json
            ? `${JSON.stringify({ masterUrl, ...report }, null, 2)}\n`
            : `${formatReport(report, masterUrl)}\n`;
        if (!flags["rbac-yaml"]) {
            out.write(text);
            return exitCodeOf(report);
        }
        err.write(text);
        const missing = report.missingPermissions.map(parseCheck).filter((c) => c !== undefined);
        if (missing.length) out.write(await grantYaml(inputs.credential as Credential, missing, timeoutMsOf(inputs)));
        return exitCodeOf(report);
    } catch (e) {
        return fail(e);
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
