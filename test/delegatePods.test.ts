// delegate.install with the delegate running as REAL pods on a real kubelet (containerd, runc, a
// CNI bridge of the project's own), through the real `pulumi` engine (examples/delegate-install)
// and the Harness stand-in. The delegate's image is the project's stand-in image (Harness's image
// cannot be pulled here): inside its container it does what the delegate process does with its
// environment (read once, at start), its CA bundle (only where the delegate's start script loads it),
// its token (heartbeats to MANAGER_HOST_AND_PORT) and its probes (/api/health on 3460).
// Each test asserts what a user relies on: the delegate is connected before Harness's gated test;
// a tag change reaches the running delegate (its pods roll) and Harness's test still finds it; a
// token rotation keeps a delegate connected throughout; a pod that cannot start fails the wait
// naming the pod's reason, with nothing left; destroy leaves no pod.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import type * as k8s from "@kubernetes/client-node";
import type { automation } from "@pulumi/pulumi";
import { repoRoot } from "../tools/binaries";
import { type ControlPlane, startControlPlane } from "../tools/controlPlane";
import { type HarnessStandIn, startHarnessStandIn } from "../tools/harness";
import { type AdminClients, adminClients } from "../tools/identities";
import { createTestStack, type TestStack } from "../tools/pulumiHarness";
import { assertNoSecret } from "./stateSecrets";

const EXAMPLE = path.join(repoRoot(), "examples", "delegate-install");
const outputs = (r: automation.UpResult) => Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, v.value]));

