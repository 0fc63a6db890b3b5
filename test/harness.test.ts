// Registration in Harness through the real `pulumi` engine, a real kube-apiserver, and the local
// Harness NG API stand-in (tools/harness: Harness's OpenAPI validated on every request and answer,
// its server rules, a test connection that really talks to the cluster). The Harness settings come
// from HARNESS_ACCOUNT_ID, HARNESS_PLATFORM_API_KEY and HARNESS_ENDPOINT, as users' pipelines set them.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { automation } from "@pulumi/pulumi";
import { repoRoot } from "../tools/binaries";
import { type ControlPlane, startControlPlane } from "../tools/controlPlane";
import { type HarnessStandIn, startHarnessStandIn } from "../tools/harness";
import { type AdminClients, adminClients, createLister, type TestServiceAccount } from "../tools/identities";
import { createTestStack } from "../tools/pulumiHarness";
import { assertNoSecret } from "./stateSecrets";

const EXAMPLE = path.join(repoRoot(), "examples", "harness");
const DELEGATE_FIXTURE = path.join(repoRoot(), "test", "fixtures", "delegate");

/** Everything a stack printed, to look for secrets in. */
function recorder() {
    const printed: string[] = [];
    return { printed, onOutput: (s: string) => printed.push(s) };
}

/** The connector's `harness.drift` as state records it (refresh does not run the program, so not a stack output). */
async function recordedDrift(t: { exportState(): Promise<string> }): Promise<string[]> {
    const resources = JSON.parse(await t.exportState()).deployment.resources as any[];
    const connector = resources.find((r) => r.type === "pulumi-nodejs:dynamic:Resource");
    return [...(connector.outputs.harness?.drift ?? [])].sort();
}

const outputs = (r: automation.UpResult) => Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, v.value]));

