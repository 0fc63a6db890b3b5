// Turns a failed request (a network, TLS or DNS error, or an HTTP status with Kubernetes' Status
// body) into a ConnectorError that says what happened and what to do.
import { ConnectorError, connectorError } from "../errors";

/** The network-level cause of a failed request: the `code` of the error or of one of its causes. */
export function causeCode(err: unknown): string | undefined {
    for (let e: any = err, depth = 0; e && depth < 6; e = e.cause, depth++) {
        if (typeof e.code === "string") return e.code;
        if (e.name === "TimeoutError" || e.name === "AbortError") return "TIMEOUT";
    }
    return undefined;
}

/** The `message` of a Kubernetes Status body, if the body is one. */
export function statusMessage(body: unknown): string | undefined {
    if (typeof body !== "string") return typeof (body as any)?.message === "string" ? (body as any).message : undefined;
    try {
        const parsed = JSON.parse(body);
        return typeof parsed?.message === "string" ? parsed.message : undefined;
    } catch {
        return body.trim() ? body.trim().slice(0, 300) : undefined;
    }
}

const UNKNOWN_AUTHORITY = new Set([
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "SELF_SIGNED_CERT_IN_CHAIN",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "UNABLE_TO_GET_ISSUER_CERT",
    "CERT_UNTRUSTED",
    "CERT_SIGNATURE_FAILURE",
]);

/** What the request was for, to name it in messages. */
export interface RequestContext {
    server: string;
    /** e.g. "GET /version" or "list apps/deployments in default" */
    what: string;
    timeoutMs: number;
    /** The auth method in use, to explain a 401. */
    authType?: string;
}

/** Turns a failed request into a ConnectorError that says what happened and what to do. */
export function classifyRequestError(err: unknown, ctx: RequestContext): ConnectorError {
    if (err instanceof ConnectorError) return err;
    const e = err as any;
    // An ApiException carries the HTTP status in `code` (a DOMException carries a small number there too).
    if (typeof e?.code === "number" && e.code >= 100 && e.code < 600 && "body" in e)
        return classifyStatus(e.code, statusMessage(e.body), ctx);
    const code = causeCode(err);
    const detail = code ?? (err instanceof Error ? err.message : String(err));
    if (
        code === "TIMEOUT" ||
        code === "ETIMEDOUT" ||
        code === "UND_ERR_CONNECT_TIMEOUT" ||
        code === "UND_ERR_HEADERS_TIMEOUT" ||
        code === "UND_ERR_BODY_TIMEOUT"
    ) {
        return connectorError(
            "TIMEOUT",
            `${ctx.what} on ${ctx.server} got no answer within ${Math.round(ctx.timeoutMs / 1000)} s`,
        );
    }
    if (
        code === "ECONNREFUSED" ||
        code === "ECONNRESET" ||
        code === "EHOSTUNREACH" ||
        code === "ENETUNREACH" ||
        code === "EPIPE" ||
        code === "UND_ERR_SOCKET"
    ) {
        return connectorError("UNREACHABLE", `cannot connect to ${ctx.server} (${code})`);
    }
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
        return connectorError("UNREACHABLE", `the host of ${ctx.server} cannot be resolved (${code})`, {
            facts: "Check the host name in `masterUrl` and this machine's DNS",
        });
    }
    if (code && UNKNOWN_AUTHORITY.has(code)) {
        return connectorError(
            "TLS_UNKNOWN_AUTHORITY",
            `the TLS certificate of ${ctx.server} is signed by an authority this connector does not trust (${code})`,
        );
    }
    if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
        return connectorError(
            "TLS_NAME_MISMATCH",
            `the TLS certificate of ${ctx.server} is not valid for that host name (${code})`,
        );
    }
    if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") {
        return connectorError(
            "TLS_EXPIRED",
            `the TLS certificate of ${ctx.server} is ${code === "CERT_HAS_EXPIRED" ? "expired" : "not yet valid"} (${code})`,
        );
    }
    if (code && (code.startsWith("ERR_TLS") || code.startsWith("ERR_SSL") || code.includes("CERT"))) {
        return connectorError("TLS_FAILED", `the TLS handshake with ${ctx.server} failed (${code})`);
    }
    return connectorError("UNREACHABLE", `${ctx.what} on ${ctx.server} failed (${detail})`);
}

function classifyStatus(status: number, k8sMessage: string | undefined, ctx: RequestContext): ConnectorError {
    const e = statusError(status, k8sMessage, ctx);
    return new ConnectorError(e.code, e.what, e.remediation, e.kubernetesMessage, status);
}

function statusError(status: number, k8sMessage: string | undefined, ctx: RequestContext): ConnectorError {
    if (status === 401) {
        if (ctx.authType === "UsernamePassword") {
            return connectorError(
                "BASIC_AUTH_REJECTED",
                `${ctx.server} refused the user name and password (401 Unauthorized)`,
                { kubernetesMessage: k8sMessage },
            );
        }
        if (ctx.authType === "OpenIdConnect") {
            return connectorError("OIDC_FAILED", `${ctx.server} refused the OIDC id_token (401 Unauthorized)`, {
                kubernetesMessage: k8sMessage,
            });
        }
        return connectorError("UNAUTHORIZED", `${ctx.server} did not accept the credentials (401 Unauthorized)`, {
            kubernetesMessage: k8sMessage,
        });
    }
    if (status === 403 && k8sMessage?.includes('User "system:anonymous"') && ctx.authType) {
        // The server ignored the credentials and treated the request as anonymous.
        if (ctx.authType === "UsernamePassword") {
            return connectorError(
                "BASIC_AUTH_REJECTED",
                `${ctx.server} ignored the user name and password and treated ${ctx.what} as anonymous (403 Forbidden)`,
                { kubernetesMessage: k8sMessage },
            );
        }
        return connectorError(
            "UNAUTHORIZED",
            `${ctx.server} did not use the connector's credentials and treated ${ctx.what} as anonymous (403 Forbidden)`,
            { kubernetesMessage: k8sMessage },
        );
    }
    if (status === 403) {
        return connectorError("FORBIDDEN_NAMESPACE", `${ctx.what} on ${ctx.server} was refused (403 Forbidden)`, {
            kubernetesMessage: k8sMessage,
        });
    }
    if (status === 429) {
        return connectorError(
            "RATE_LIMITED",
            `${ctx.what} on ${ctx.server} kept being answered 429 Too Many Requests (rate limited) until the deadline of ${Math.round(ctx.timeoutMs / 1000)} s`,
            { kubernetesMessage: k8sMessage },
        );
    }
    const missingNamespace = status === 404 ? /namespaces "([^"]+)" not found/.exec(k8sMessage ?? "") : null;
    if (missingNamespace) {
        return connectorError(
            "NAMESPACE_NOT_FOUND",
            `${ctx.what} on ${ctx.server} failed: namespace ${missingNamespace[1]} does not exist`,
            { kubernetesMessage: k8sMessage },
        );
    }
    if (status === 404) {
        return connectorError("API_ERROR", `${ctx.what} on ${ctx.server} answered 404 Not Found`, {
            kubernetesMessage: k8sMessage,
        });
    }
    return connectorError("API_ERROR", `${ctx.what} on ${ctx.server} failed with HTTP ${status}`, {
        kubernetesMessage: k8sMessage,
    });
}