describe("delegate.install as real pods (kubelet, containerd), through pulumi, Harness stand-in", function () {
    this.timeout(900_000);
    let cp: ControlPlane;
    let admin: AdminClients;
    let h: HarnessStandIn;
    let managerUrl: string;
    let closeExposure: () => Promise<void>;

    before(async () => {
        cp = await startControlPlane({ pods: true });
        admin = adminClients(cp);
        h = await startHarnessStandIn({ delegates: [], heartbeatExpiryMs: 4000 });
        const exposed = await cp.pods!.exposeToPods(Number(new URL(h.managerUrl).port));
        managerUrl = `https://${exposed.host}:${exposed.port}`;
        closeExposure = exposed.close;
    });
    after(async () => {
        assert.deepEqual(h?.contractViolations ?? [], [], "every answer of the stand-in kept Harness's contract");
        await closeExposure?.();
        await h?.stop();
        await cp?.stop();
    });

    const stack = (name: string, config: Record<string, string>): Promise<TestStack> =>
        createTestStack({
            programDir: EXAMPLE,
            stackName: name,
            config: {
                adminKubeconfig: { value: cp.kubeconfig, secret: true },
                delegateImage: { value: cp.pods!.images.delegateStandIn },
                delegateManagerUrl: { value: managerUrl },
                delegateCaBundle: { value: h.caCertPem },
                delegateWaitSeconds: { value: "120" },
                ...Object.fromEntries(Object.entries(config).map(([k, v]) => [k, { value: v }])),
            },
            env: h.env,
        });

    const podsOf = async (namespace: string, name: string) =>
        (await admin.core.listNamespacedPod({ namespace, labelSelector: `harness.io/name=${name}` })).items.filter(
            (p) => !p.metadata?.deletionTimestamp,
        );
    async function eventually(what: string, seconds: number, check: () => Promise<boolean | undefined>) {
        const deadline = Date.now() + seconds * 1000;
        while (!(await check())) {
            assert.ok(Date.now() < deadline, `${what} (within ${seconds} s)`);
            await new Promise((r) => setTimeout(r, 500));
        }
    }
    const ready = (p: k8s.V1Pod | undefined) =>
        p?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    /** Connected instances of the group `name`, from the stand-in's own view. */
    const connectedHosts = (name: string) =>
        h
            .delegateGroups()
            .filter((g) => g.name === name)
            .flatMap((g) => g.instances.filter((i) => i.lastHeartBeat >= Date.now() - 4000).map((i) => i.hostName));

    it("up: the delegate's pod starts, is Ready, connects with its CA bundle, and Harness's gated test runs on it; a tag change rolls the pods and reaches Harness", async () => {
        const ns = "pods-delegate";
        const t = await stack("pods", {
            delegateNamespace: ns,
            delegateName: "pods-delegate",
            delegateTags: '["eu"]',
            connectorName: "Pods",
        });
        const printed: string[] = [];
        const onOutput = (s: string) => printed.push(s);
        try {
            const up = outputs(await t.up({ onOutput }));
            assert.equal(up.delegateConnected, true);
            assert.equal(up.harnessTestStatus, "SUCCESS", "Harness's gated test ran on the installed delegate");
            const pods = await podsOf(ns, "pods-delegate");
            assert.equal(pods.length, 1);
            // Connected comes first (the process heartbeats at start); Ready once the startup probe's
            // first look at /api/health on 3460 passes, after its initial delay.
            await eventually("the pod passed its probes on 3460", 90, async () =>
                ready((await podsOf(ns, "pods-delegate"))[0]),
            );
            assert.deepEqual(
                connectedHosts("pods-delegate"),
                [pods[0].metadata!.name],
                "the real pod is what Harness sees",
            );
            const group = h.delegateGroups().find((g) => g.name === "pods-delegate")!;
            assert.deepEqual(group.tags, ["eu"]);

            // A tag change: the ConfigMap changes, the pod template's checksum with it, the pods roll,
            // and the new pod's environment carries the new tag to Harness.
            await t.stack.setConfig("delegateTags", { value: '["eu","gpu"]' });
            const changed = outputs(await t.up({ onOutput }));
            assert.equal(
                changed.harnessTestStatus,
                "SUCCESS",
                "Harness's test found a delegate with the new selectors",
            );
            const connector = h.connectors().find((c) => (c.connector as any).name === "Pods")!.connector as any;
            assert.deepEqual(connector.spec.delegateSelectors, ["eu", "gpu"]);
            const rolled = await podsOf(ns, "pods-delegate");
            assert.ok(
                !rolled.some((p) => p.metadata!.name === pods[0].metadata!.name && rolled.length === 1),
                "the pods rolled",
            );
            assert.deepEqual(h.delegateGroups().find((g) => g.name === "pods-delegate")!.tags, ["eu", "gpu"]);

            const secrets = [...h.delegateTokens().map((x) => x.value), h.apiKey];
            assertNoSecret(await t.exportState(), secrets, "pulumi stack export");
            assertNoSecret(printed.join(""), secrets, "pulumi's output");

            await t.destroy({ onOutput });
            const deadline = Date.now() + 60_000;
            while ((await podsOf(ns, "pods-delegate")).length && Date.now() < deadline)
                await new Promise((r) => setTimeout(r, 500));
            assert.deepEqual(await podsOf(ns, "pods-delegate"), [], "no pod is left");
            assert.deepEqual(h.delegateTokens(), []);
        } finally {
            await t.destroy().catch(() => undefined);
            await t.dispose();
        }
    });
    it("a token rotation rolls the pods and keeps a delegate connected in Harness throughout; the old token is retired after", async () => {
        const ns = "pods-rotate";
        const t = await stack("rotate", {
            connectorName: "Rotate",
            delegateNamespace: ns,
            delegateName: "pods-rotate",
            delegateTokenName: "pods-rotate-1",
        });
        try {
            await t.up();
            assert.deepEqual(connectedHosts("pods-rotate").length, 1);
            // Poll the stand-in through the rotation: from now on there is always a connected instance.
            const gaps: number[] = [];
            let polling = true;
            const poller = (async () => {
                while (polling) {
                    if (connectedHosts("pods-rotate").length === 0) gaps.push(Date.now());
                    await new Promise((r) => setTimeout(r, 200));
                }
            })();
            await t.stack.setConfig("delegateTokenName", { value: "pods-rotate-2" });
            const rotated = outputs(await t.up());
            polling = false;
            await poller;
            assert.equal(rotated.delegateTokenName, "pods-rotate-2");
            assert.deepEqual(gaps, [], "never a moment without a connected delegate");
            const group = h.delegateGroups().find((g) => g.name === "pods-rotate")!;
            const live = group.instances.filter((i) => i.lastHeartBeat >= Date.now() - 4000);
            assert.ok(
                live.some((i) => i.tokenName === "pods-rotate-2"),
                "a pod runs with the new token",
            );
            assert.deepEqual(
                h
                    .delegateTokens()
                    .filter((x) => x.name.startsWith("pods-rotate"))
                    .map((x) => `${x.name}:${x.status}`),
                ["pods-rotate-2:ACTIVE"],
                "the old token is revoked and purged once the new pod is connected",
            );
            await t.destroy();
        } finally {
            await t.destroy().catch(() => undefined);
            await t.dispose();
        }
    });

    it("a delegate whose pod cannot start (an image that is not there) fails up with DELEGATE_NOT_CONNECTED naming the pod's reason; nothing is left", async () => {
        const ns = "pods-bad-image";
        const t = await stack("badimage", {
            delegateNamespace: ns,
            delegateName: "pods-bad-image",
            delegateImage: "pkc.test/no-such-delegate:1",
            delegateWaitSeconds: "25",
            connectorName: "Bad image",
        });
        try {
            await assert.rejects(t.up(), (e: Error) => {
                assert.match(e.message, /DELEGATE_NOT_CONNECTED/);
                assert.match(e.message, /ErrImagePull|ImagePullBackOff/);
                return true;
            });
            assert.deepEqual(
                (await admin.core.listNamespacedConfigMap({ namespace: ns }).catch(() => ({ items: [] }))).items.filter(
                    (c) => c.metadata?.name === "pods-bad-image",
                ),
                [],
                "the install's objects are undone",
            );
            assert.deepEqual(
                h.delegateTokens().filter((x) => x.name.startsWith("pods-bad-image")),
                [],
                "the token is retired",
            );
            assert.deepEqual(
                h.connectors().filter((c) => (c.connector as any).name === "Bad image"),
                [],
                "no connector is registered",
            );
        } finally {
            await t.destroy().catch(() => undefined);
            await t.dispose();
        }
    });
});
