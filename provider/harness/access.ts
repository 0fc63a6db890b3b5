// Where the Harness API is and who calls it: the `harness` inputs, else the environment variables
// the Harness SDK and Terraform provider read (users' pipelines already set them).
import { ConnectorError, connectorError } from "../errors";
import { HARNESS_ENV, harnessAccessProblems } from "../inputs/harnessRules";
import type { HarnessSettings } from "../inputs/harnessTypes";

type Env = Record<string, string | undefined>;

/** Harness SaaS's API. */
export const DEFAULT_HARNESS_ENDPOINT = "https://app.harness.io/gateway";

/** What a Harness client needs: the API's base URL, the account, the key, and the bound of each operation. */
export interface HarnessAccess {
    endpoint: string;
    accountId: string;
    apiKey: string;
    timeoutMs: number;
}

/** The access the settings (and the environment) give; throws INVALID_INPUT when something is missing. */
export function resolveHarnessAccess(settings: HarnessSettings, env: Env = process.env): HarnessAccess {
    const problems = harnessAccessProblems(settings, env);
    if (problems.length)
        throw connectorError(
            "INVALID_INPUT",
            `cannot reach Harness: ${problems.map((p) => `${p.property} ${p.reason}`).join("; ")}`,
        );
    return {
        endpoint: (settings.endpoint ?? env[HARNESS_ENV.endpoint] ?? DEFAULT_HARNESS_ENDPOINT).replace(/\/+$/, ""),
        accountId: (settings.accountId ?? env[HARNESS_ENV.accountId])!,
        apiKey: (settings.apiKey ?? env[HARNESS_ENV.apiKey])!,
        timeoutMs: settings.timeoutSeconds * 1000,
    };
}
