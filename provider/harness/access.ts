// Where the Harness API is and who calls it: the `harness` inputs, else the environment variables
// the Harness SDK and Terraform provider read (users' pipelines already set them).
import { ConnectorError } from "../errors";
import type { ValidConnectorInputs } from "../inputs/types";

/** The environment variable each setting falls back to. */
export const HARNESS_ENV = {
    accountId: "HARNESS_ACCOUNT_ID",
    apiKey: "HARNESS_PLATFORM_API_KEY",
    endpoint: "HARNESS_ENDPOINT",
} as const;

/** Harness SaaS's API. */
export const DEFAULT_HARNESS_ENDPOINT = "https://app.harness.io/gateway";

/** The validated `harness` settings. */
export type HarnessSettings = NonNullable<ValidConnectorInputs["harness"]>;

/** What a Harness client needs: the API's base URL, the account, the key, and the bound of each operation. */
export interface HarnessAccess {
    endpoint: string;
    accountId: string;
    apiKey: string;
    timeoutMs: number;
}

type Env = Record<string, string | undefined>;

/** The settings that are neither given nor in the environment, as input problems (checked at preview). */
export function harnessAccessProblems(
    settings: HarnessSettings,
    env: Env = process.env,
): { property: string; reason: string }[] {
    const problems: { property: string; reason: string }[] = [];
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

/** The access the settings (and the environment) give; throws INVALID_INPUT when something is missing. */
export function resolveHarnessAccess(settings: HarnessSettings, env: Env = process.env): HarnessAccess {
    const problems = harnessAccessProblems(settings, env);
    if (problems.length)
        throw new ConnectorError(
            "INVALID_INPUT",
            `cannot reach Harness: ${problems.map((p) => `${p.property} ${p.reason}`).join("; ")}`,
            "Set the named inputs or environment variables; nothing was sent to Harness",
        );
    return {
        endpoint: (settings.endpoint ?? env[HARNESS_ENV.endpoint] ?? DEFAULT_HARNESS_ENDPOINT).replace(/\/+$/, ""),
        accountId: (settings.accountId ?? env[HARNESS_ENV.accountId])!,
        apiKey: (settings.apiKey ?? env[HARNESS_ENV.apiKey])!,
        timeoutMs: settings.timeoutSeconds * 1000,
    };
}
