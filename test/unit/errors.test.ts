// Unit tests for request-error classification: each failure becomes a ConnectorError with a code,
// a message that names the server, and a remediation sentence. No network: errors are built here
// in the shapes Node (undici, TLS, DNS) and @kubernetes/client-node produce.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    ConnectorError,
    defaultRemediation,
    ERROR_CODE_LIST,
    type ErrorCode,
    failureClass,
    isClusterGone,
    isErrorCode,
    isTimeoutLike,
    retryOf,
} from "../../provider/errors";
import { credentialSecrets, redact } from "../../provider/secrets";
import {
    causeCode,
    classifyRequestError,
    type RequestContext,
    statusMessage,
} from "../../provider/transport/classifyError";
import { EXIT_CODES, exitCodeOf } from "../../sdk/cli";
import { repoRoot } from "../../tools/binaries";

const SERVER = "https://k8s.example.com:6443";
const ctx = (authType?: string): RequestContext => ({
    server: SERVER,
    what: "GET /version",
    timeoutMs: 30_000,
    authType,
});

/** An error as fetch throws it: a TypeError whose cause carries the system or TLS code. */
function fetchFailed(code: string, message = code): Error {
    return new TypeError("fetch failed", { cause: Object.assign(new Error(message), { code }) });
}

/** The shape @kubernetes/client-node's ApiException has: numeric `code`, body as a string. */
function apiException(code: number, body: unknown): Error {
    return Object.assign(new Error(`HTTP-Code: ${code}`), { code, body, headers: {} });
}

function forbiddenStatus(message: string): string {
    return JSON.stringify({
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message,
        reason: "Forbidden",
        details: { kind: "pods" },
        code: 403,
    });
}

/** Checks the common contract and returns the error. */
function expectClassified(err: unknown, c: RequestContext, code: ErrorCode): ConnectorError {
    const e = classifyRequestError(err, c);
    assert.ok(e instanceof ConnectorError);
    assert.equal(e.code, code, e.message);
    assert.ok(e.message.startsWith(`[${code}] `), e.message);
    assert.ok(e.message.includes(c.server), `the message names the server: ${e.message}`);
    assert.match(e.remediation, /^[A-Z].{20,}$/, "a remediation sentence");
    assert.ok(e.message.endsWith(`. ${e.remediation}`), e.message);
    return e;
}

