// delegate.install through the real `pulumi` engine (examples/delegate-install), a real
// kube-apiserver and the Harness stand-in, with the test-only agent playing the delegate pod (no
// kubelet runs pods here): up installs and connects the delegate before the connector and Harness's
// gated test; a no-op preview changes nothing; a token name change rotates without a disconnect;
// refresh finds drift that up repairs; a delegate that never connects fails up within waitSeconds
// with nothing left; destroy leaves nothing in either place; with the user's token Secret
// (token.existingSecret) nothing is minted or revoked, a rotation of the Secret is seen by refresh
// and rolls the pods at the next up, destroy keeps the Secret. No secret in state or output.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import * as k8s from "@kubernetes/client-node";
import type { automation } from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { harnessClientFor } from "../provider/harness/client";
import { OWNER_ANNOTATION } from "../provider/kube/refs";
import { mintDelegateToken, purgeDelegateToken, revokeDelegateToken } from "../provider/parts/install/harnessDelegates";
import { TOKEN_SECRET_VERSION_ANNOTATION } from "../provider/parts/install/plan";
import { repoRoot } from "../tools/binaries";
import { type ControlPlane, startControlPlane } from "../tools/controlPlane";
import { type HarnessStandIn, startHarnessStandIn } from "../tools/harness";
import { type DelegateAgent, startDelegateAgent } from "../tools/harness/delegateAgent";
import { type AdminClients, adminClients, ensureNamespace } from "../tools/identities";
import { createTestStack, type TestStack } from "../tools/pulumiHarness";
import { assertNoSecret } from "./stateSecrets";

const EXAMPLE = path.join(repoRoot(), "examples", "delegate-install");
const YAML_EXAMPLE = path.join(repoRoot(), "examples", "yaml-delegate-install");
const NS = "harness-delegate-ng";
const outputs = (r: automation.UpResult) => Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, v.value]));

