// Unit tests for the connector's record (provider/state), the update plan's delegate decisions, and the
// one error story: a failure recorded in a report comes back as the same ConnectorError, redacted.
import * as assert from "node:assert/strict";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import type { CredentialLifetime } from "../../provider/credentials/expiry";
import { ConnectorError, recordFailure, toConnectorError } from "../../provider/errors";
import { INPUT_NAMES } from "../../provider/inputs/schema";
import type { ValidConnectorInputs } from "../../provider/inputs/types";
import { parseConnectorInputs } from "../../provider/inputs/validate";
import {
    CONNECTION_KEYS,
    COSMETIC_KEYS,
    delegateRepair,
    HARNESS_KEYS,
    planUpdate,
    REPLACE_KEYS,
} from "../../provider/lifecycle/changePlan";
import type { ConnectionTestReport } from "../../provider/parts/connectionTest/report";
import { assertConnectionSucceeded } from "../../provider/parts/connectionTest/runConnectionTest";
import { recordedSecrets, redactError, redactReport, secretOutputPaths, secretOutputs } from "../../provider/secrets";
import {
    buildOutputs,
    type ConnectorOutputs,
    delegateOwner,
    derivedOutputs,
    publishedReport,
    recordedDelegate,
    recordedInput,
    recordedInputs,
    recordedReport,
    storedReport,
    upgradeRecord,
} from "../../provider/state";
import { inSteps, type LeftBehind, rollbackIncomplete, rollbackRemedy } from "../../provider/steps";

const TOKEN = "sa-token-123456";
const REPORT: ConnectionTestReport = {
    status: "SUCCESS",
    testedAt: "2026-01-01T00:00:00.000Z",
    durationMs: 5,
    serverVersion: "v1.35.4",
    checks: [],
    missingPermissions: [],
};

function inputs(extra: Record<string, unknown> = {}): ValidConnectorInputs {
    return parseConnectorInputs({
        name: "Prod cluster",
        orgIdentifier: "platform",
        credential: {
            type: "ManualConfig",
            masterUrl: "https://k8s.example.com:6443",
            auth: { type: "ServiceAccount", token: TOKEN },
        },
        ...extra,
    });
}

function record(extra: Record<string, unknown> = {}, delegate = {}): ConnectorOutputs {
    return buildOutputs(
        inputs(extra),
        "Prod_cluster",
        "proj/stack",
        { report: REPORT, masterUrl: "https://k8s.example.com:6443" },
        delegate,
    );
}