describe("Harness registration through pulumi (real engine, real cluster, Harness stand-in)", () => {
    let cp: ControlPlane;
    let admin: AdminClients;
    let first: TestServiceAccount;
    let second: TestServiceAccount;
    let harness: HarnessStandIn;

    before(async () => {
        cp = await startControlPlane();
        admin = adminClients(cp);
        first = await createLister(admin, "harness-ci", "first");
        second = await createLister(admin, "harness-ci", "second");
    });
    beforeEach(async () => {
        harness = await startHarnessStandIn({ delegateSelectors: ["prod"] });
    });
    afterEach(async () => {
        assert.deepEqual(harness.contractViolations, [], "every answer of the stand-in kept Harness's contract");
        await harness.stop();
    });
    after(async () => cp?.stop());

    /** The environment users' pipelines set for Harness, pointing at the stand-in (and trusting its CA). */
    const harnessEnv = () => harness.env;

    async function stack(config: Record<string, string> = {}, token = first.token, env: Record<string, string> = {}) {
        return createTestStack({
            programDir: EXAMPLE,
            config: {
                masterUrl: { value: cp.server },
                caCert: { value: cp.ca.certPem },
                token: { value: token, secret: true },
                ...Object.fromEntries(Object.entries(config).map(([k, v]) => [k, { value: v }])),
            },
            env: { ...harnessEnv(), ...env },
        });
    }

    const secretsOf = () =>
        harness
            .secrets()
            .map((s) => `${s.scope.org ?? ""}/${s.identifier}`)
            .sort();
    const connectorsOf = () => harness.connectors().map((c) => `${c.scope.org ?? ""}/${c.identifier}`);

    it("create (org scope, gate), no-op preview, rotation updates the secret only, description updates the connector, destroy removes both", async () => {
        const t = await stack({ orgIdentifier: "platform" });
        const rec = recorder();
        try {
            const up = await t.up({ onOutput: rec.onOutput });
            const out = outputs(up);
            assert.equal(out.harnessConnectorRef, "org.Prod_cluster");
            assert.equal(out.harnessTestStatus, "SUCCESS");
            assert.deepEqual(out.harnessSecretRefs, {
                token: "org.Prod_cluster_token",
                caCert: "org.Prod_cluster_caCert",
            });
            assert.deepEqual(connectorsOf(), ["platform/Prod_cluster"]);
            assert.deepEqual(secretsOf(), ["platform/Prod_cluster_caCert", "platform/Prod_cluster_token"]);
            const stored = harness.connectors()[0].connector as any;
            assert.deepEqual(stored.spec.credential.spec.auth, {
                type: "ServiceAccount",
                spec: { serviceAccountTokenRef: "org.Prod_cluster_token", caCertRef: "org.Prod_cluster_caCert" },
            });
            const tokenSecret = harness.secrets().find((s) => s.identifier === "Prod_cluster_token")!.secret as any;
            assert.equal(tokenSecret.spec.value, first.token, "the token secret holds the token");
            // Scope: in the body for create, in the query for the test.
            const test = harness.requests.find((r) => r.path.includes("testConnection"))!;
            assert.equal(test.query.orgIdentifier, "platform");

            const preview = await t.preview({ onOutput: rec.onOutput });
            assert.equal(preview.changeSummary.update ?? 0, 0);
            assert.equal(preview.changeSummary.replace ?? 0, 0);

            // Rotation: the token secret is PUT with the new value; the connector is not sent again.
            await t.stack.setConfig("token", { value: second.token, secret: true });
            const before = harness.requests.length;
            await t.up({ onOutput: rec.onOutput });
            const sent = harness.requests.slice(before).map((r) => `${r.method} ${r.path.replace(/^.*\/ng\/api/, "")}`);
            assert.ok(sent.includes("PUT /v2/secrets/Prod_cluster_token"), sent.join(", "));
            assert.ok(!sent.includes("PUT /connectors"), `the connector body did not change: ${sent.join(", ")}`);
            assert.ok(!sent.includes("PUT /v2/secrets/Prod_cluster_caCert"), "the CA did not change");
            const rotated = harness.secrets().find((s) => s.identifier === "Prod_cluster_token")!.secret as any;
            assert.equal(rotated.spec.value, second.token);

            await t.stack.setConfig("description", { value: "prod, via pulumi" });
            const beforeDescription = harness.requests.length;
            await t.up({ onOutput: rec.onOutput });
            const described = harness.requests.slice(beforeDescription).map((r) => r.method + r.path);
            assert.ok(described.some((r) => r.startsWith("PUT") && r.endsWith("/ng/api/connectors")));
            assert.equal((harness.connectors()[0].connector as any).description, "prod, via pulumi");

            const state = await t.exportState();
            const printed = rec.printed.join("");
            for (const [text, where] of [
                [state, "pulumi stack export"],
                [printed, "up/preview output"],
            ])
                assertNoSecret(text, [first.token, second.token, harness.apiKey], where);

            const beforeDestroy = harness.requests.length;
            await t.destroy({ onOutput: rec.onOutput });
            assert.deepEqual(connectorsOf(), []);
            assert.deepEqual(secretsOf(), []);
            // The minimum accepted: the connector, then each secret this connector made, once each. A
            // secret delete Harness refuses is only the wait while it releases the deleted connector's
            // references (ENTITY_REFERENCE_EXCEPTION, asynchronous in harness-core).
            const onDestroy = harness.requests.slice(beforeDestroy);
            const asSent = (r: (typeof onDestroy)[number]) => `${r.method} ${r.path.replace(/^.*\/ng\/api/, "")}`;
            assert.deepEqual(onDestroy.filter((r) => r.status === 200).map(asSent), [
                "DELETE /connectors/Prod_cluster",
                "DELETE /v2/secrets/Prod_cluster_caCert",
                "DELETE /v2/secrets/Prod_cluster_token",
            ]);
            for (const r of onDestroy.filter((x) => x.status !== 200))
                assert.match(
                    `${asSent(r)} ${r.status} ${r.code}`,
                    /^DELETE \/v2\/secrets\/\S+ 400 ENTITY_REFERENCE_EXCEPTION$/,
                );
            const deletes = harness.requests.filter((r) => r.method === "DELETE");
            assert.ok(
                deletes.every((r) => r.query.orgIdentifier === "platform"),
                "DELETE carries the org in the query",
            );
        } finally {
            await t.dispose();
        }
    });

    /** Requests after `from` that would change something in Harness. */
    const writesSince = (from: number) =>
        harness.requests
            .slice(from)
            .filter((r) => r.method !== "GET" && !r.path.includes("testConnection"))
            .map((r) => `${r.method} ${r.path.replace(/^.*\/ng\/api/, "")}`);

    for (const [level, scope, prefix] of [
        ["account", {}, "account."],
        ["org", { orgIdentifier: "platform" }, "org."],
        ["project", { orgIdentifier: "platform", projectIdentifier: "apps" }, ""],
    ] as const) {
        it(`${level} scope, force delete off: refs carry the scope; gate rollback leaves nothing; refresh finds no drift; a no-op up writes nothing; destroy removes all`, async () => {
            const t = await stack({ ...scope, delegateSelectors: '["prod"]' });
            const where = (r: { scope: { org?: string; project?: string } }) =>
                [r.scope.org ?? "", r.scope.project ?? ""].join("/");
            try {
                harness.failTestConnection("the delegate cannot reach the cluster");
                await assert.rejects(t.up(), /\[HARNESS_TEST_FAILED\].*cannot reach the cluster/);
                assert.deepEqual(connectorsOf(), [], "the connector was undone");
                assert.deepEqual(secretsOf(), [], "its secrets were undone, without forceDelete");
                const undo = harness.requests.filter((r) => r.method === "DELETE");
                assert.ok(undo.length >= 3, "connector and two secrets deleted");
                assert.ok(
                    undo.every((r) => r.query.forceDelete === undefined),
                    "no forceDelete: the account does not enable it",
                );
                harness.failTestConnection(undefined);

                const up = await t.up();
                const out = outputs(up);
                assert.equal(out.harnessTestStatus, "SUCCESS");
                assert.equal(out.harnessConnectorRef, `${prefix}Prod_cluster`);
                assert.deepEqual(out.harnessSecretRefs, {
                    token: `${prefix}Prod_cluster_token`,
                    caCert: `${prefix}Prod_cluster_caCert`,
                });
                const stored = harness.connectors();
                assert.deepEqual(stored.map(where), [
                    [scope.orgIdentifier ?? "", (scope as { projectIdentifier?: string }).projectIdentifier ?? ""].join(
                        "/",
                    ),
                ]);
                assert.deepEqual(
                    harness.secrets().map((x) => where(x)),
                    [where(stored[0]), where(stored[0])],
                    "the secrets live in the connector's scope",
                );

                await t.refresh();
                assert.deepEqual(await recordedDrift(t), [], "Harness's nulls are no drift");
                const state = JSON.parse(await t.exportState()).deployment.resources.find(
                    (r: any) => r.type === "pulumi-nodejs:dynamic:Resource",
                );
                assert.equal(state.outputs.harness.status.status, "SUCCESS", "refresh read Harness's status");
                assert.ok(state.outputs.harness.status.lastConnectedAt > 0);

                const before = harness.requests.length;
                const again = await t.up();
                assert.equal(again.summary.resourceChanges?.update ?? 0, 0);
                assert.deepEqual(writesSince(before), [], "a no-op up sends no PUT or POST");

                await t.destroy();
                assert.deepEqual(connectorsOf(), []);
                assert.deepEqual(secretsOf(), []);
            } finally {
                await t.dispose();
            }
        });
    }

    it("refresh records what was edited and deleted in Harness as drift; the next up repairs it; a connector deleted in the UI is re-created", async () => {
        // The API key as a secret input this time, not from the environment: it stays secret in state.
        const t = await stack({ delegateSelectors: JSON.stringify(["prod"]) }, first.token, {
            HARNESS_PLATFORM_API_KEY: "",
        });
        await t.stack.setConfig("harnessApiKey", { value: harness.apiKey, secret: true });
        try {
            await t.up();
            harness.editConnector("Prod_cluster", { spec: { delegateSelectors: ["edited-in-ui"] } });
            harness.deleteSecret("Prod_cluster_caCert");
            await t.refresh();
            assert.deepEqual(await recordedDrift(t), [
                "connector delegateSelectors changed in Harness",
                "secret Prod_cluster_caCert deleted in Harness",
            ]);
            const preview = await t.preview();
            assert.equal(preview.changeSummary.update, 1, "the drift shows as an update");
            await t.up();
            assert.deepEqual((harness.connectors()[0].connector as any).spec.delegateSelectors, ["prod"]);
            assert.ok(secretsOf().includes("/Prod_cluster_caCert"));
            await t.refresh();
            assert.deepEqual(await recordedDrift(t), []);

            harness.deleteConnector("Prod_cluster");
            await t.refresh();
            assert.deepEqual(await recordedDrift(t), ["connector deleted in Harness"]);
            await t.up();
            assert.deepEqual(connectorsOf(), ["/Prod_cluster"]);
            assertNoSecret(await t.exportState(), [harness.apiKey, first.token], "pulumi stack export");
            await t.destroy();
            assert.deepEqual(connectorsOf(), []);
            assert.deepEqual(secretsOf(), []);
        } finally {
            await t.dispose();
        }
    });

    it("a Kubeconfig credential is registered as ManualConfig ClientKeyCert; InheritFromDelegate as itself, tested on a delegate with its selectors", async () => {
        await harness.stop();
        harness = await startHarnessStandIn({
            delegates: [{ name: "prod-delegate", selectors: ["prod"], kubeconfigFor: () => cp.kubeconfig }],
        });
        const env = harnessEnv();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harness-inherit-"));
        const kubeconfigPath = path.join(dir, "config");
        fs.writeFileSync(kubeconfigPath, cp.kubeconfig);
        const fromKubeconfig = await createTestStack({
            programDir: DELEGATE_FIXTURE,
            config: {
                spec: {
                    value: JSON.stringify({
                        name: "From kubeconfig",
                        delegateSelectors: ["prod"],
                        harness: { test: "gate" },
                    }),
                },
                kubeconfig: { value: cp.kubeconfig, secret: true },
            },
            env,
        });
        const inherited = await createTestStack({
            programDir: DELEGATE_FIXTURE,
            config: {
                spec: {
                    value: JSON.stringify({
                        name: "Inherited",
                        delegateSelectors: ["prod"],
                        credential: { type: "InheritFromDelegate", kubeconfigPath },
                        harness: { test: "gate" },
                    }),
                },
                kubeconfig: { value: "unused", secret: true },
            },
            env,
        });
        try {
            await fromKubeconfig.up();
            const stored = harness.connectors().find((c) => c.identifier === "From_kubeconfig")!.connector as any;
            assert.equal(stored.spec.credential.spec.masterUrl, cp.server);
            assert.equal(stored.spec.credential.spec.auth.type, "ClientKeyCert");
            assert.deepEqual(Object.keys(stored.spec.credential.spec.auth.spec).sort(), [
                "caCertRef",
                "clientCertRef",
                "clientKeyAlgo",
                "clientKeyRef",
            ]);
            const key = harness.secrets().find((s) => s.identifier === "From_kubeconfig_clientKey")!.secret as any;
            assert.match(key.spec.value, /PRIVATE KEY/);
            const state = await fromKubeconfig.exportState();
            assert.ok(!state.includes(key.spec.value.split("\n")[1]), "the client key is not plain in state");

            const up = await inherited.up();
            assert.equal(up.summary.result, "succeeded");
            const inheritedConnector = harness.connectors().find((c) => c.identifier === "Inherited")!.connector as any;
            assert.deepEqual(inheritedConnector.spec, {
                credential: { type: "InheritFromDelegate" },
                delegateSelectors: ["prod"],
            });
            const test = harness.requests.filter((r) => r.path.endsWith("testConnection/Inherited"));
            assert.equal(test.length, 1);
            // Harness answers credential.spec null (InheritFromDelegate) and unset refs null: no drift, no PUT.
            for (const t of [fromKubeconfig, inherited]) {
                await t.refresh();
                assert.deepEqual(await recordedDrift(t), []);
                const before = harness.requests.length;
                await t.up();
                assert.deepEqual(writesSince(before), [], "a no-op up sends no PUT or POST");
            }
            await inherited.destroy();
            await fromKubeconfig.destroy();
            assert.deepEqual(connectorsOf(), []);
            assert.deepEqual(secretsOf(), []);
        } finally {
            await inherited.dispose();
            await fromKubeconfig.dispose();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("gate: Harness's test failing fails up and leaves nothing in Harness; warn: recorded and printed; skip: not run", async () => {
        harness.failTestConnection("delegate cannot reach the cluster");
        const t = await stack();
        try {
            await assert.rejects(t.up(), (e: Error) => {
                assert.match(e.message, /\[HARNESS_TEST_FAILED\].*delegate cannot reach the cluster/);
                return true;
            });
            assert.deepEqual(connectorsOf(), [], "the connector was undone");
            assert.deepEqual(secretsOf(), [], "the secrets were undone");

            await t.stack.setConfig("harnessTest", { value: "warn" });
            const rec = recorder();
            const up = await t.up({ onOutput: rec.onOutput });
            assert.equal(outputs(up).harnessTestStatus, "FAILURE");
            assert.match(rec.printed.join(""), /Harness's connection test of Prod_cluster says FAILURE/);
            assert.deepEqual(connectorsOf(), ["/Prod_cluster"]);
            // refresh reads Harness's status of the connector and warns while it says FAILURE.
            const refreshed = recorder();
            await t.refresh({ onOutput: refreshed.onOutput });
            assert.match(
                refreshed.printed.join(""),
                /Harness says it cannot reach the cluster of connector account\.Prod_cluster: .*delegate cannot reach the cluster/,
            );
            const record = JSON.parse(await t.exportState()).deployment.resources.find(
                (r: any) => r.type === "pulumi-nodejs:dynamic:Resource",
            );
            assert.equal(record.outputs.harness.status.status, "FAILURE");
            assert.match(record.outputs.harness.status.errorSummary, /delegate cannot reach the cluster/);

            await t.stack.setConfig("harnessTest", { value: "skip" });
            const tests = () => harness.requests.filter((r) => r.path.includes("testConnection")).length;
            const testsBefore = tests();
            const skipped = await t.up();
            assert.equal(outputs(skipped).harnessTestStatus, "SKIPPED");
            assert.equal(tests(), testsBefore, "skip: Harness's test is not run");
            await t.destroy();
        } finally {
            await t.dispose();
        }
    });

    it("warn: no delegate with the connector's selectors (Harness's 400, or a 503) is Harness's test failing at once (one request), a warning, not a rollback", async () => {
        for (const answer of ["invalid-request", "unavailable-delegates"] as const) {
            await harness.stop();
            harness = await startHarnessStandIn({ delegateSelectors: ["prod"], noDelegateAnswer: answer });
            const t = await stack({ delegateSelectors: '["gpu"]', harnessTest: "warn", harnessTimeoutSeconds: "30" });
            try {
                const started = Date.now();
                const rec = recorder();
                const up = await t.up({ onOutput: rec.onOutput });
                assert.equal(outputs(up).harnessTestStatus, "FAILURE");
                assert.match(rec.printed.join(""), /says FAILURE: .*no delegate/);
                const tests = harness.requests.filter((r) => r.path.includes("testConnection"));
                assert.deepEqual(
                    tests.map((r) => [r.status, r.code]),
                    [answer === "invalid-request" ? [400, "INVALID_REQUEST"] : [503, "UNAVAILABLE_DELEGATES"]],
                    "Harness's test was asked once",
                );
                assert.deepEqual(connectorsOf(), ["/Prod_cluster"], "warn keeps the connector");
                assert.ok(Date.now() - started < 30_000, "up did not wait out harness.timeoutSeconds");
                await t.destroy();
            } finally {
                await t.dispose();
            }
        }
    });

    it("a policy denial undoes the secrets; a secret's denial fails at once; a connector pipelines reference is kept until forceDelete, which needs the account setting", async () => {
        harness.denyByPolicy("Prod_cluster", "connectors-need-owner-tag");
        const t = await stack();
        try {
            await assert.rejects(t.up(), /\[HARNESS_POLICY_DENIED\].*connectors-need-owner-tag/);
            assert.deepEqual(secretsOf(), []);
            harness.clearPolicies();

            // A secret denied (200 with data.secret null): failed at once, not a retry of the connector until the timeout.
            harness.denySecretByPolicy("Prod_cluster_caCert", "secrets-need-vault");
            const started = Date.now();
            const before = harness.requests.length;
            await assert.rejects(
                t.up(),
                /\[HARNESS_POLICY_DENIED\].*secret "Prod_cluster_caCert".*secrets-need-vault/s,
            );
            assert.ok(Date.now() - started < 20_000, "not retried until harness.timeoutSeconds");
            assert.ok(
                !harness.requests.slice(before).some((r) => r.operationId === "createConnector"),
                "no connector was sent",
            );
            assert.deepEqual(secretsOf(), [], "the token secret made before was undone");
            harness.clearPolicies();

            await t.up();
            harness.referenceByPipeline("Prod_cluster", "deploy_prod");
            await assert.rejects(t.destroy(), /\[HARNESS_REFERENCED\].*forceDelete/);
            assert.deepEqual(connectorsOf(), ["/Prod_cluster"], "nothing was deleted");
            await t.stack.setConfig("forceDelete", { value: "true" });
            await t.up();
            // The account setting enable_force_delete is off by default: Harness refuses, and we say why.
            await assert.rejects(
                t.destroy(),
                /\[HARNESS_INVALID_REQUEST\].*enable_force_delete is off.*Enable Force Delete/s,
            );
            assert.deepEqual(connectorsOf(), ["/Prod_cluster"], "nothing was deleted");
            harness.setForceDelete(true);
            await t.destroy();
            assert.deepEqual(connectorsOf(), []);
            assert.deepEqual(secretsOf(), [], "the secrets went after Harness released the reference");
        } finally {
            await t.dispose();
        }
    });

    it("creates whose answers were lost (5xx after the work was done) are retried, meet Harness's duplicate answer and carry on; a replacement keeping the name is made first (names are not unique)", async () => {
        const t = await stack();
        try {
            harness.serverErrors(1, 500, { afterCommit: true }); // the first secret's create
            await t.up();
            // The replacement (a new identifier, the same name: made before the old one goes) has its connector's create answered 502.
            harness.serverErrors(1, 502, { afterCommit: true, operationId: "createConnector" });
            await t.stack.setConfig("identifier", { value: "Second_id" });
            const before = harness.requests.length;
            await t.up();
            const creates = harness.requests
                .slice(before)
                .filter((r) => r.operationId === "createConnector")
                .map((r) => r.status);
            assert.deepEqual(
                creates,
                [502, 400],
                "the create was answered 502, retried, and met the duplicate identifier",
            );
            const order = harness.requests
                .slice(before)
                .filter((r) => r.operationId === "createConnector" || r.operationId === "deleteConnector")
                .map((r) => r.operationId);
            assert.deepEqual(
                order,
                ["createConnector", "createConnector", "deleteConnector"],
                "made first, then the old one deleted",
            );
            assert.deepEqual(connectorsOf(), ["/Second_id"]);
            await t.destroy();
            assert.deepEqual(connectorsOf(), []);
            assert.deepEqual(secretsOf(), []);
        } finally {
            await t.dispose();
        }
    });

    it("a 429 storm without Retry-After and a secret not yet resolvable are waited out; a storm past harness.timeoutSeconds is HARNESS_RATE_LIMITED", async () => {
        harness.rateLimit(4);
        harness.secretResolvableAfter(1500);
        const t = await stack();
        try {
            const up = await t.up();
            assert.equal(outputs(up).harnessTestStatus, "SUCCESS");
            assert.ok(harness.requests.filter((r) => r.status === 429).length === 4);
            await t.destroy();

            // A storm that outlasts harness.timeoutSeconds: HARNESS_RATE_LIMITED by the deadline, nothing left.
            await t.stack.setConfig("harnessTimeoutSeconds", { value: "3" });
            const stormy = harness.requests.length;
            harness.rateLimit(100_000);
            const started = Date.now();
            await assert.rejects(t.up(), /\[HARNESS_RATE_LIMITED\].*429/);
            harness.rateLimit(0);
            const first429 = harness.requests[stormy].at;
            const last429 = harness.requests.at(-1)!.at;
            assert.ok(last429 - first429 < 3500, `retries stopped at the deadline (${last429 - first429} ms)`);
            assert.ok(Date.now() - started < 60_000);
            assert.deepEqual(connectorsOf(), []);
            assert.deepEqual(secretsOf(), []);
        } finally {
            await t.dispose();
        }
    });

    it("a 403 is HARNESS_FORBIDDEN; a wrong API key is HARNESS_UNAUTHORIZED, never echoed; an identifier taken is HARNESS_DUPLICATE until adopt", async () => {
        const wrongKey = "pat.wrong.key.0123456789abcdef";
        const t = await stack({}, first.token, { HARNESS_PLATFORM_API_KEY: wrongKey });
        try {
            harness.accessDenied(1);
            await t.stack.setConfig("token", { value: first.token, secret: true });
            await assert.rejects(
                createTestStack({
                    programDir: EXAMPLE,
                    config: {
                        masterUrl: { value: cp.server },
                        caCert: { value: cp.ca.certPem },
                        token: { value: first.token, secret: true },
                    },
                    env: harnessEnv(),
                }).then(async (f) => {
                    try {
                        await f.up();
                    } finally {
                        await f.dispose();
                    }
                }),
                /\[HARNESS_FORBIDDEN\]/,
            );
            assert.deepEqual(connectorsOf(), []);
            await assert.rejects(t.up(), (e: Error) => {
                assert.match(e.message, /\[HARNESS_UNAUTHORIZED\]/);
                assert.ok(!e.message.includes(wrongKey), "the key is not in the message");
                return true;
            });
        } finally {
            await t.dispose();
        }
        const owner = await stack();
        const taker = await stack();
        try {
            await owner.up();
            await assert.rejects(taker.up(), /\[HARNESS_DUPLICATE\]/);
            await taker.stack.setConfig("adopt", { value: "true" });
            await taker.up();
            assert.deepEqual(connectorsOf(), ["/Prod_cluster"]);
            await taker.destroy();
            assert.deepEqual(connectorsOf(), []);
        } finally {
            await owner.dispose().catch(() => undefined);
            await taker.dispose();
        }
    });

    it("with a delegate (project scope, useAsCredential, bound token): Harness's test failing undoes both sides; renewal pushes the new token into the Harness secret", async () => {
        const spec = {
            name: "Delegated",
            orgIdentifier: "platform",
            projectIdentifier: "apps",
            delegate: {
                namespace: "harness-atomic",
                serviceAccountName: "hd",
                permissions: "cluster-viewer",
                token: "bound",
                tokenExpirationSeconds: 600,
                tokenRenewFraction: 1,
                useAsCredential: true,
            },
            harness: { test: "gate" },
        };
        const t = await createTestStack({
            programDir: DELEGATE_FIXTURE,
            config: {
                spec: { value: JSON.stringify(spec) },
                kubeconfig: { value: cp.kubeconfig, secret: true },
            },
            env: harnessEnv(),
        });
        const serviceAccountExists = () =>
            admin.core.readNamespacedServiceAccount({ name: "hd", namespace: "harness-atomic" }).then(
                () => true,
                () => false,
            );
        try {
            harness.failTestConnection("the delegate's network cannot reach the API server");
            await assert.rejects(t.up(), /\[HARNESS_TEST_FAILED\]/);
            assert.deepEqual(connectorsOf(), []);
            assert.deepEqual(secretsOf(), []);
            assert.equal(await serviceAccountExists(), false, "the delegate's ServiceAccount was undone");

            harness.failTestConnection(undefined);
            const up = await t.up();
            const token = up.outputs.delegateToken.value as string;
            const stored = harness.connectors()[0];
            assert.deepEqual(stored.scope, { org: "platform", project: "apps" });
            assert.equal((stored.connector as any).spec.credential.spec.auth.type, "ServiceAccount");
            const tokenSecret = () =>
                (harness.secrets().find((s) => s.identifier === "Delegated_token")!.secret as any).spec.value;
            assert.equal(tokenSecret(), token, "the Harness secret holds the delegate's token");
            assert.equal(await serviceAccountExists(), true);

            const renewed = await t.up();
            const newToken = renewed.outputs.delegateToken.value as string;
            assert.notEqual(newToken, token, "the bound token was renewed");
            assert.equal(tokenSecret(), newToken, "the renewed token was pushed to Harness");

            await t.destroy();
            assert.deepEqual(connectorsOf(), []);
            assert.deepEqual(secretsOf(), []);
            assert.equal(await serviceAccountExists(), false);
            assertNoSecret(await t.exportState(), [token, newToken, harness.apiKey], "pulumi stack export");
        } finally {
            await t.dispose();
        }
    });

    it("refresh without the API key in the environment records that Harness could not be read, and still tests the cluster", async () => {
        const t = await stack();
        try {
            await t.up();
            t.stack.workspace.envVars.HARNESS_PLATFORM_API_KEY = "";
            const before = harness.requests.length;
            await t.refresh();
            const drift = await recordedDrift(t);
            assert.equal(drift.length, 1);
            assert.match(drift[0], /could not read the connector from Harness: .*HARNESS_PLATFORM_API_KEY/);
            assert.equal(harness.requests.length, before, "nothing was sent to Harness");
            t.stack.workspace.envVars.HARNESS_PLATFORM_API_KEY = harness.apiKey;
            await t.destroy();
            assert.deepEqual(connectorsOf(), []);
        } finally {
            await t.dispose();
        }
    });

    it("no CA: registered (Harness does not verify without one, nor does insecureSkipTlsVerify), preview warns; harness.requireCaCert refuses at preview", async () => {
        const spec = (harnessSettings: Record<string, unknown>) => ({
            name: "No CA",
            delegateSelectors: ["prod"],
            credential: {
                type: "ManualConfig",
                masterUrl: cp.server,
                insecureSkipTlsVerify: true,
                auth: { type: "ServiceAccount", token: first.token },
            },
            harness: { test: "gate", ...harnessSettings },
        });
        const t = await createTestStack({
            programDir: DELEGATE_FIXTURE,
            config: { spec: { value: JSON.stringify(spec({})) }, kubeconfig: { value: "unused", secret: true } },
            env: harnessEnv(),
        });
        try {
            const rec = recorder();
            await t.preview({ onOutput: rec.onOutput });
            assert.match(
                rec.printed.join(""),
                /registered in Harness without a CA: .*WITHOUT verifying its certificate/,
            );
            await t.up();
            const stored = harness.connectors()[0].connector as any;
            assert.equal(stored.spec.credential.spec.auth.spec.caCertRef ?? null, null, "Harness holds no CA");
            await t.destroy();

            await t.stack.setConfig("spec", { value: JSON.stringify(spec({ requireCaCert: true })) });
            const before = harness.requests.length;
            await assert.rejects(t.preview(), /\[INVALID_INPUT\].*credential\.caCert.*harness\.requireCaCert/s);
            assert.equal(harness.requests.length, before, "nothing was sent to Harness");
            assertNoSecret(await t.exportState(), [first.token, harness.apiKey], "pulumi stack export");
        } finally {
            await t.dispose();
        }
    });

    it("without an account or key, preview fails with INVALID_INPUT naming the property and the variable", async () => {
        const t = await stack({}, first.token, { HARNESS_ACCOUNT_ID: "" });
        try {
            await assert.rejects(t.preview(), /\[INVALID_INPUT\].*harness\.accountId.*HARNESS_ACCOUNT_ID/s);
            assert.equal(harness.requests.length, 0, "nothing was sent to Harness");
        } finally {
            await t.dispose();
        }
    });
});

describe("npm run demo (real engine, its own control plane, the Harness stand-in)", () => {
    it("connects the demo cluster, registers it in a stand-in it names as one, previews no changes, destroys", async () => {
        const { execFile } = await import("node:child_process");
        const env = { ...process.env };
        for (const k of ["KUBECONFIG", "HARNESS_ACCOUNT_ID", "HARNESS_PLATFORM_API_KEY", "HARNESS_ENDPOINT"])
            delete env[k];
        const out = await new Promise<string>((resolve, reject) =>
            execFile(
                process.execPath,
                [path.join(repoRoot(), "dist", "scripts", "demo.js")],
                { env, maxBuffer: 64 << 20, timeout: 240_000 },
                (e, stdout, stderr) => (e ? reject(new Error(`${e.message}\n${stdout}\n${stderr}`)) : resolve(stdout)),
            ),
        );
        assert.match(out, /registering in a local STAND-IN of Harness's NG API .*\(not Harness/);
        assert.match(out, /\[demo\] in Harness: account\.Demo_cluster .*Harness's test SUCCESS/);
        assert.match(out, /\[demo\] \{"same":2\}/);
    });
});