describe("delegate.install through pulumi (real engine, real cluster, Harness stand-in, test agent)", () => {
    let cp: ControlPlane;
    let admin: AdminClients;
    let apps: k8s.AppsV1Api;
    let h: HarnessStandIn;
    let agent: DelegateAgent;

    before(async () => {
        cp = await startControlPlane();
        admin = adminClients(cp);
        apps = admin.kubeConfig.makeApiClient(k8s.AppsV1Api);
        h = await startHarnessStandIn({ delegates: [], heartbeatExpiryMs: 3000 });
        agent = startDelegateAgent({
            kubeClient: admin.kubeConfig,
            harnessUrl: h.managerUrl,
            trustedCaPems: [h.caCertPem],
            pollMs: 250,
        });
    });
    after(async () => {
        await agent?.stop();
        assert.deepEqual(h?.contractViolations ?? [], [], "every answer of the stand-in kept Harness's contract");
        await h?.stop();
        await cp?.stop();
    });

    const stack = (config: Record<string, string> = {}, stackName?: string): Promise<TestStack> =>
        createTestStack({
            programDir: EXAMPLE,
            stackName,
            config: {
                adminKubeconfig: { value: cp.kubeconfig, secret: true },
                delegateWaitSeconds: { value: "60" },
                ...Object.fromEntries(Object.entries(config).map(([k, v]) => [k, { value: v }])),
            },
            env: h.env,
        });

    const tokens = () =>
        h
            .delegateTokens()
            .map((t) => `${t.name}:${t.status}`)
            .sort();
    const owned = async (namespace = NS) => {
        const [cms, secrets, deps, sas] = await Promise.all([
            admin.core.listNamespacedConfigMap({ namespace }).catch(() => ({ items: [] })),
            admin.core.listNamespacedSecret({ namespace }).catch(() => ({ items: [] })),
            apps.listNamespacedDeployment({ namespace }).catch(() => ({ items: [] })),
            admin.core.listNamespacedServiceAccount({ namespace }).catch(() => ({ items: [] })),
        ]);
        return [...cms.items, ...secrets.items, ...deps.items, ...sas.items]
            .filter((o) => o.metadata?.annotations?.[OWNER_ANNOTATION])
            .map((o) => `${o.kind ?? ""}${o.metadata?.name}`);
    };

    it("up installs and connects the delegate, then registers the connector gated on Harness's test; no-op preview; rotation; drift; destroy leaves nothing", async () => {
        const t = await stack();
        const printed: string[] = [];
        const onOutput = (s: string) => printed.push(s);
        try {
            const up = outputs(await t.up({ onOutput }));
            assert.equal(up.delegateName, "prod-cluster");
            assert.deepEqual(up.delegateTags, ["prod-cluster"]);
            assert.deepEqual(up.delegateSelectors, ["prod-cluster"], "the output says the selectors in effect");
            assert.equal(up.delegateImage, "harness/delegate:26.02.88404", "Harness's latest supported image");
            assert.equal(up.delegateConnected, true);
            assert.equal(up.harnessTestStatus, "SUCCESS", "Harness's gated test ran on the installed delegate");
            assert.match(up.delegateTokenName, /^prod-cluster-\d{14}$/);
            assert.ok(Date.parse(up.delegateTokenExpiresAt) > Date.now() + 89 * 86_400_000, "ttlDays 90");
            const connector = h.connectors()[0].connector as any;
            assert.deepEqual(
                connector.spec.delegateSelectors,
                ["prod-cluster"],
                "selectors default to the delegate's tags",
            );
            const test = h.requests.find((r) => r.path.includes("testConnection"));
            assert.ok(test, "Harness's test ran");
            const view = agent.agents().find((a) => a.deployment === "prod-cluster");
            assert.equal(view?.serviceAccount, "prod-delegate", "the delegate runs as the provisioned ServiceAccount");
            assert.deepEqual(tokens(), [`${up.delegateTokenName}:ACTIVE`]);
            const tokenValue = h.delegateTokens()[0].value;

            const preview = await t.preview({ onOutput });
            assert.equal(preview.changeSummary.update ?? 0, 0, "no-op preview");
            assert.equal(preview.changeSummary.replace ?? 0, 0);

            // Rotation: a new token name → new token, pods rolled, delegate moved, old token retired after.
            await t.stack.setConfig("delegateTokenName", { value: "prod-cluster-second" });
            const rotated = outputs(await t.up({ onOutput }));
            assert.equal(rotated.delegateTokenName, "prod-cluster-second");
            assert.equal(rotated.delegateConnected, true);
            assert.deepEqual(
                tokens(),
                ["prod-cluster-second:ACTIVE"],
                "the old token is revoked and purged after the move",
            );
            const dep = await apps.readNamespacedDeployment({ name: "prod-cluster", namespace: NS });
            assert.equal(dep.spec?.template.metadata?.annotations?.["checksum/delegate-token"], "prod-cluster-second");

            // Drift: the Deployment deleted out of band → refresh records it, up repairs it.
            await apps.deleteNamespacedDeployment({ name: "prod-cluster", namespace: NS });
            await t.refresh({ onOutput });
            const recorded = JSON.parse(await t.exportState()).deployment.resources.find(
                (r: any) => r.type === "pulumi-nodejs:dynamic:Resource",
            );
            assert.ok(
                recorded.outputs.delegate.install.drift.some((d: string) =>
                    /Deployment .*prod-cluster is missing/.test(d),
                ),
                JSON.stringify(recorded.outputs.delegate.install.drift),
            );
            const repaired = outputs(await t.up({ onOutput }));
            assert.deepEqual(repaired.delegateDrift, []);
            await apps.readNamespacedDeployment({ name: "prod-cluster", namespace: NS });

            const state = await t.exportState();
            const secrets = [tokenValue, ...h.delegateTokens().map((x) => x.value), h.apiKey];
            assertNoSecret(state, secrets, "pulumi stack export");
            assertNoSecret(printed.join(""), secrets, "pulumi's output");

            await t.destroy({ onOutput });
            assert.deepEqual(await owned(), [], "no object of the install or the identity is left");
            assert.deepEqual(tokens(), [], "the token is revoked and purged");
            assert.deepEqual(h.connectors(), []);
        } finally {
            await t.dispose();
        }
    });

    it("examples/yaml-delegate-install through the provider plugin: up, no-op preview, rotation, destroy; nothing left", async () => {
        const t = await createTestStack({
            programDir: YAML_EXAMPLE,
            languages: ["yaml"],
            config: {
                // As YAML: Pulumi YAML reads a config value that parses as JSON as an object, not a string.
                adminKubeconfig: { value: yaml.dump(JSON.parse(cp.kubeconfig)), secret: true },
                delegateWaitSeconds: { value: "60" },
            },
            env: h.env,
        });
        const printed: string[] = [];
        const onOutput = (s: string) => printed.push(s);
        try {
            const up = outputs(await t.up({ onOutput }));
            assert.equal(up.delegateName, "yaml-delegate");
            assert.equal(up.delegateConnected, true);
            assert.equal(up.delegateTokenName, "yaml-delegate-1");
            assert.deepEqual(up.delegateSelectors, ["yaml-delegate"], "the plugin answers the selectors in effect");
            assert.equal(up.harnessTestStatus, "SUCCESS");
            const preview = await t.preview({ onOutput });
            assert.equal(preview.changeSummary.update ?? 0, 0, "no-op preview through the plugin");
            await t.stack.setConfig("delegateTokenName", { value: "yaml-delegate-2" });
            const rotated = outputs(await t.up({ onOutput }));
            assert.equal(rotated.delegateTokenName, "yaml-delegate-2");
            assert.equal(rotated.delegateConnected, true);
            assert.deepEqual(tokens(), ["yaml-delegate-2:ACTIVE"]);
            const secrets = h.delegateTokens().map((x) => x.value);
            assertNoSecret(await t.exportState(), secrets, "pulumi stack export");
            assertNoSecret(printed.join(""), secrets, "pulumi's output");
            await t.destroy({ onOutput });
            assert.deepEqual(tokens(), []);
            assert.deepEqual(h.connectors(), []);
            const left = await apps
                .listNamespacedDeployment({ namespace: "yaml-delegate" })
                .catch(() => ({ items: [] }));
            assert.deepEqual(left.items, []);
        } finally {
            await t.dispose();
        }
    });

    it("a delegate that never connects fails up within waitSeconds with DELEGATE_NOT_CONNECTED, and nothing is left in either place", async () => {
        const t = await stack(
            { delegateWaitSeconds: "5", delegateName: "never-connects", connectorName: "Never" },
            "never",
        );
        try {
            // The agent plays only pods whose manager URL is the stand-in: this one never connects.
            await t.stack.setConfig("delegateManagerUrl", { value: "https://manager.invalid" });
            const started = Date.now();
            await assert.rejects(t.up(), (e: Error) => {
                assert.match(e.message, /DELEGATE_NOT_CONNECTED/);
                assert.match(e.message, /did not connect to Harness within 5 s/);
                return true;
            });
            assert.ok(Date.now() - started < 60_000, "bounded by waitSeconds");
            assert.deepEqual(await owned(), []);
            assert.deepEqual(tokens(), []);
            assert.deepEqual(h.connectors(), []);
        } finally {
            await t.destroy().catch(() => undefined);
            await t.dispose();
        }
    });

    it("token.existingSecret: up connects with the user's Secret (nothing minted); the Secret rotated → refresh says so → up rolls the pods onto the new token; destroy keeps the Secret and revokes nothing", async () => {
        // The test mints the user's tokens itself (as their pipeline would): it trusts the stand-in's CA.
        tls.setDefaultCACertificates([...tls.getCACertificates("default"), h.caCertPem]);
        const hc = harnessClientFor({ endpoint: h.url, accountId: h.accountId, apiKey: h.apiKey, timeoutMs: 10_000 });
        const secretName = "vault-delegate-token";
        // A namespace of its own: the user's Secret is made before the stack, and stays after it.
        const VNS = "vault-delegate";
        const writeToken = async (value: string, create = false) => {
            const body = { metadata: { name: secretName }, stringData: { DELEGATE_TOKEN: value } };
            if (create) await admin.core.createNamespacedSecret({ namespace: VNS, body });
            else await admin.core.replaceNamespacedSecret({ name: secretName, namespace: VNS, body });
        };
        const first = (await mintDelegateToken(hc, {}, "vault-first")).value!;
        await ensureNamespace(admin, VNS);
        await writeToken(first, true);
        const t = await stack(
            { delegateTokenSecret: secretName, delegateName: "vault-cluster", delegateNamespace: VNS },
            "existing",
        );
        const printed: string[] = [];
        const onOutput = (s: string) => printed.push(s);
        const annotation = async () =>
            (await apps.readNamespacedDeployment({ name: "vault-cluster", namespace: VNS })).spec?.template.metadata
                ?.annotations?.[TOKEN_SECRET_VERSION_ANNOTATION];
        try {
            const up = outputs(await t.up({ onOutput }));
            assert.equal(up.delegateConnected, true);
            assert.equal(up.harnessTestStatus, "SUCCESS", "Harness's gated test ran on the delegate");
            assert.equal(up.delegateTokenName, "not minted yet", "no token of ours");
            const secret = await admin.core.readNamespacedSecret({ name: secretName, namespace: VNS });
            assert.deepEqual(up.delegateTokenSecret, {
                name: secretName,
                uid: secret.metadata!.uid,
                resourceVersion: secret.metadata!.resourceVersion,
            });
            assert.deepEqual(tokens(), ["vault-first:ACTIVE"], "nothing minted");
            const rolledFrom = await annotation();
            const firstHash = agent.agents().find((a) => a.deployment === "vault-cluster")?.tokenHash;
            assert.ok(firstHash, "the agent connected with the Secret's token");

            const preview = await t.preview({ onOutput });
            assert.equal(preview.changeSummary.update ?? 0, 0, "no-op preview");

            // The operator rotates the Secret's value.
            const second = (await mintDelegateToken(hc, {}, "vault-second")).value!;
            await writeToken(second);
            await t.refresh({ onOutput });
            const recorded = JSON.parse(await t.exportState()).deployment.resources.find(
                (r: any) => r.type === "pulumi-nodejs:dynamic:Resource",
            );
            assert.deepEqual(recorded.outputs.delegate.install.drift, [
                `the token Secret "${secretName}" changed since the last up: the next up rolls the pods`,
            ]);
            const rolled = outputs(await t.up({ onOutput }));
            assert.deepEqual(rolled.delegateDrift, []);
            assert.equal(rolled.delegateConnected, true);
            assert.notEqual(await annotation(), rolledFrom, "the pod template's annotation moved: the pods rolled");
            const deadline = Date.now() + 20_000;
            while (agent.agents().find((a) => a.deployment === "vault-cluster")?.tokenHash === firstHash) {
                assert.ok(Date.now() < deadline, "the agent reconnects with the new token");
                await new Promise((r) => setTimeout(r, 250));
            }
            assert.equal(agent.agents().find((a) => a.deployment === "vault-cluster")?.connected, true);

            const values = [first, second];
            const secrets = [...values, ...values.map((v) => Buffer.from(v).toString("base64")), h.apiKey];
            assertNoSecret(await t.exportState(), secrets, "pulumi stack export");
            assertNoSecret(printed.join(""), secrets, "pulumi's output");

            await t.destroy({ onOutput });
            assert.deepEqual(await owned(VNS), [], "no object of ours is left");
            await admin.core.readNamespacedSecret({ name: secretName, namespace: VNS });
            assert.deepEqual(tokens(), ["vault-first:ACTIVE", "vault-second:ACTIVE"], "nothing revoked");
            assert.deepEqual(h.connectors(), []);
        } finally {
            await t.destroy().catch(() => undefined);
            await t.dispose();
            await admin.core.deleteNamespacedSecret({ name: secretName, namespace: VNS }).catch(() => undefined);
            for (const name of ["vault-first", "vault-second"]) {
                await revokeDelegateToken(hc, {}, name).catch(() => undefined);
                await purgeDelegateToken(hc, {}, name).catch(() => undefined);
            }
            await hc.close();
        }
    });

    it("token.existingSecret through the provider plugin (Pulumi YAML): up connects with the user's Secret, nothing minted; destroy keeps it and revokes nothing", async () => {
        tls.setDefaultCACertificates([...tls.getCACertificates("default"), h.caCertPem]);
        const hc = harnessClientFor({ endpoint: h.url, accountId: h.accountId, apiKey: h.apiKey, timeoutMs: 10_000 });
        const YNS = "yaml-vault";
        // examples/yaml-delegate-install with the token block given as the user's Secret.
        const example = fs.readFileSync(path.join(YAML_EXAMPLE, "Pulumi.yaml"), "utf8");
        const program = example
            .replace("path: ../../bin", `path: ${path.join(repoRoot(), "bin")}`)
            .replace("namespace: yaml-delegate", `namespace: ${YNS}`)
            .replace("name: yaml-delegate\n", "name: yaml-vault\n")
            .replace(
                / {10}token:\n {12}name: \$\{delegateTokenName\}\n {12}ttlDays: 30\n/,
                "          token:\n            existingSecret: yaml-vault-token\n",
            )
            .replace(
                "  delegateTokenName: ${prod.delegate.install.tokenName}\n",
                "  delegateTokenSecret: ${prod.delegate.install.tokenSecret.name}\n",
            );
        assert.match(program, /existingSecret: yaml-vault-token/);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-yaml-vault-"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), program);
        const value = (await mintDelegateToken(hc, {}, "yaml-vault-token")).value!;
        await ensureNamespace(admin, YNS);
        await admin.core.createNamespacedSecret({
            namespace: YNS,
            body: { metadata: { name: "yaml-vault-token" }, stringData: { DELEGATE_TOKEN: value } },
        });
        const t = await createTestStack({
            programDir: dir,
            languages: ["yaml"],
            config: {
                adminKubeconfig: { value: yaml.dump(JSON.parse(cp.kubeconfig)), secret: true },
                delegateWaitSeconds: { value: "60" },
            },
            env: h.env,
        });
        const printed: string[] = [];
        const onOutput = (s: string) => printed.push(s);
        try {
            const up = outputs(await t.up({ onOutput }));
            assert.equal(up.delegateName, "yaml-vault");
            assert.equal(up.delegateConnected, true);
            assert.equal(up.delegateTokenSecret, "yaml-vault-token");
            assert.equal(up.harnessTestStatus, "SUCCESS");
            assert.deepEqual(tokens(), ["yaml-vault-token:ACTIVE"], "nothing minted");
            const preview = await t.preview({ onOutput });
            assert.equal(preview.changeSummary.update ?? 0, 0, "no-op preview through the plugin");
            const secrets = [value, Buffer.from(value).toString("base64")];
            assertNoSecret(await t.exportState(), secrets, "pulumi stack export");
            assertNoSecret(printed.join(""), secrets, "pulumi's output");
            await t.destroy({ onOutput });
            assert.deepEqual(await owned(YNS), []);
            await admin.core.readNamespacedSecret({ name: "yaml-vault-token", namespace: YNS });
            assert.deepEqual(tokens(), ["yaml-vault-token:ACTIVE"], "nothing revoked");
        } finally {
            await t.destroy().catch(() => undefined);
            await t.dispose();
            await admin.core
                .deleteNamespacedSecret({ name: "yaml-vault-token", namespace: YNS })
                .catch(() => undefined);
            await revokeDelegateToken(hc, {}, "yaml-vault-token").catch(() => undefined);
            await purgeDelegateToken(hc, {}, "yaml-vault-token").catch(() => undefined);
            await hc.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