describe("errors: HTTP statuses @unit", () => {
    it("401 with a ServiceAccount token → UNAUTHORIZED", () => {
        const e = expectClassified(
            apiException(401, '{"kind":"Status","message":"Unauthorized","code":401}'),
            ctx("ServiceAccount"),
            "UNAUTHORIZED",
        );
        assert.match(e.message, /did not accept the credentials \(401 Unauthorized\)/);
        assert.match(e.remediation, /issue a new credential/);
        assert.equal(e.kubernetesMessage, "Unauthorized");
    });

    it("401 with a client certificate → UNAUTHORIZED", () => {
        const e = expectClassified(apiException(401, ""), ctx("ClientKeyCert"), "UNAUTHORIZED");
        assert.match(e.remediation, /client certificate/);
        assert.equal(e.kubernetesMessage, undefined);
    });

    it("401 with UsernamePassword → BASIC_AUTH_REJECTED, mentioning Kubernetes 1.19", () => {
        const e = expectClassified(apiException(401, undefined), ctx("UsernamePassword"), "BASIC_AUTH_REJECTED");
        assert.match(e.message, /1\.19/);
        assert.match(e.remediation, /removed from kube-apiserver in Kubernetes 1\.19/);
    });

    it("401 with OpenIdConnect → OIDC_FAILED", () => {
        const e = expectClassified(apiException(401, undefined), ctx("OpenIdConnect"), "OIDC_FAILED");
        assert.match(e.remediation, /--oidc-issuer-url/);
    });

    it("403 → FORBIDDEN_NAMESPACE, keeping the Status message parsed from a JSON body string", () => {
        const k8s =
            'namespaces "default" is forbidden: User "system:serviceaccount:ci:deployer" cannot get resource "namespaces" in API group "" in the namespace "default"';
        const e = expectClassified(
            apiException(403, forbiddenStatus(k8s)),
            { ...ctx("ServiceAccount"), what: "get namespace default" },
            "FORBIDDEN_NAMESPACE",
        );
        assert.equal(e.kubernetesMessage, k8s);
        assert.ok(e.message.includes(`(Kubernetes said: ${k8s})`), e.message);
        assert.match(
            e.message,
            /get namespace default on https:\/\/k8s\.example\.com:6443 was refused \(403 Forbidden\)/,
        );
    });

    it("403 as system:anonymous means the credentials were ignored, not a missing permission", () => {
        const anonymous = forbiddenStatus(
            'namespaces "default" is forbidden: User "system:anonymous" cannot get resource "namespaces" in API group "" in the namespace "default"',
        );
        const basic = expectClassified(apiException(403, anonymous), ctx("UsernamePassword"), "BASIC_AUTH_REJECTED");
        assert.match(basic.remediation, /1\.19/);
        expectClassified(apiException(403, anonymous), ctx("ServiceAccount"), "UNAUTHORIZED");
    });

    it("429 that outlasted the retries → RATE_LIMITED, naming the deadline and keeping Kubernetes' words", () => {
        const e = expectClassified(
            apiException(429, '{"kind":"Status","message":"Too many requests, please try again later.","code":429}'),
            ctx("ServiceAccount"),
            "RATE_LIMITED",
        );
        assert.match(e.message, /429 Too Many Requests \(rate limited\) until the deadline of 30 s/);
        assert.equal(e.kubernetesMessage, "Too many requests, please try again later.");
        assert.match(e.remediation, /timeoutSeconds/);
    });

    it("a small numeric code without a body (a DOMException's legacy code) is not an HTTP status", () => {
        expectClassified(Object.assign(new Error("aborted"), { name: "AbortError", code: 20 }), ctx(), "TIMEOUT");
    });

    it("404 → API_ERROR, suggesting a master URL without a path", () => {
        const e = expectClassified(apiException(404, "404 page not found"), ctx(), "API_ERROR");
        assert.match(e.remediation, /without a path/);
        assert.equal(e.kubernetesMessage, "404 page not found");
    });

    it("500 → API_ERROR with the status", () => {
        const e = expectClassified(apiException(500, { message: "etcdserver: request timed out" }), ctx(), "API_ERROR");
        assert.match(e.message, /HTTP 500/);
        assert.equal(e.kubernetesMessage, "etcdserver: request timed out");
    });
});