describe("records: ConnectorOutputs @unit", () => {
    it("buildOutputs keeps the inputs, under their own names, and what the run found", () => {
        const r = record();
        assert.equal(record({ delegate: {} }).__owner, "proj/stack");
        assert.equal(
            r.__owner,
            undefined,
            "only a connector with a delegate owns objects: no owner recorded without one",
        );
        const derived = derivedOutputs({ ...r, delegate: r.inputs.delegate });
        assert.equal(derived.ref, "org.Prod_cluster");
        assert.equal(derived.authType, "ServiceAccount");
        assert.equal(r.serverVersion, "v1.35.4");
        assert.deepEqual(r.inputs.connectionTest, {}, "the settings' defaults are not stored");
        assert.deepEqual(recordedInput(r, "connectionTest"), {
            skipDefaultNamespaceValidation: false,
            requiredPermissions: "none",
            timeoutSeconds: 30,
        });
        assert.equal(
            "connectionTest" in r.inputs && !("delegate" in r) && !("delegate" in r.inputs),
            true,
            "no delegate keys without a delegate",
        );
        assert.ok(!("ref" in r) && !("authType" in r), "derivable outputs are not stored");
        assert.equal(
            r.kubeconfig,
            undefined,
            "a ManualConfig token credential's kubeconfig is built by the SDK, not stored",
        );
    });

    it("recordedInputs gives back the inputs buildOutputs was given", () => {
        const given = inputs({
            description: "d",
            tags: { a: "b" },
            delegateSelectors: ["x"],
            delegate: { permissions: "builds" },
        });
        const r = buildOutputs(given, "Prod_cluster", undefined, { report: REPORT }, {});
        assert.deepEqual(parseConnectorInputs(recordedInputs(r)), { ...given, identifier: "Prod_cluster" });
    });

    it("upgradeRecord reads a record the previous version wrote (inputs renamed at the top) as this one's", () => {
        const given = inputs({
            description: "d",
            delegate: { permissions: "builds" },
            harness: { accountId: "acc", apiKey: "pat.acc.key.secret", test: "warn" },
        });
        const now = buildOutputs(given, "Prod_cluster", "proj/stack", { report: REPORT }, {});
        const { inputs: nested, ...top } = now;
        const previous = {
            ...top,
            ref: "org.Prod_cluster",
            authType: "ServiceAccount",
            connectionTestSettings: recordedInput(now, "connectionTest"),
            delegateSettings: nested.delegate,
            harnessSettings: nested.harness,
        };
        const upgraded = upgradeRecord(previous) as unknown as ConnectorOutputs;
        // The previous version stored the settings with their defaults: read back the same.
        assert.deepEqual({ ...upgraded, inputs: { ...upgraded.inputs, connectionTest: {} } }, now);
        assert.deepEqual(recordedInputs(upgraded), recordedInputs(now));
        assert.equal(upgradeRecord(upgraded), upgraded, "a record of this version is left as it is");
        const secret = { [specialSigKey]: specialSecretSig, value: { accountId: "acc", apiKey: "pat.x" } };
        assert.equal(
            (upgradeRecord({ connectionTestSettings: {}, harnessSettings: secret }).inputs as any).harness,
            secret,
            "a plugin's secret wrapper moves with its value",
        );
        assert.deepEqual(upgradeRecord({ connectionTestSettings: {} }).inputs, { connectionTest: {} });
    });

    it("the recorded report counts the checks that passed and lists the others, and stays as it is recorded again", () => {
        const run: ConnectionTestReport = {
            ...REPORT,
            status: "FAILURE",
            checks: [
                { name: "GET /version", status: "PASSED" },
                { name: "list apps/deployments in default", status: "PASSED" },
                { name: "permissions (deployments) in default", status: "FAILED", message: "2 missing" },
            ],
            missingPermissions: ["get apps/deployments in default"],
        };
        const recorded = recordedReport(run);
        assert.equal(recorded.passed, 2);
        assert.deepEqual(recorded.checks, [run.checks[2]]);
        assert.deepEqual(recorded.missingPermissions, run.missingPermissions);
        assert.deepEqual(recordedReport(recorded), recorded);
        assert.deepEqual(recordedReport({ ...REPORT, checks: [run.checks[0]] }), { ...REPORT, passed: 1, checks: [] });
        const r = record();
        assert.deepEqual(
            publishedReport(r.connectionTest, r.serverVersion),
            recordedReport(REPORT),
            "buildOutputs records it so (as users read it)",
        );
        // State stores it shorter: no empty lists, no second copy of the server version.
        assert.ok(!("checks" in r.connectionTest) && !("missingPermissions" in r.connectionTest));
        assert.equal(r.connectionTest.serverVersion, undefined);
        assert.equal(r.serverVersion, REPORT.serverVersion);
        const failed = storedReport(recordedReport(run), "v0");
        assert.deepEqual(
            publishedReport(failed, "v0"),
            recordedReport(run),
            "a failed run keeps its own lists and version",
        );
    });

    it("a lifetime the credential's plain-text parts give is not stored, and comes back as it was found", () => {
        const cert: CredentialLifetime = {
            source: "client certificate",
            expiresAt: "2027-01-01T00:00:00.000Z",
            issuedAt: "2026-01-01T00:00:00.000Z",
        };
        const found = { ...recordedReport(REPORT), credentialExpiry: cert };
        const same = storedReport(found, REPORT.serverVersion, cert);
        assert.ok(!("credentialExpiry" in same), "the certificate's own lifetime is left out");
        assert.deepEqual(publishedReport(same, REPORT.serverVersion, cert), found);
        // The test ran as the delegate (useAsCredential): its token's lifetime, or none, is kept as found.
        const token: CredentialLifetime = { source: "token", expiresAt: "2026-12-04T00:00:00.000Z" };
        const other = storedReport({ ...found, credentialExpiry: token }, REPORT.serverVersion, cert);
        assert.deepEqual(publishedReport(other, REPORT.serverVersion, cert).credentialExpiry, token);
        const none = storedReport(recordedReport(REPORT), REPORT.serverVersion, cert);
        assert.equal(none.credentialExpiry, null);
        assert.ok(!("credentialExpiry" in publishedReport(none, REPORT.serverVersion, cert)));
        // A credential whose lifetime is secret (a token) or absent: stored as found.
        assert.deepEqual(
            storedReport({ ...found, credentialExpiry: token }, REPORT.serverVersion).credentialExpiry,
            token,
        );
        assert.ok(!("credentialExpiry" in storedReport(recordedReport(REPORT), REPORT.serverVersion)));
    });

    it("recordedDelegate reads the delegate's part back", () => {
        const state = {
            namespace: "ns",
            serviceAccountName: "sa",
            roleKind: "ClusterRole" as const,
            roleNames: ["view"],
            bindingNames: ["b"],
            createdNamespace: true,
            objects: [],
            drift: [],
        };
        const r = record({ delegate: {} }, { delegate: state, delegateToken: "dt-123456", delegateKubeconfig: "{}" });
        assert.deepEqual(recordedDelegate(r), {
            delegate: state,
            delegateToken: "dt-123456",
            delegateKubeconfig: "{}",
        });
        assert.equal(delegateOwner(r.__owner, r.identifier), "proj/stack/Prod_cluster");
        assert.equal(delegateOwner(undefined, "x"), "unknown/x");
    });
});

