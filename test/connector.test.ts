// KubernetesClusterConnector through the real `pulumi` engine against a real kube-apiserver.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { DEPLOYMENTS_RULES } from "../provider/permissions";
import { repoRoot } from "../tools/binaries";
import { type ControlPlane, kubeconfigFor, startControlPlane } from "../tools/controlPlane";
import {
    type AdminClients,
    adminClients,
    createLister,
    createServiceAccountWithToken,
    grantInNamespace,
    LIST_CONTROLLERS,
    type TestServiceAccount,
} from "../tools/identities";
import { createTestStack } from "../tools/pulumiHarness";
import { assertNoSecret, SECRET_SIG } from "./stateSecrets";

const SA_EXAMPLE = path.join(repoRoot(), "examples", "service-account-token");
const KUBECONFIG_EXAMPLE = path.join(repoRoot(), "examples", "kubeconfig");
const CREDENTIAL_OUTPUT_FIXTURE = path.join(repoRoot(), "test", "fixtures", "credential-output");
const DELEGATE_FIXTURE = path.join(repoRoot(), "test", "fixtures", "delegate");

function dynamicResource(stateJson: string): any {
    return JSON.parse(stateJson).deployment.resources.find((r: any) => r.type === "pulumi-nodejs:dynamic:Resource");
}

