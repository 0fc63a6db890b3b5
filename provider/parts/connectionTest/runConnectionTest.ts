// The connection test, as Harness's "Save and Continue" runs it, with the connector's own
// credentials: GET /version (reachability, TLS, credentials), then the controllers of `default`
// (unless skipped) and of connectionTest.namespace, then the required permissions.
import { ConnectorError, connectorError, recordFailure, toConnectorError } from "../../errors";
import type { ConnectionTestSettings } from "../../inputs/types";
import {
    type AccessCheck,
    describeCheck,
    expandRules,
    PERMISSION_PROFILES,
    type PolicyRule,
    rulesAllow,
} from "../../permissions";
import type { KubeClient } from "../../transport/kubeClient";
import type { CheckResult, ConnectionTestReport } from "./report";

/** The controller kinds Harness lists in `default`. */
export const CONTROLLER_KINDS = ["deployments", "replicasets", "statefulsets", "daemonsets"] as const;

/** The rules behind `requiredPermissions`. */
export function requiredRules(required: ConnectionTestSettings["requiredPermissions"]): readonly PolicyRule[] {
    if (required === "none") return [];
    if (typeof required === "string") return PERMISSION_PROFILES[required];
    return required;
}

function listControllers(
    client: KubeClient,
    kind: (typeof CONTROLLER_KINDS)[number],
    namespace: string,
): Promise<unknown> {
    return client.request(
        `list apps/${kind} in ${namespace}`,
        "GET",
        // resourceVersion=0: served from the API server's watch cache instead of a quorum read of
        // etcd (half the latency); authorization is the same, and only reachability and the right
        // to list are tested here.
        `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${kind}?limit=1&resourceVersion=0`,
    );
}

async function accessAllowed(client: KubeClient, c: AccessCheck): Promise<boolean> {
    const body = {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SelfSubjectAccessReview",
        spec: { resourceAttributes: { verb: c.verb, group: c.group, resource: c.resource, namespace: c.namespace } },
    };
    const review = await client.request(
        `SelfSubjectAccessReview for ${describeCheck(c)}`,
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        body,
    );
    return review?.status?.allowed === true;
}