describe("records: the update plan's delegate decisions @unit", () => {
    const state = (extra = {}) => ({
        namespace: "ns",
        serviceAccountName: "sa",
        roleKind: "ClusterRole" as const,
        roleNames: [],
        bindingNames: [],
        createdNamespace: false,
        objects: [],
        drift: [],
        ...extra,
    });
    const now = Date.parse("2026-01-01T01:00:00Z");

    it("nothing changed and nothing to repair → no changes", () => {
        const r = record({ delegate: {} }, { delegate: state() });
        const p = planUpdate(r, recordedInputs(r), now);
        assert.equal(p.changes, false);
        assert.equal(p.provisionDelegate, false);
    });

    it("drift → changes, the delegate is provisioned again, no retest", () => {
        const r = record({ delegate: {} }, { delegate: state({ drift: ["ServiceAccount ns/sa is missing"] }) });
        const p = planUpdate(r, recordedInputs(r), now);
        assert.deepEqual([p.changes, p.provisionDelegate, p.retest, p.repair], [true, true, false, "drift"]);
    });

    it("a bound token with less than tokenRenewFraction of its life left → renew", () => {
        const r = record(
            { delegate: { token: "bound" } },
            { delegate: state({ tokenIssuedAt: "2026-01-01T00:00:00Z", tokenExpiresAt: "2026-01-01T01:10:00Z" }) },
        );
        assert.equal(delegateRepair(r, now), "renew-token");
        assert.equal(delegateRepair(r, Date.parse("2026-01-01T00:10:00Z")), undefined);
    });

    it("a credential change re-provisions the delegate and re-tests", () => {
        const r = record({ delegate: {} }, { delegate: state() });
        const news = recordedInputs(r) as any;
        news.credential = { ...news.credential, auth: { type: "ServiceAccount", token: "another-token" } };
        const p = planUpdate(r, news, now);
        assert.deepEqual([p.provisionDelegate, p.retest], [true, true]);
    });
});