describe("errors: network failures @unit", () => {
    it("ECONNREFUSED in the cause → UNREACHABLE", () => {
        const e = expectClassified(
            fetchFailed("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:6443"),
            ctx(),
            "UNREACHABLE",
        );
        assert.match(e.message, /cannot connect to .* \(ECONNREFUSED\)/);
        assert.match(e.remediation, /port/);
    });

    it("ECONNREFUSED on the error itself (node-fetch style) → UNREACHABLE", () => {
        expectClassified(
            Object.assign(new Error("request failed, reason: connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
            ctx(),
            "UNREACHABLE",
        );
    });

    it("ECONNRESET and EHOSTUNREACH → UNREACHABLE", () => {
        expectClassified(fetchFailed("ECONNRESET"), ctx(), "UNREACHABLE");
        expectClassified(fetchFailed("EHOSTUNREACH"), ctx(), "UNREACHABLE");
    });

    it("ENOTFOUND → UNREACHABLE: the host cannot be resolved", () => {
        const e = expectClassified(
            fetchFailed("ENOTFOUND", "getaddrinfo ENOTFOUND k8s.example.com"),
            ctx(),
            "UNREACHABLE",
        );
        assert.match(e.message, /cannot be resolved \(ENOTFOUND\)/);
        assert.match(e.remediation, /DNS/);
    });

    it("EAI_AGAIN → UNREACHABLE: the host cannot be resolved", () => {
        assert.match(expectClassified(fetchFailed("EAI_AGAIN"), ctx(), "UNREACHABLE").message, /cannot be resolved/);
    });

    it('a DOMException-like {name: "TimeoutError"} → TIMEOUT', () => {
        const e = expectClassified(
            { name: "TimeoutError", message: "The operation was aborted due to timeout" },
            ctx(),
            "TIMEOUT",
        );
        assert.match(e.message, /got no answer within 30 s/);
        assert.match(e.remediation, /connectionTest\.timeoutSeconds/);
    });

    it("a real DOMException TimeoutError (what AbortSignal.timeout makes fetch throw) → TIMEOUT", () => {
        // DOMException has a legacy numeric `code` (23 for TimeoutError): it is not an HTTP status.
        const e = expectClassified(
            new DOMException("The operation was aborted due to timeout", "TimeoutError"),
            ctx(),
            "TIMEOUT",
        );
        assert.match(e.message, /within 30 s/);
    });

    it("an AbortError or a TimeoutError in the cause → TIMEOUT", () => {
        expectClassified({ name: "AbortError", message: "The user aborted a request." }, ctx(), "TIMEOUT");
        expectClassified(new Error("request failed", { cause: { name: "TimeoutError" } }), ctx(), "TIMEOUT");
    });

    it("undici's connect timeout and ETIMEDOUT → TIMEOUT", () => {
        expectClassified(fetchFailed("UND_ERR_CONNECT_TIMEOUT"), { ...ctx(), timeoutMs: 5_000 }, "TIMEOUT");
        assert.match(
            expectClassified(fetchFailed("ETIMEDOUT"), { ...ctx(), timeoutMs: 5_000 }, "TIMEOUT").message,
            /within 5 s/,
        );
    });

    it("anything else → UNREACHABLE with what happened", () => {
        const e = expectClassified(new Error("socket hang up"), ctx(), "UNREACHABLE");
        assert.match(e.message, /GET \/version on .* failed \(socket hang up\)/);
        expectClassified("a string was thrown", ctx(), "UNREACHABLE");
    });

    it("passes a ConnectorError through unchanged", () => {
        const original = new ConnectorError("MISSING_PERMISSIONS", "x", "Grant y");
        assert.equal(classifyRequestError(original, ctx()), original);
    });
});

describe("errors: TLS failures @unit", () => {
    for (const code of [
        "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
        "SELF_SIGNED_CERT_IN_CHAIN",
        "DEPTH_ZERO_SELF_SIGNED_CERT",
        "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    ]) {
        it(`${code} → TLS_UNKNOWN_AUTHORITY`, () => {
            const e = expectClassified(fetchFailed(code), ctx(), "TLS_UNKNOWN_AUTHORITY");
            assert.ok(e.message.includes(`(${code})`));
            assert.match(e.remediation, /caCert/);
        });
    }

    it("ERR_TLS_CERT_ALTNAME_INVALID → TLS_NAME_MISMATCH", () => {
        const e = expectClassified(
            fetchFailed("ERR_TLS_CERT_ALTNAME_INVALID", "Hostname/IP does not match certificate's altnames"),
            ctx(),
            "TLS_NAME_MISMATCH",
        );
        assert.match(e.remediation, /tlsServerName/);
    });

    it("CERT_HAS_EXPIRED → TLS_EXPIRED", () => {
        const e = expectClassified(fetchFailed("CERT_HAS_EXPIRED", "certificate has expired"), ctx(), "TLS_EXPIRED");
        assert.match(e.message, /is expired/);
        assert.match(e.remediation, /Renew/);
    });

    it("CERT_NOT_YET_VALID → TLS_EXPIRED (not yet valid)", () => {
        assert.match(
            expectClassified(fetchFailed("CERT_NOT_YET_VALID"), ctx(), "TLS_EXPIRED").message,
            /not yet valid/,
        );
    });

    it("other TLS codes → TLS_FAILED", () => {
        expectClassified(fetchFailed("ERR_SSL_WRONG_VERSION_NUMBER"), ctx(), "TLS_FAILED");
        expectClassified(fetchFailed("ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE"), ctx(), "TLS_FAILED");
    });

    it("finds the code several causes deep", () => {
        const deep = new Error("outer", { cause: new Error("middle", { cause: fetchFailed("CERT_HAS_EXPIRED") }) });
        expectClassified(deep, ctx(), "TLS_EXPIRED");
    });
});

describe("errors: helpers @unit", () => {
    it("statusMessage reads a Status body as a string or an object", () => {
        assert.equal(statusMessage('{"kind":"Status","message":"forbidden: no"}'), "forbidden: no");
        assert.equal(statusMessage({ message: "as object" }), "as object");
        assert.equal(statusMessage('{"kind":"Status"}'), undefined);
        assert.equal(statusMessage(undefined), undefined);
        assert.equal(statusMessage("   "), undefined);
    });

    it("statusMessage keeps a short plain-text body, trimmed and cut to 300", () => {
        assert.equal(statusMessage("  404 page not found\n"), "404 page not found");
        assert.equal(statusMessage("x".repeat(1000))?.length, 300);
    });

    it("causeCode walks the cause chain", () => {
        assert.equal(causeCode(fetchFailed("ECONNREFUSED")), "ECONNREFUSED");
        assert.equal(causeCode(new Error("no code")), undefined);
        assert.equal(causeCode({ name: "AbortError" }), "TIMEOUT");
        assert.equal(causeCode(undefined), undefined);
    });

    it("redact replaces every occurrence of every secret", () => {
        const text = "token abc.def.ghi sent; retry with abc.def.ghi and password hunter22";
        assert.equal(
            redact(text, ["abc.def.ghi", "hunter22"]),
            "token [secret] sent; retry with [secret] and password [secret]",
        );
    });

    it("redact skips undefined, empty and very short secrets and leaves other text alone", () => {
        assert.equal(redact("a bc def", [undefined, "", "bc"]), "a bc def");
        assert.equal(redact("nothing secret here", ["s3cr3t-value"]), "nothing secret here");
    });

    it("credentialSecrets: every secret field of each credential type, and nothing else", () => {
        const m = (auth: object) => ({ type: "ManualConfig", masterUrl: "https://k", caCert: "CA-PEM", auth });
        assert.deepEqual(credentialSecrets(m({ type: "ServiceAccount", token: "tok" })), ["tok"]);
        assert.deepEqual(credentialSecrets(m({ type: "UsernamePassword", username: "u", password: "pw" })), ["pw"]);
        assert.deepEqual(
            credentialSecrets(
                m({ type: "ClientKeyCert", clientCert: "CERT", clientKey: "KEY", clientKeyPassphrase: "pass" }),
            ),
            ["KEY", "pass"],
        );
        assert.deepEqual(
            credentialSecrets(
                m({
                    type: "OpenIdConnect",
                    issuerUrl: "https://i",
                    clientId: "c",
                    clientSecret: "cs",
                    username: "u",
                    password: "pw",
                }),
            ),
            ["cs", "pw"],
        );
        assert.deepEqual(credentialSecrets({ type: "Kubeconfig", kubeconfig: "DOC", context: "ctx" }), ["DOC"]);
        assert.deepEqual(credentialSecrets({ type: "InheritFromDelegate", kubeconfigPath: "/p" }), []);
        assert.deepEqual(credentialSecrets(undefined), []);
    });

    it("redact scrubs a secret that Kubernetes echoed into a classified error", () => {
        const token = "eyJhbGciOiJSUzI1NiJ9.secret-payload";
        const e = classifyRequestError(
            apiException(401, JSON.stringify({ kind: "Status", message: `token ${token} is invalid` })),
            ctx("ServiceAccount"),
        );
        assert.ok(e.message.includes(token));
        const scrubbed = redact(e.message, [token]);
        assert.ok(!scrubbed.includes(token));
        assert.match(scrubbed, /token \[secret\] is invalid/);
    });
});

describe("errors: the code table @unit", () => {
    const page = (file: string) => `\n${fs.readFileSync(path.join(repoRoot(), "docs", file), "utf8")}`;
    const section = (file: string, heading: string) => {
        const text = page(file);
        const start = text.indexOf(`\n${heading}\n`);
        assert.ok(start >= 0, `docs/${file} has ${heading}`);
        const end = text.indexOf("\n#", start + heading.length + 2);
        return text.slice(start, end < 0 ? undefined : end);
    };
    const codesIn = (text: string) => [...text.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]);

    it("every code has a class the CLI gives an exit code, and a remediation sentence", () => {
        assert.ok(ERROR_CODE_LIST.length > 30);
        for (const code of ERROR_CODE_LIST) {
            assert.ok(isErrorCode(code));
            assert.equal(typeof EXIT_CODES[failureClass(code)], "number", code);
            assert.match(defaultRemediation(code), /^[A-Z].{20,}[^.]$/, code);
        }
        assert.equal(new Set(Object.values(EXIT_CODES)).size, Object.keys(EXIT_CODES).length, "one exit code a class");
    });

    it("the codes reference (docs/reference/errors.md) names every code, and no other", () => {
        const rows = section("reference/errors.md", "# Error codes")
            .split("\n")
            .filter((l) => l.startsWith("| `"));
        const named = new Set(rows.flatMap((r) => codesIn(r.split("|")[1])));
        assert.ok(rows.some((r) => r.startsWith("| `HARNESS_TEST_FAILED` |")));
        assert.deepEqual(
            [...ERROR_CODE_LIST].filter((c) => !named.has(c)),
            [],
            "codes the reference does not name",
        );
        assert.deepEqual(
            [...named].filter((c) => !isErrorCode(c)),
            [],
            "codes the reference names that do not exist",
        );
    });

    it("the CLI's exit-code table (docs/cli.md) gives each code the exit of its class", () => {
        const rows = section("cli.md", "# The connection test as a command")
            .split("\n")
            .filter((l) => /^\| \d \|/.test(l));
        const listed = new Map<string, number>();
        for (const r of rows) for (const c of codesIn(r.split("|")[3])) if (isErrorCode(c)) listed.set(c, Number(r[2]));
        for (const code of ERROR_CODE_LIST) {
            const exit = EXIT_CODES[failureClass(code)];
            // "other" lists a few and names the rest by kind (the delegate's and Harness's codes).
            if (exit !== EXIT_CODES.other || listed.has(code)) assert.equal(listed.get(code), exit, code);
        }
    });

    it("says what the lists it replaced said (timeout-like, cluster gone, retried by Harness)", () => {
        const where = (fact: (c: ErrorCode) => boolean) => ERROR_CODE_LIST.filter(fact).sort();
        assert.deepEqual(
            where(isTimeoutLike),
            ["HARNESS_TIMEOUT", "HARNESS_UNAVAILABLE", "TIMEOUT", "TOKEN_TIMEOUT", "UNREACHABLE"].sort(),
        );
        assert.deepEqual(where(isClusterGone), ["CREDENTIAL_LOAD_FAILED", "TIMEOUT", "UNREACHABLE"].sort());
        assert.deepEqual(
            where((c) => retryOf(c) === "unanswered"),
            ["HARNESS_UNAVAILABLE"],
        );
        // Harness's answers are retried by their status, except a test no delegate can take.
        const answered = ERROR_CODE_LIST.filter((c) => c.startsWith("HARNESS_") && retryOf(c) === "never");
        assert.deepEqual(answered.sort(), ["HARNESS_POLICY_DENIED", "HARNESS_TEST_FAILED", "HARNESS_TIMEOUT"]);
    });

    it("a code none of ours (from another version's record) has UNEXPECTED's facts", () => {
        const other = "SOMETHING_NEW" as ErrorCode;
        assert.ok(!isErrorCode(other) && !isErrorCode("toString"));
        assert.equal(failureClass(other), "other");
        assert.equal(isTimeoutLike(other) || isClusterGone(other), false);
        assert.equal(retryOf(other), "never");
        assert.equal(defaultRemediation(other), defaultRemediation("UNEXPECTED"));
        assert.equal(
            exitCodeOf({ status: "FAILURE", error: { code: "SOMETHING_NEW", message: "x" } }),
            EXIT_CODES.other,
        );
        assert.equal(exitCodeOf({ status: "FAILURE", error: { code: "TLS_EXPIRED", message: "x" } }), EXIT_CODES.tls);
    });
});