/** At most `limit` of `fn` at a time, results in order. */
async function mapLimited<T, R>(
    items: readonly T[],
    limit: number,
    fn: (t: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
    const out: PromiseSettledResult<R>[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        for (let i = next++; i < items.length; i = next++) {
            out[i] = await fn(items[i]).then(
                (value) => ({ status: "fulfilled", value }) as const,
                (reason) => ({ status: "rejected", reason }) as const,
            );
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return out;
}

/**
 * Which checks the caller may do. One SelfSubjectRulesReview answers them all when the
 * authorizer's answer is complete (RBAC's is); otherwise one SelfSubjectAccessReview per check,
 * a few at a time (a burst of dozens trips the API server's rate limit).
 */
async function checkAccess(
    client: KubeClient,
    checks: readonly AccessCheck[],
    namespace: string,
): Promise<{ results: PromiseSettledResult<boolean>[]; method: string }> {
    if (checks.length === 0) return { results: [], method: "none" };
    const review = await client.request(
        `SelfSubjectRulesReview in ${namespace}`,
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
        { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectRulesReview", spec: { namespace } },
    );
    if (!review.status?.incomplete && !review.status?.evaluationError) {
        const rules = (review.status?.resourceRules ?? []) as (PolicyRule & { resourceNames?: string[] })[];
        return {
            results: checks.map((c) => ({ status: "fulfilled", value: rulesAllow(rules, c) })),
            method: "SelfSubjectRulesReview",
        };
    }
    return {
        results: await mapLimited(checks, 8, (c) => accessAllowed(client, c)),
        method: "SelfSubjectAccessReviews",
    };
}

/**
 * Runs the connection test over one client. Independent requests run concurrently; each has the
 * client's deadline. Never throws for a failed check: the report says what failed (see
 * {@link assertConnectionSucceeded}).
 */
export async function runConnectionTest(
    client: KubeClient,
    settings: ConnectionTestSettings,
): Promise<ConnectionTestReport> {
    const started = Date.now();
    const checks: CheckResult[] = [];
    const report = (
        status: ConnectionTestReport["status"],
        extra: Partial<ConnectionTestReport> = {},
    ): ConnectionTestReport => ({
        status,
        testedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
        checks,
        missingPermissions: [],
        ...extra,
    });
    const fail = (e: unknown, extra: Partial<ConnectionTestReport> = {}) =>
        report("FAILURE", {
            ...extra,
            error: recordFailure(toConnectorError(e, { code: "API_ERROR" })),
        });

    // Every request starts at once, over the client's one connection (HTTP/2 multiplexes them):
    // the test costs one TLS handshake and about one round trip. GET /version is judged first:
    // when the server is unreachable, untrusted or refuses the credentials, that is the answer.
    const namespaces = [
        ...(settings.skipDefaultNamespaceValidation ? [] : ["default"]),
        ...(settings.namespace && settings.namespace !== "default" ? [settings.namespace] : []),
    ];
    const listings = namespaces.flatMap((ns) =>
        CONTROLLER_KINDS.map((kind) => ({ ns, kind, name: `list apps/${kind} in ${ns}` })),
    );
    const permNamespace = settings.namespace ?? "default";
    const accessChecks = expandRules(requiredRules(settings.requiredPermissions), permNamespace);
    const version = client.request("GET /version", "GET", "/version").then(
        (v) => ({ ok: true as const, v }),
        (e: unknown) => ({ ok: false as const, e }),
    );
    const rest = Promise.all([
        Promise.allSettled(listings.map((l) => listControllers(client, l.kind, l.ns))),
        checkAccess(client, accessChecks, permNamespace).catch((e) => ({
            results: accessChecks.map(() => ({ status: "rejected", reason: e }) as const),
            method: "failed",
        })),
    ]);

    // 1. Reachability, TLS and (with any credential that is sent) authentication.
    const v = await version;
    if (!v.ok) {
        await rest; // nothing is left running when the test returns
        checks.push({ name: "GET /version", status: "FAILED", message: (v.e as Error).message });
        return fail(v.e);
    }
    const serverVersion: string | undefined = v.v?.gitVersion;
    // The version is the report's serverVersion: not repeated as the check's message.
    checks.push({ name: "GET /version", status: "PASSED" });

    // 2. The controllers, and 3. the required permissions.
    if (settings.skipDefaultNamespaceValidation)
        checks.push({
            name: "list controllers in default",
            status: "SKIPPED",
            message: "skipDefaultNamespaceValidation is set",
        });
    const [listResults, access] = await rest;
    const accessResults = access.results;

    let firstError: unknown;
    listResults.forEach((r, i) => {
        const l = listings[i];
        if (r.status === "fulfilled") {
            checks.push({ name: l.name, status: "PASSED" });
            return;
        }
        let err = r.reason as ConnectorError;
        if (err.code === "FORBIDDEN_NAMESPACE" && l.ns === "default") {
            err = connectorError(
                "FORBIDDEN_DEFAULT_NAMESPACE",
                `the connection test may not ${l.name} (403 Forbidden)`,
                { kubernetesMessage: err.kubernetesMessage },
            );
        } else if (err.code === "FORBIDDEN_NAMESPACE") {
            err = connectorError("FORBIDDEN_NAMESPACE", `the connection test may not ${l.name} (403 Forbidden)`, {
                facts: `The test needs \`list\` on deployments, replicasets, statefulsets and daemonsets in ${l.ns}`,
                kubernetesMessage: err.kubernetesMessage,
            });
        }
        checks.push({ name: l.name, status: "FAILED", message: err.message });
        firstError ??= err;
    });

    const missing: string[] = [];
    accessResults.forEach((r, i) => {
        if (r.status === "rejected") firstError ??= r.reason;
        else if (!r.value) missing.push(describeCheck(accessChecks[i]));
    });
    if (accessChecks.length > 0) {
        const label = typeof settings.requiredPermissions === "string" ? settings.requiredPermissions : "custom rules";
        checks.push({
            name: `permissions (${label}) in ${permNamespace}`,
            status: missing.length || accessResults.some((r) => r.status === "rejected") ? "FAILED" : "PASSED",
            message: missing.length
                ? `missing: ${missing.join(", ")}`
                : `${accessChecks.length} verbs checked (${access.method})`,
        });
    }

    // A refused listing that the missing permissions explain is reported as those permissions.
    const explained =
        firstError instanceof ConnectorError && firstError.code.startsWith("FORBIDDEN") && missing.length > 0;
    if (firstError && !explained) return fail(firstError, { serverVersion, missingPermissions: missing });
    if (missing.length) {
        const label =
            typeof settings.requiredPermissions === "string"
                ? `the "${settings.requiredPermissions}" profile`
                : "connectionTest.requiredPermissions";
        return fail(
            connectorError(
                "MISSING_PERMISSIONS",
                `the connector's identity lacks ${missing.length} permission(s) that ${label} needs: ${missing.join("; ")}`,
            ),
            { serverVersion, missingPermissions: missing },
        );
    }
    const onlyVersion = listings.length === 0 && accessChecks.length === 0;
    return report(onlyVersion ? "SKIPPED" : "SUCCESS", { serverVersion });
}

/** Throws the failure a report records, as a ConnectorError. */
export function assertConnectionSucceeded(report: ConnectionTestReport): void {
    if (report.status === "FAILURE")
        throw ConnectorError.recorded(
            report.error ?? { code: "UNEXPECTED", message: "the connection test failed without saying why" },
        );
}