describe("KubernetesClusterConnector through pulumi (real engine, real cluster)", () => {
    let cp: ControlPlane;
    let admin: AdminClients;
    let first: TestServiceAccount;
    let second: TestServiceAccount;

    before(async () => {
        cp = await startControlPlane();
        admin = adminClients(cp);
        first = await createLister(admin, "ci", "first");
        second = await createLister(admin, "ci", "second");
    });
    after(async () => cp?.stop());

    const saConfig = (token: string, extra: Record<string, string> = {}) => ({
        masterUrl: { value: cp.server },
        caCert: { value: cp.ca.certPem },
        token: { value: token, secret: true },
        ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, { value: v }])),
    });

    it("create, no-op preview, cosmetic update, credential rotation, identifier replacement, refresh of a revoked token, destroy", async () => {
        const t = await createTestStack({ programDir: SA_EXAMPLE, config: saConfig(first.token) });
        const printed: string[] = [];
        const collect = (s: string) => printed.push(s);
        try {
            // create: the connection test ran with the connector's token.
            const up = await t.up({ onOutput: collect });
            assert.equal(up.outputs.identifier.value, "Prod_cluster");
            assert.equal(up.outputs.ref.value, "account.Prod_cluster");
            assert.equal(up.outputs.serverVersion.value, "v1.35.4");
            assert.equal(up.outputs.connectionTestStatus.value, "SUCCESS");
            assert.equal(up.outputs.kubeconfig.secret, true);
            const created = up.outputs.connectionTest.value;

            // The kubeconfig output authenticates as the connector.
            const kc = JSON.parse(up.outputs.kubeconfig.value);
            assert.equal(kc.users[0].user.token, first.token);
            assert.equal(kc.clusters[0].cluster.server, cp.server);
            assert.equal(
                Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64").toString(),
                cp.ca.certPem,
            );
            // Built in the program from the credential: state holds no second copy of it.
            assert.equal(
                dynamicResource(await t.exportState()).outputs.kubeconfig,
                undefined,
                "no kubeconfig in state",
            );

            // no-op preview: nothing changes.
            const noop = await t.preview({ onOutput: collect });
            assert.deepEqual(noop.changeSummary, { same: 2 });

            // cosmetic update: no new connection test.
            await t.stack.setConfig("description", { value: "the production cluster" });
            const cosmeticPreview = await t.preview({ onOutput: collect });
            assert.deepEqual(cosmeticPreview.changeSummary, { same: 1, update: 1 });
            const cosmetic = await t.up({ onOutput: collect });
            assert.equal(
                cosmetic.outputs.connectionTest.value.testedAt,
                created.testedAt,
                "a description change does not re-test",
            );

            // credential rotation: the test runs again with the new token.
            await t.stack.setConfig("token", { value: second.token, secret: true });
            const rotated = await t.up({ onOutput: collect });
            assert.equal(rotated.summary.resourceChanges?.update, 1);
            assert.notEqual(rotated.outputs.connectionTest.value.testedAt, created.testedAt);
            assert.equal(JSON.parse(rotated.outputs.kubeconfig.value).users[0].user.token, second.token);

            // identifier change: a new connector replaces the old one.
            await t.stack.setConfig("identifier", { value: "prod_cluster_v2" });
            const replacePreview = await t.preview({ onOutput: collect });
            assert.equal(replacePreview.changeSummary.replace, 1);
            const replaced = await t.up({ onOutput: collect });
            assert.equal(replaced.summary.resourceChanges?.replace, 1);
            assert.equal(replaced.outputs.ref.value, "account.prod_cluster_v2");

            // refresh after the token is revoked (its Secret deleted): recorded as a FAILURE, not an error.
            await admin.core.deleteNamespacedSecret({ namespace: "ci", name: "second-token" });
            let refreshedTest: any;
            for (let i = 0; i < 50; i++) {
                await t.refresh({ onOutput: collect });
                refreshedTest = dynamicResource(await t.exportState()).outputs.connectionTest;
                if (refreshedTest.status === "FAILURE") break;
                await new Promise((r) => setTimeout(r, 200)); // the authenticator's cache may answer for a moment
            }
            assert.equal(refreshedTest.status, "FAILURE");
            assert.equal(refreshedTest.error.code, "UNAUTHORIZED");
            assert.match(refreshedTest.error.message, /401 Unauthorized/);

            // Secrets: never in the state export, nor in anything preview, up or refresh printed.
            const state = await t.exportState();
            assertNoSecret(state, [first.token, second.token], "pulumi stack export");
            assertNoSecret(printed.join(""), [first.token, second.token], "preview/up/refresh output");
            assert.match(printed.join(""), /\[secret\]/);

            // The serialized provider is small and holds no absolute path of this machine.
            const provider: string = dynamicResource(state).outputs.__provider;
            assert.ok(provider.length < 1024, `__provider is ${provider.length} bytes`);
            assert.doesNotMatch(provider, /\/(work|root|home|tmp|Users)\//);
            assert.match(provider, /require\("pulumi-kubernetes-connector\/provider"\)/);

            const destroyed = await t.destroy({ onOutput: collect });
            assert.equal(destroyed.summary.resourceChanges?.delete, 2);
        } finally {
            await t.dispose();
        }
    });

    it("no diff after moving the project to another directory", async () => {
        const t = await createTestStack({ programDir: SA_EXAMPLE, config: saConfig(first.token) });
        const moved = fs.mkdtempSync(path.join(repoRoot(), "examples", ".moved-"));
        try {
            await t.up();
            for (const f of fs.readdirSync(SA_EXAMPLE)) fs.copyFileSync(path.join(SA_EXAMPLE, f), path.join(moved, f));
            const elsewhere = await t.selectIn(moved);
            const preview = await elsewhere.preview();
            assert.deepEqual(preview.changeSummary, { same: 2 });
            await elsewhere.destroy();
        } finally {
            fs.rmSync(moved, { recursive: true, force: true });
            await t.dispose();
        }
    });

    it("a failed connection test fails `pulumi up` and records nothing", async () => {
        const noRights = await createServiceAccountWithToken(admin, "ci", "nobody");
        const t = await createTestStack({ programDir: SA_EXAMPLE, config: saConfig(noRights.token) });
        try {
            let message = "";
            await assert.rejects(t.up(), (e: Error) => {
                message = e.message;
                return true;
            });
            assert.match(message, /FORBIDDEN_DEFAULT_NAMESPACE/);
            assert.match(message, /skipDefaultNamespaceValidation/);
            assertNoSecret(message, [noRights.token], "the error");
            assert.equal(dynamicResource(await t.exportState()), undefined, "no connector in state");

            // With the check skipped, the same identity is accepted.
            await t.stack.setConfig("skipDefaultNamespaceValidation", { value: "true" });
            const up = await t.up();
            assert.equal(up.outputs.connectionTestStatus.value, "SKIPPED");
            await t.destroy();
        } finally {
            await t.dispose();
        }
    });

    it("bad inputs are refused at preview, naming the property, before any request to the cluster", async () => {
        let connections = 0;
        const counter = net
            .createServer((s) => {
                connections++;
                s.destroy();
            })
            .listen(0, "127.0.0.1");
        await new Promise((r) => counter.once("listening", r));
        const masterUrl = `https://127.0.0.1:${(counter.address() as net.AddressInfo).port}`;
        const cases: [Record<string, string>, RegExp][] = [
            [{ identifier: "1st_cluster" }, /identifier: must start with a letter or "_", not a digit/],
            [{ identifier: "prod-cluster" }, /identifier: may hold only letters, digits, "_" and "\$" \(found "-"/],
            [{ projectIdentifier: "apps" }, /orgIdentifier: is required when projectIdentifier is set/],
            [{ masterUrl: "http://127.0.0.1:6443" }, /credential\.masterUrl: must use https:\/\//],
            [{ caCert: "not a certificate" }, /credential\.caCert: is not a PEM certificate/],
            [
                { requiredPermissions: "everything" },
                /connectionTest\.requiredPermissions: must be "none", "deployments", "builds" or a list of PolicyRules/,
            ],
        ];
        try {
            for (const [extra, expected] of cases) {
                const t = await createTestStack({
                    programDir: SA_EXAMPLE,
                    config: {
                        ...saConfig(first.token, extra),
                        ...(extra.masterUrl ? {} : { masterUrl: { value: masterUrl } }),
                    },
                });
                try {
                    await assert.rejects(t.preview(), (e: Error) => {
                        assert.match(e.message, expected);
                        assert.match(e.message, /INVALID_INPUT/);
                        assertNoSecret(e.message, [first.token], "the error");
                        return true;
                    });
                } finally {
                    await t.dispose();
                }
            }
            assert.equal(connections, 0, "no request reached a cluster");
        } finally {
            counter.close();
        }
    });

    it("inputs known only at deploy time are refused by check at preview, with the same [INVALID_INPUT] code, the document never echoed", async () => {
        // A master URL with a query string, inside a credential given as one Output.
        const fromOutput = await createTestStack({
            programDir: CREDENTIAL_OUTPUT_FIXTURE,
            config: {
                masterUrl: { value: `${cp.server}?timeout=5s` },
                caCert: { value: cp.ca.certPem },
                token: { value: first.token },
            },
        });
        try {
            await assert.rejects(fromOutput.preview(), (e: Error) => {
                assert.match(
                    e.message,
                    /property credential\.masterUrl value \{<nil>\} has a problem: \[INVALID_INPUT\] must not have a query string or fragment/,
                );
                assertNoSecret(e.message, [first.token], "the error");
                return true;
            });
        } finally {
            await fromOutput.dispose();
        }
        // A kubeconfig (secret config, so an Output) whose current-context it does not hold.
        const doc = kubeconfigFor(cp.server, cp.ca.certPem, { name: "lister", token: first.token }).replace(
            /"current-context":"[^"]*"/,
            '"current-context":"gone"',
        );
        const badContext = await createTestStack({
            programDir: DELEGATE_FIXTURE,
            config: {
                spec: { value: JSON.stringify({ name: "bad context" }) },
                kubeconfig: { value: doc, secret: true },
            },
        });
        try {
            await assert.rejects(badContext.preview(), (e: Error) => {
                assert.match(
                    e.message,
                    /property credential\.kubeconfig value \{<nil>\} has a problem: \[INVALID_INPUT\] names current-context "gone", which it does not hold \(it has: lister@local\): set credential\.context/,
                );
                assertNoSecret(e.message, [first.token], "the error");
                return true;
            });
        } finally {
            await badContext.dispose();
        }
    });

    it("a whole credential given as one Output, its token plain in config: the token is still secret in state and output; the CA stays readable", async () => {
        const t = await createTestStack({
            programDir: CREDENTIAL_OUTPUT_FIXTURE,
            config: {
                masterUrl: { value: cp.server },
                caCert: { value: cp.ca.certPem },
                token: { value: first.token },
            },
        });
        try {
            const printed: string[] = [];
            const up = await t.up({ onOutput: (s) => printed.push(s) });
            assert.equal(up.outputs.status.value, "SUCCESS");
            const state = await t.exportState();
            // The stack's own config holds the token in plain text (the program set it so): look at the connector.
            const connector = dynamicResource(state);
            assertNoSecret(
                printed.join("") + JSON.stringify(connector),
                [first.token],
                "up output and the connector's state",
            );
            const credential = connector.outputs.credential;
            assert.equal(credential.caCert, cp.ca.certPem, "the CA is not a secret");
            assert.equal(credential.auth[SECRET_SIG], undefined, "auth as a whole is not ciphertext");
            assert.ok(credential.auth.token[SECRET_SIG], "the token is ciphertext");
            await t.destroy();
        } finally {
            await t.dispose();
        }
    });

    it("examples/kubeconfig: a kubeconfig credential with the deployments profile in a namespace", async () => {
        const deployer = await createServiceAccountWithToken(admin, "ci", "deployer");
        await grantInNamespace(admin, deployer, "apps", [...DEPLOYMENTS_RULES, ...LIST_CONTROLLERS], "deployer");
        await grantInNamespace(admin, deployer, "default", LIST_CONTROLLERS, "deployer-default");
        const doc = kubeconfigFor(cp.server, cp.ca.certPem, { name: "deployer", token: deployer.token });
        const t = await createTestStack({
            programDir: KUBECONFIG_EXAMPLE,
            config: { kubeconfig: { value: doc, secret: true }, namespace: { value: "apps" } },
        });
        try {
            const printed: string[] = [];
            const up = await t.up({ onOutput: (s) => printed.push(s) });
            assert.equal(up.outputs.ref.value, "org.Staging_cluster");
            assert.equal(up.outputs.masterUrl.value, cp.server);
            assert.equal(up.outputs.connectionTestStatus.value, "SUCCESS");
            assertNoSecret(printed.join("") + (await t.exportState()), [deployer.token, doc], "up output and state");
            await t.destroy();
        } finally {
            await t.dispose();
        }
    });
});
