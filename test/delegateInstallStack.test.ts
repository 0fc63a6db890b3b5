// delegate.install through the real `pulumi` engine (examples/delegate-install), a real
// kube-apiserver and the Harness stand-in, with the test-only agent playing the delegate pod (no
// kubelet runs pods here): up installs and connects the delegate before the connector and Harness's
// gated test; a no-op preview changes nothing; a token name change rotates without a disconnect;
// refresh finds drift that up repairs; a delegate that never connects fails up within waitSeconds
// with nothing left; destroy leaves nothing in either place; with the user's token Secret
// (token.existingSecret) nothing is minted or revoked, a rotation of the Secret is seen by refresh
// and rolls the pods at the next up, destroy keeps the Secret. No secret in state or output.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { promisify } from "node:util";
import * as k8s from "@kubernetes/client-node";
import type { automation } from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { harnessClientFor } from "../provider/harness/client";
import { OWNER_ANNOTATION } from "../provider/kube/refs";
import { mintDelegateToken, purgeDelegateToken, revokeDelegateToken } from "../provider/parts/install/harnessDelegates";
import { TOKEN_SECRET_VERSION_ANNOTATION } from "../provider/parts/install/plan";
import { repoRoot } from "../tools/binaries";
import type { ControlPlane } from "../tools/controlPlane";
import type { HarnessStandIn } from "../tools/harness";
import type { DelegateAgent } from "../tools/harness/delegateAgent";
import { type AdminClients, ensureNamespace } from "../tools/identities";
import { createTestStack, type TestStack } from "../tools/pulumiHarness";
import { type DelegateRig, startDelegateRig } from "./delegateRig";
import { assertNoSecret } from "./stateSecrets";
import { connectorIn } from "./yamlPrograms";

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

    let rig: DelegateRig;

    before(async () => {
        rig = await startDelegateRig({ heartbeatExpiryMs: 3000, pollMs: 250, trustStandIn: false });
        ({ cp, admin, apps, h, agent } = rig);
    });
    after(() => rig?.stop());

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
    /** A stack of a Pulumi YAML program through the provider plugin (examples/yaml-delegate-install unless `programDir`). */
    const yamlStack = (config: Record<string, string> = {}, programDir = YAML_EXAMPLE): Promise<TestStack> =>
        createTestStack({
            programDir,
            languages: ["yaml"],
            config: {
                // As YAML: Pulumi YAML reads a config value that parses as JSON as an object, not a string.
                adminKubeconfig: { value: yaml.dump(JSON.parse(cp.kubeconfig)), secret: true },
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
            assert.deepEqual(
                h.delegateGroups(),
                [],
                "Harness forgets the delegate (its group deleted once the pods are gone)",
            );
        } finally {
            await t.dispose();
        }
    });

    it("examples/yaml-delegate-install through the provider plugin: up, no-op preview, rotation, destroy; nothing left", async () => {
        const t = await yamlStack();
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
            assert.deepEqual(
                h.delegateGroups().filter((g) => g.name === "yaml-delegate"),
                [],
                "Harness forgets the delegate (YAML, through the plugin)",
            );
            const left = await apps
                .listNamespacedDeployment({ namespace: "yaml-delegate" })
                .catch(() => ({ items: [] }));
            assert.deepEqual(left.items, []);
        } finally {
            await t.dispose();
        }
    });

    /**
     * What `helm install <release> harness-delegate-ng --set delegateName=<d>` renders (chart 1.0.32,
     * as the shared delegate notes give its templates), written with Helm's labels and annotations and
     * its release record, running with a token of its own (`tokenName`); resolves once the delegate is
     * connected, to the Deployment's selector.
     */
    const installChartRelease = async (
        d: string,
        release: { name: string; namespace: string },
        tokenName: string,
    ): Promise<{ selector: Record<string, string> }> => {
        const ns = release.namespace;
        const helm = {
            labels: {
                "helm.sh/chart": "harness-delegate-ng-1.0.32",
                "app.kubernetes.io/managed-by": "Helm",
                "app.kubernetes.io/name": d,
                "app.kubernetes.io/instance": release.name,
                "harness.io/name": d,
            },
            annotations: { "meta.helm.sh/release-name": release.name, "meta.helm.sh/release-namespace": ns },
        };
        const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace: ns } : {}), ...helm });
        const rbac = admin.kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api);
        const batch = admin.kubeConfig.makeApiClient(k8s.BatchV1Api);
        await admin.core.createNamespace({ body: { metadata: { name: ns } } }).catch((e) => {
            if ((e as { code?: number }).code !== 409) throw e;
        });
        tls.setDefaultCACertificates([...tls.getCACertificates("default"), h.caCertPem]);
        const chartToken = await rig.withHarness(async (c) => (await mintDelegateToken(c, {}, tokenName)).value!);
        await admin.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: meta(d) } });
        await rbac.createClusterRoleBinding({
            body: {
                metadata: meta(`${d}-cluster-admin`, false),
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
                subjects: [{ kind: "ServiceAccount", name: d, namespace: ns }],
            },
        });
        await admin.core.createNamespacedSecret({
            namespace: ns,
            body: { metadata: meta(d), stringData: { DELEGATE_TOKEN: chartToken } },
        });
        await admin.core.createNamespacedConfigMap({
            namespace: ns,
            body: {
                metadata: meta(d),
                data: {
                    ACCOUNT_ID: h.accountId,
                    MANAGER_HOST_AND_PORT: h.managerUrl,
                    DELEGATE_NAME: d,
                    DELEGATE_TYPE: "HELM_DELEGATE",
                    DELEGATE_NAMESPACE: ns,
                    DELEGATE_TAGS: "",
                    NEXT_GEN: "true",
                },
            },
        });
        const selector = {
            "app.kubernetes.io/name": d,
            "app.kubernetes.io/instance": release.name,
            "harness.io/name": d,
        };
        await apps.createNamespacedDeployment({
            namespace: ns,
            body: {
                metadata: meta(d),
                spec: {
                    replicas: 1,
                    minReadySeconds: 120,
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels: selector },
                        spec: {
                            serviceAccountName: d,
                            containers: [
                                {
                                    name: "delegate",
                                    image: "harness/delegate:26.02.88404",
                                    envFrom: [{ configMapRef: { name: d } }, { secretRef: { name: d } }],
                                },
                            ],
                        },
                    },
                },
            },
        });
        await admin.core.createNamespacedServiceAccount({
            namespace: ns,
            body: { metadata: meta(`${d}-upgrader-cronjob-sa`) },
        });
        await rbac.createNamespacedRole({
            namespace: ns,
            body: {
                metadata: meta(`${d}-upgrader`),
                rules: [
                    {
                        apiGroups: ["batch", "apps", "extensions"],
                        resources: ["cronjobs"],
                        verbs: ["get", "list", "watch", "update", "patch"],
                    },
                ],
            },
        });
        await rbac.createNamespacedRoleBinding({
            namespace: ns,
            body: {
                metadata: meta(`${d}-upgrader-cronjob`),
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `${d}-upgrader` },
                subjects: [{ kind: "ServiceAccount", name: `${d}-upgrader-cronjob-sa`, namespace: ns }],
            },
        });
        await admin.core.createNamespacedConfigMap({
            namespace: ns,
            body: { metadata: meta(`${d}-upgrader-config`), data: { "config.yaml": "mode: Delegate\n" } },
        });
        await batch.createNamespacedCronJob({
            namespace: ns,
            body: {
                metadata: meta(`${d}-upgrader-job`),
                spec: {
                    schedule: "0 */1 * * *",
                    jobTemplate: {
                        spec: {
                            template: {
                                spec: {
                                    serviceAccountName: `${d}-upgrader-cronjob-sa`,
                                    restartPolicy: "Never",
                                    containers: [{ name: "upgrader", image: "harness/upgrader:latest" }],
                                },
                            },
                        },
                    },
                },
            },
        });
        // hpa.yaml (autoscaling.enabled): it scales the Deployment by name, so it must not outlive the move.
        await admin.kubeConfig.makeApiClient(k8s.AutoscalingV2Api).createNamespacedHorizontalPodAutoscaler({
            namespace: ns,
            body: {
                metadata: meta(d),
                spec: {
                    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: d },
                    minReplicas: 1,
                    maxReplicas: 3,
                    metrics: [
                        {
                            type: "Resource",
                            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 99 } },
                        },
                    ],
                },
            },
        });
        // Helm's release record (pkg/storage/driver/secrets.go): what `helm list` reads.
        await admin.core.createNamespacedSecret({
            namespace: ns,
            body: {
                metadata: {
                    name: `sh.helm.release.v1.${release.name}.v1`,
                    labels: { owner: "helm", name: release.name, status: "deployed", version: "1" },
                },
                type: "helm.sh/release.v1",
                stringData: { release: "H4sIAAAAAAAA" },
            },
        });
        const connectedNow = () => agent.agents().some((a) => a.deployment === d && a.connected);
        for (const until = Date.now() + 20_000; !connectedNow() && Date.now() < until; )
            await new Promise((r) => setTimeout(r, 200));
        assert.ok(connectedNow(), "the chart's delegate is connected before the move");
        return { selector };
    };

    it("takes over a delegate the Helm chart installed: the chart's objects replaced in place or removed, its release records gone, Harness's connection kept through the move", async () => {
        const d = "chart-delegate";
        const release = { name: "my-release", namespace: "chart-ns" };
        const ns = release.namespace;
        const { selector } = await installChartRelease(d, release, "chart-token");
        const rbac = admin.kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api);
        const group = () => h.delegateGroups().find((g) => g.name === d);

        // Polled through the move: Harness must show the group connected at every look.
        const gaps: string[] = [];
        let polling = true;
        const poll = (async () => {
            while (polling) {
                const g = group();
                const fresh = g?.instances.some((i) => Date.now() - i.lastHeartBeat < 3000);
                if (!fresh) gaps.push(new Date().toISOString());
                await new Promise((r) => setTimeout(r, 200));
            }
        })();
        const t = await stack(
            { delegateName: d, delegateNamespace: ns, delegateServiceAccount: d, delegateAdopt: "true" },
            "takeover",
        );
        const printed: string[] = [];
        const onOutput = (s: string) => printed.push(s);
        try {
            const up = outputs(await t.up({ onOutput }));
            polling = false;
            await poll;
            assert.equal(up.delegateName, d);
            assert.equal(up.delegateConnected, true);
            assert.equal(up.harnessTestStatus, "SUCCESS", "Harness's test ran on the delegate after the move");
            assert.deepEqual(gaps, [], "Harness showed the delegate connected through the whole move");
            assert.match(printed.join(""), /took over Helm release "my-release" \(namespace chart-ns\)/);
            const dep = await apps.readNamespacedDeployment({ name: d, namespace: ns });
            assert.ok(dep.metadata?.annotations?.[OWNER_ANNOTATION], "the Deployment is the connector's now");
            assert.equal(dep.metadata?.annotations?.["meta.helm.sh/release-name"], undefined, "without Helm's markers");
            assert.equal(dep.metadata?.labels?.["helm.sh/chart"], undefined);
            assert.deepEqual(
                dep.spec?.selector?.matchLabels,
                selector,
                "the chart's selector, which cannot change, is kept",
            );
            const gone = async (read: () => Promise<unknown>) =>
                read().then(
                    () => false,
                    (e) => (e as { code?: number }).code === 404,
                );
            assert.ok(
                await gone(() => rbac.readClusterRoleBinding({ name: `${d}-cluster-admin` })),
                "the chart's cluster-admin binding is gone",
            );
            assert.ok(
                await gone(() => rbac.readNamespacedRoleBinding({ name: `${d}-upgrader-cronjob`, namespace: ns })),
            );
            assert.ok(
                await gone(() =>
                    admin.core.readNamespacedSecret({ name: `sh.helm.release.v1.${release.name}.v1`, namespace: ns }),
                ),
                "the release's record is gone: helm list no longer shows it",
            );
            assert.ok(
                await gone(() =>
                    admin.kubeConfig
                        .makeApiClient(k8s.AutoscalingV2Api)
                        .readNamespacedHorizontalPodAutoscaler({ name: d, namespace: ns }),
                ),
                "the chart's HPA, which would go on scaling the connector's Deployment, is gone",
            );
            const helmLeft = (
                await admin.core.listNamespacedConfigMap({
                    namespace: ns,
                    labelSelector: "app.kubernetes.io/managed-by=Helm",
                })
            ).items;
            assert.deepEqual(
                helmLeft.map((o) => o.metadata?.name),
                [],
                "nothing of the release is left",
            );
            assert.equal(
                group()?.instances.some((i) => i.tokenName !== "chart-token" && Date.now() - i.lastHeartBeat < 3000),
                true,
                "the delegate runs with the connector's token",
            );

            await t.destroy({ onOutput });
            assert.equal(group(), undefined, "Harness forgets the delegate");
            assert.ok(await gone(() => apps.readNamespacedDeployment({ name: d, namespace: ns })));
            assert.deepEqual(tokens(), ["chart-token:ACTIVE"], "the chart's token is the user's: not revoked");
            // The user's own clean-up of their token, so the next tests start from an empty Harness.
            await rig.withHarness(async (c) => {
                await revokeDelegateToken(c, {}, "chart-token");
                await purgeDelegateToken(c, {}, "chart-token");
            });
        } finally {
            polling = false;
            await t.dispose();
        }
    });

    it("takes over a delegate the Helm chart installed through the provider plugin (Pulumi YAML): the release's records and the chart-only objects gone, the delegate connected", async () => {
        const release = { name: "yaml-release", namespace: "yaml-delegate" };
        await installChartRelease("yaml-delegate", release, "yaml-chart-token");
        const t = await yamlStack({ delegateAdopt: "true" });
        const printed: string[] = [];
        const onOutput = (s: string) => printed.push(s);
        try {
            const up = outputs(await t.up({ onOutput }));
            assert.equal(up.delegateConnected, true);
            assert.equal(up.harnessTestStatus, "SUCCESS");
            // The plugin's warnings reach the user through the engine's log, as the dynamic resource's do.
            assert.match(printed.join(""), /took over Helm release "yaml-release" \(namespace yaml-delegate\)/);
            const rbac = admin.kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api);
            const bindings = (await rbac.listClusterRoleBinding()).items.map((b) => b.metadata?.name);
            assert.ok(!bindings.includes("yaml-delegate-cluster-admin"), "the chart's cluster-admin binding is gone");
            const records = await admin.core.listNamespacedSecret({
                namespace: release.namespace,
                labelSelector: "owner=helm",
            });
            assert.deepEqual(records.items, [], "helm list no longer shows the release");
            await t.destroy({ onOutput });
            assert.deepEqual(
                h.delegateGroups().filter((g) => g.name === "yaml-delegate"),
                [],
            );
        } finally {
            await t.dispose();
            await rig.withHarness(async (c) => {
                await revokeDelegateToken(c, {}, "yaml-chart-token").catch(() => undefined);
                await purgeDelegateToken(c, {}, "yaml-chart-token").catch(() => undefined);
            });
        }
    });

    it("pulumi import of a connector whose delegate runs (YAML, through the plugin): the next up keeps the running delegate and its token; nothing replaced or minted", async () => {
        const t = await yamlStack();
        // Not execFileSync: the Harness stand-in answers from this process, whose event loop must keep running.
        const pulumiCli = async (...args: string[]) => {
            try {
                const { stdout } = await promisify(execFile)("pulumi", [...args, "--stack", t.stack.name], {
                    cwd: YAML_EXAMPLE,
                    env: { ...process.env, ...t.env },
                    encoding: "utf8",
                });
                return stdout;
            } catch (e) {
                const failed = e as { stdout?: string; stderr?: string };
                throw new Error(`pulumi ${args[0]} failed: ${failed.stdout ?? ""}${failed.stderr ?? ""}`);
            }
        };
        try {
            const up = outputs(await t.up());
            assert.equal(up.delegateConnected, true);
            const before = tokens();
            const template = async () =>
                (await apps.readNamespacedDeployment({ name: "yaml-delegate", namespace: "yaml-delegate" })).spec
                    ?.template;
            const running = await template();
            // The record is lost; the delegate keeps running in the cluster.
            await pulumiCli("state", "delete", connectorIn(await t.exportState()).urn, "--yes");
            const imported = await pulumiCli(
                "import",
                "kubernetes-connector:index:KubernetesClusterConnector",
                "prod",
                "YAML_cluster",
                "--yes",
                "--protect=false",
                "--generate-code=false",
            );
            assert.match(imported, /1 imported/);
            // The program supplies the inputs: one update (no replacement, nothing created), which keeps the delegate.
            const upAgain = await t.up();
            assert.equal(upAgain.summary.resourceChanges?.update, 1, JSON.stringify(upAgain.summary.resourceChanges));
            assert.equal(upAgain.summary.resourceChanges?.replace ?? 0, 0, "no replacement");
            assert.equal(upAgain.summary.resourceChanges?.create ?? 0, 0);
            const again = outputs(upAgain);
            assert.equal(again.delegateConnected, true);
            assert.equal(again.delegateTokenName, up.delegateTokenName, "the running install's token, found by name");
            assert.deepEqual(tokens(), before, "nothing minted");
            assert.deepEqual(await template(), running, "the delegate's pods are not rolled");
            const noop = await t.preview();
            assert.equal(noop.changeSummary.update ?? 0, 0, JSON.stringify(noop.changeSummary));
            await t.destroy();
            assert.deepEqual(
                h.delegateGroups().filter((g) => g.name === "yaml-delegate"),
                [],
            );
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
        const t = await yamlStack({}, dir);
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