describe("records: one error story @unit", () => {
    it("a failure recorded in a report comes back as the same ConnectorError (instanceof, code, message, remediation)", () => {
        const original = new ConnectorError(
            "FORBIDDEN_NAMESPACE",
            "list apps/deployments in team-a was refused (403 Forbidden)",
            "Grant the right",
            'deployments.apps is forbidden: User "x" cannot list',
        );
        const report: ConnectionTestReport = { ...REPORT, status: "FAILURE", error: recordFailure(original) };
        assert.throws(
            () => assertConnectionSucceeded(report),
            (e: unknown) => {
                assert.ok(e instanceof ConnectorError);
                assert.equal(e.code, original.code);
                assert.equal(e.message, original.message);
                assert.equal(e.remediation, original.remediation);
                assert.equal(e.name, "ConnectorError");
                assert.equal(e.what, original.what, "the parts are recorded, not parsed back from the message");
                assert.equal(e.kubernetesMessage, original.kubernetesMessage);
                return true;
            },
        );
        // A failure an earlier version recorded (its message only) keeps its message.
        const older = { code: "UNAUTHORIZED", message: "[UNAUTHORIZED] 401 Unauthorized. Check the token" };
        const e = ConnectorError.recorded(older);
        assert.equal(e.message, older.message);
        assert.equal(e.code, "UNAUTHORIZED");
    });

    it("anything that is not a ConnectorError becomes one (UNEXPECTED, or the fallback), quoting its message", () => {
        const e = toConnectorError(new Error("ENOENT: no such file"));
        assert.ok(e instanceof ConnectorError);
        assert.equal(e.code, "UNEXPECTED");
        assert.match(e.message, /^\[UNEXPECTED\] ENOENT: no such file\. /);
        assert.equal(
            toConnectorError("x", { code: "CREDENTIAL_LOAD_FAILED", facts: "Check it" }).code,
            "CREDENTIAL_LOAD_FAILED",
        );
    });

    it("redactError scrubs what happened, Kubernetes' words and the remediation", () => {
        const e = redactError(
            new ConnectorError("API_ERROR", `sent ${TOKEN}`, `do not send ${TOKEN}`, `got ${TOKEN}`),
            [TOKEN],
        );
        assert.ok(e instanceof ConnectorError);
        assert.ok(!e.message.includes(TOKEN), e.message);
        assert.equal(e.message, "[API_ERROR] sent [secret] (Kubernetes said: got [secret]). do not send [secret]");
    });

    it("redactReport scrubs the failure and each check's message", () => {
        const failed = {
            ...REPORT,
            status: "FAILURE" as const,
            checks: [{ name: "GET /version", status: "FAILED" as const, message: `bad ${TOKEN}` }],
            error: { code: "API_ERROR", message: `bad ${TOKEN}` },
        };
        assert.ok(!JSON.stringify(redactReport(failed, [TOKEN])).includes(TOKEN));
    });

    it("recordedSecrets holds the credential's and the delegate's secrets", () => {
        const r = record(
            {
                delegate: {
                    provisioner: {
                        type: "ManualConfig",
                        masterUrl: "https://k8s.example.com:6443",
                        auth: { type: "ServiceAccount", token: "prov-token-1" },
                    },
                },
            },
            { delegateToken: "dt-123456" },
        );
        assert.deepEqual(new Set(recordedSecrets(r)), new Set([TOKEN, "prov-token-1", "dt-123456"]));
    });

    it("the recorded delegate input is a secret output only when it may hold a provisioner credential", () => {
        assert.ok(secretOutputs(true).includes("inputs"));
        assert.ok(!secretOutputs(false).includes("inputs"));
        assert.ok(secretOutputs(false).includes("delegateToken"));
        assert.deepEqual(
            secretOutputPaths(true).filter((p) => p[0] === "inputs"),
            [["inputs", "delegate"]],
            "the plugin wraps only the delegate's settings",
        );
    });
});

describe("records: every input has a place @unit", () => {
    it("each input is classified by the update plan as replacing, connection-changing, cosmetic or Harness-only (exactly once)", () => {
        const classified = [...REPLACE_KEYS, ...CONNECTION_KEYS, ...COSMETIC_KEYS, ...HARNESS_KEYS];
        assert.deepEqual([...classified].sort(), [...INPUT_NAMES].sort());
    });
});

describe("records: what a rollback that could not finish asks of the user @unit", () => {
    const forbidden = new ConnectorError("FORBIDDEN_NAMESPACE", "delete refused", "Grant it", undefined, 403);
    const gone = new ConnectorError("UNREACHABLE", "cannot connect", "Check the URL");
    const left = (what: string, error: unknown): LeftBehind => ({
        what,
        where: { cluster: what.split(" ")[0] },
        error,
    });
    const sa = "ServiceAccount n/d";
    const ns = "Namespace n";

    it("delete refused → grant delete on those kinds; nothing about the cluster coming back", () => {
        const r = rollbackRemedy([left(sa, forbidden), left(ns, forbidden)]);
        assert.match(
            r,
            /^Grant the provisioner `delete` on ServiceAccount, Namespace \(Kubernetes refused it\), then run `pulumi up` again: /,
        );
        assert.doesNotMatch(r, /when the cluster answers/);
    });

    it("the cluster did not answer → run up again when it does", () => {
        assert.match(
            rollbackRemedy([left(sa, gone)]),
            /^Run `pulumi up` again when the cluster answers: the connector takes over what is left/,
        );
    });

    it("both → both", () => {
        assert.match(
            rollbackRemedy([left(sa, forbidden), left(ns, gone)]),
            /Grant the provisioner `delete` on ServiceAccount .*; run `pulumi up` again when the cluster answers/,
        );
    });

    it("what Harness kept → delete it there or adopt it; with the failure's own words and remedy first", () => {
        const harnessLeft: LeftBehind = { what: "Harness secret Prod_token", where: "harness", error: gone };
        assert.match(rollbackRemedy([harnessLeft]), /^delete what Harness kept .*harness\.adopt: true/);
        const e = rollbackIncomplete(
            new ConnectorError("HARNESS_TEST_FAILED", "Harness's test says FAILURE", "Fix the delegate"),
            [left(sa, forbidden), harnessLeft],
        );
        assert.equal(e.code, "ROLLBACK_INCOMPLETE");
        assert.match(
            e.message,
            /Harness's test says FAILURE; undoing what was made left: ServiceAccount n\/d \(delete refused: 403 Forbidden\), Harness secret Prod_token \(UNREACHABLE\)/,
        );
        assert.match(
            e.remediation,
            /^Fix the delegate\. Then: Grant the provisioner `delete` on ServiceAccount.*; delete what Harness kept/,
        );
    });
});

describe("steps: a run undoes what it made, newest first, and closes at the end @unit", () => {
    it("undoes in reverse after a failure, keeps the failure, and closes what it opened after the undo", async () => {
        const log: string[] = [];
        await assert.rejects(
            inSteps(async (steps) => {
                steps.closeAtEnd(async () => void log.push("close"));
                steps.made("a", { cluster: "A" }, async () => void log.push("undo a"));
                steps.made("b", "harness", async () => void log.push("undo b"));
                throw new ConnectorError("TIMEOUT", "it timed out", "Wait");
            }),
            (e: ConnectorError) => e.code === "TIMEOUT",
        );
        assert.deepEqual(log, ["undo b", "undo a", "close"]);
    });

    it("a successful run undoes nothing; an undo that fails is named, the rest still undone", async () => {
        const log: string[] = [];
        assert.equal(
            await inSteps(async (steps) => {
                steps.made("a", { cluster: "A" }, async () => void log.push("undo a"));
                return 42;
            }),
            42,
        );
        assert.equal(log.length, 0, "a successful run undoes nothing");
        await assert.rejects(
            inSteps(async (steps) => {
                steps.made("ServiceAccount n/a", { cluster: "ServiceAccount" }, async () => void log.push("undo a"));
                steps.made("ServiceAccount n/b", { cluster: "ServiceAccount" }, async () => {
                    throw new ConnectorError("FORBIDDEN_NAMESPACE", "no", "Grant", undefined, 403);
                });
                throw new Error("boom");
            }),
            (e: ConnectorError) =>
                e.code === "ROLLBACK_INCOMPLETE" &&
                /boom; undoing what was made left: ServiceAccount n\/b \(delete refused: 403 Forbidden\)$/.test(e.what),
        );
        assert.deepEqual(log, ["undo a"]);
    });
});
