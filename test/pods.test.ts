// Real pods on the local cluster (startControlPlane({ pods: true })): a kubelet and containerd run
// the delegate stand-in image (a TEST STAND-IN for harness/delegate, tools/harness/delegatePod.ts)
// from a Deployment made as the chart makes it, and it connects to the Harness stand-in through
// the project's bridge, or fails the ways a delegate fails: an untrusted certificate, a refused
// token, a missing image. Nothing is pulled and nothing leaves the machine; stop() leaves nothing
// behind. Needs root and the host packages (`npm run setup` installs them).
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import * as tls from "node:tls";
import * as k8s from "@kubernetes/client-node";
import { type HarnessClient, harnessClientFor } from "../provider/harness/client";
import { mintDelegateToken, waitForDelegateConnected } from "../provider/parts/install/harnessDelegates";
import { type ControlPlane, startControlPlane } from "../tools/controlPlane";
import { type HarnessStandIn, startHarnessStandIn } from "../tools/harness";
import { type AdminClients, adminClients, ensureNamespace } from "../tools/identities";
import { BRIDGE, GATEWAY_IP, KUBERNETES_SERVICE_IP } from "../tools/pods/network";
import { CLOSED_REGISTRY, NODE_NAME } from "../tools/pods/node";

const NS = "harness-delegate-ng";

/** Polls `probe` every 500 ms until it gives a value; fails naming `what` and the last state. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number, state?: () => Promise<string>) {
    const end = Date.now() + ms;
    for (;;) {
        const v = await probe();
        if (v !== undefined) return v;
        if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms${state ? `; ${await state()}` : ""}`);
        await new Promise((r) => setTimeout(r, 500));
    }
}

/** Mount points of this machine under `dir`. */
const mountsUnder = (dir: string) =>
    fs
        .readFileSync("/proc/self/mountinfo", "utf8")
        .split("\n")
        .map((l) => l.split(" ")[4] ?? "")
        .filter((m) => m.startsWith(`${dir}/`));

/** Process ids whose command line names `needle`. */
const processesNaming = (needle: string) =>
    fs
        .readdirSync("/proc")
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
            try {
                return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").includes(needle);
            } catch {
                return false;
            }
        });

/** Whether the process runs the pods' sandbox program (its command line is exactly `/pause`). */
const isPause = (pid: string) => {
    try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8") === "/pause\0";
    } catch {
        return false;
    }
};

const alive = (pid: number) => {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
};

/** The bridge's interface index, or undefined when there is none: another cluster's bridge has another index. */
const bridgeIndex = () => {
    try {
        return fs.readFileSync(`/sys/class/net/${BRIDGE}/ifindex`, "utf8").trim();
    } catch {
        return undefined;
    }
};

/**
 * Waits until no cluster with pods runs on this machine (one at a time: the bridge is the
 * machine's), e.g. another checkout's test run.
 */
const bridgeFree = () =>
    until(
        `no other cluster with pods on this machine (bridge ${BRIDGE} free)`,
        async () => (bridgeIndex() ? undefined : true),
        240_000,
    );

/** Stops the cluster and checks that nothing of it is left on the machine. */
async function stopsLeavingNothing(c: ControlPlane, o: { podsRan: boolean }): Promise<void> {
    const pids = Object.values(c.pids);
    assert.ok(
        pids.length >= 6,
        `etcd, API server, controller manager, containerd, kubelet, scheduler: ${JSON.stringify(c.pids)}`,
    );
    const socket = `${c.dir}/node/containerd.sock`;
    const sandboxDir = path.join(c.dir, "node", "root", "io.containerd.grpc.v1.cri", "sandboxes");
    const sandboxes = fs.existsSync(sandboxDir) ? fs.readdirSync(sandboxDir) : [];
    if (o.podsRan) {
        assert.ok(sandboxes.length > 0, "pods' sandboxes exist");
        assert.ok(processesNaming(socket).length > 0, "the pods' shims run");
    }
    const ourBridge = bridgeIndex();
    assert.ok(ourBridge, "the cluster's bridge exists while it runs");
    await c.stop();
    assert.deepEqual(pids.filter(alive), [], "every component exited");
    assert.deepEqual(processesNaming(c.dir), [], "no shim is left");
    assert.deepEqual(processesNaming("/opt/delegate-standin/delegatePod.js"), [], "no stand-in process is left");
    assert.deepEqual(processesNaming("/pause\0").filter(isPause), [], "no sandbox process is left");
    assert.deepEqual(mountsUnder(c.dir), [], "nothing stays mounted (volumes, root filesystems, network namespaces)");
    assert.notEqual(bridgeIndex(), ourBridge, "the bridge is gone");
    assert.equal(fs.existsSync(c.dir), false, "the folder is gone");
    const results = "/var/lib/cni/results";
    assert.deepEqual(
        fs.existsSync(results)
            ? fs.readdirSync(results).filter((f) => f.startsWith("pkc-") || sandboxes.some((id) => f.includes(id)))
            : [],
        [],
        "libcni keeps no result of the pods",
    );
    assert.equal(fs.existsSync("/var/lib/cni/networks/pkc"), false);
    const sockets = sandboxes.map((id) => createHash("sha256").update(`${socket}/k8s.io/${id}`).digest("hex"));
    assert.deepEqual(
        sockets.filter((name) => fs.existsSync(`/run/containerd/s/${name}`)),
        [],
        "no shim socket is left",
    );
}

describe("pods: a kubelet runs the delegate stand-in image (real cluster with pods)", () => {
    let cp: ControlPlane;
    let admin: AdminClients;
    let apps: k8s.AppsV1Api;
    let h: HarnessStandIn;
    let hc: HarnessClient;
    let managerOnBridge: string;

    before(async () => {
        await bridgeFree();
        cp = await startControlPlane({ pods: true, readyTimeoutSeconds: 180 });
        admin = adminClients(cp);
        apps = admin.kubeConfig.makeApiClient(k8s.AppsV1Api);
        await ensureNamespace(admin, NS);
        h = await startHarnessStandIn({ delegates: [] });
        tls.setDefaultCACertificates([...tls.getCACertificates("default"), h.caCertPem]);
        hc = harnessClientFor({ endpoint: h.url, accountId: h.accountId, apiKey: h.apiKey, timeoutMs: 10_000 });
        const exposed = await cp.pods!.exposeToPods(Number(new URL(h.managerUrl).port));
        managerOnBridge = `https://${exposed.host}:${exposed.port}`;
    });
    after(async () => {
        await hc?.close();
        await h?.stop();
        await cp?.stop();
    });

    /**
     * The chart's objects for a delegate, by hand: ServiceAccount, ConfigMap, Secret, the stand-in's
     * CA in a Secret mounted where the delegate loads CAs from (`bundle`, as the chart's
     * delegateCustomCa does) or `elsewhere`, and a Deployment; NODE_EXTRA_CA_CERTS names the mounted
     * CA either way (the delegate does not honour it).
     */
    async function install(name: string, token: string, o: { ca: "bundle" | "elsewhere" }) {
        const caDir = o.ca === "bundle" ? "/opt/harness-delegate/ca-bundle/" : "/etc/extra-ca/";
        await admin.core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name } } });
        const data = {
            ACCOUNT_ID: h.accountId,
            MANAGER_HOST_AND_PORT: managerOnBridge,
            DELEGATE_NAME: name,
            DELEGATE_TAGS: ` ${name}, pods ,,`,
            DELEGATE_DESCRIPTION: "a real pod of the delegate stand-in",
            DELEGATE_TYPE: "HELM_DELEGATE",
            DELEGATE_NAMESPACE: NS,
            DEPLOY_MODE: "KUBERNETES",
            NEXT_GEN: "true",
            NODE_EXTRA_CA_CERTS: `${caDir}ca.pem`,
        };
        await admin.core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name }, data } });
        await admin.core.createNamespacedSecret({
            namespace: NS,
            body: { metadata: { name }, stringData: { DELEGATE_TOKEN: token } },
        });
        await admin.core.createNamespacedSecret({
            namespace: NS,
            body: { metadata: { name: `${name}-ca` }, stringData: { "ca.pem": h.caCertPem } },
        });
        const labels = { "harness.io/name": name };
        const probe = { httpGet: { path: "/api/health", port: 3460 } };
        await apps.createNamespacedDeployment({
            namespace: NS,
            body: {
                metadata: { name, labels },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: labels },
                    template: {
                        metadata: { labels },
                        spec: {
                            serviceAccountName: name,
                            // The chart's: the delegate drains its tasks; the stand-in exits at SIGTERM at once.
                            terminationGracePeriodSeconds: 600,
                            containers: [
                                {
                                    name: "delegate",
                                    image: cp.pods!.images.delegateStandIn,
                                    imagePullPolicy: "Never",
                                    ports: [{ containerPort: 8080 }, { containerPort: 3460 }],
                                    envFrom: [{ configMapRef: { name } }, { secretRef: { name } }],
                                    securityContext: { runAsUser: 0, allowPrivilegeEscalation: false },
                                    startupProbe: { ...probe, periodSeconds: 1, failureThreshold: 60 },
                                    livenessProbe: { ...probe, periodSeconds: 5 },
                                    volumeMounts: [{ name: "ca", mountPath: caDir, readOnly: true }],
                                },
                            ],
                            volumes: [{ name: "ca", secret: { secretName: `${name}-ca`, defaultMode: 0o400 } }],
                        },
                    },
                },
            },
        });
    }

    const podsOf = async (name: string) =>
        (await admin.core.listNamespacedPod({ namespace: NS, labelSelector: `harness.io/name=${name}` })).items;
    const podState = async (name: string) =>
        JSON.stringify((await podsOf(name)).map((p) => ({ name: p.metadata?.name, status: p.status })));
    const logOf = (pod: string, previous = false) =>
        admin.core.readNamespacedPodLog({ namespace: NS, name: pod, previous }).catch((e) => `(no log: ${e})`);

    it("registers the node Ready at the bridge's gateway address, the not-ready taint lifted", async () => {
        const node = await admin.core.readNode({ name: NODE_NAME });
        const ready = node.status?.conditions?.find((c) => c.type === "Ready");
        assert.equal(ready?.status, "True");
        assert.deepEqual(
            (node.spec?.taints ?? []).map((t) => t.key),
            [],
        );
        assert.equal(node.status?.addresses?.find((a) => a.type === "InternalIP")?.address, GATEWAY_IP);
        assert.equal(node.status?.nodeInfo?.kubeletVersion, "v1.35.4");
        assert.match(node.status?.nodeInfo?.containerRuntimeVersion ?? "", /^containerd:\/\/1\.6\./);
        const svc = await admin.core.readNamespacedService({ namespace: "default", name: "kubernetes" });
        assert.equal(svc.spec?.clusterIP, KUBERNETES_SERVICE_IP);
    });

    it("runs the delegate stand-in from a Deployment: Ready on its 3460 probe, connected to the stand-in with its in-cluster credential", async () => {
        const name = "pods-delegate";
        const t = await mintDelegateToken(hc, {}, "tok_pods_ok");
        await install(name, t.value!, { ca: "bundle" });
        await until(
            "the Deployment's pod is available",
            async () => {
                const d = await apps.readNamespacedDeployment({ namespace: NS, name });
                return d.status?.availableReplicas === 1 ? true : undefined;
            },
            120_000,
            () => podState(name),
        );
        const conn = await waitForDelegateConnected(hc, {}, name, { timeoutMs: 30_000, pollMs: 500 });
        assert.equal(conn.connected, true);
        const [pod] = await podsOf(name);
        const podName = pod.metadata!.name!;
        assert.match(pod.status!.podIP!, /^10\.231\.0\.\d+$/);
        const group = h.delegateGroups().find((g) => g.name === name)!;
        assert.deepEqual(group.tags, [name, "pods"], "DELEGATE_TAGS read as the chart's comma list");
        const instance = group.instances.find((i) => i.hostName === podName);
        assert.ok(instance, `the stand-in knows the pod ${podName}: ${JSON.stringify(group.instances)}`);
        assert.equal(instance.namespace, NS);
        assert.equal(instance.serviceAccount, name);
        // The credential an InheritFromDelegate connector uses: the pod's projected token, its CA, the ClusterIP.
        const cred = instance.inheritCredential!;
        assert.equal(cred.masterUrl, `https://${KUBERNETES_SERVICE_IP}:443`);
        const version = await new Promise<{ status: number; body: string }>((resolve, reject) => {
            https
                .get(
                    `${cred.masterUrl}/version`,
                    { ca: cred.caCertPem, headers: { authorization: `Bearer ${cred.token}` } },
                    (res) => {
                        let body = "";
                        res.on("data", (c) => (body += c));
                        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
                    },
                )
                .on("error", reject);
        });
        assert.equal(version.status, 200);
        assert.equal(JSON.parse(version.body).gitVersion, "v1.35.4");
        const log = await logOf(podName);
        assert.match(log, /trusting the system's CAs and \/opt\/harness-delegate\/ca-bundle\/\{ca\.pem\}/);
        assert.match(log, /connected: heartbeat accepted/);
        assert.ok(!log.includes(t.value!), "the log never holds the token");
        // The chart's grace period is 600 s: the stand-in exits at SIGTERM at once, so the pod goes at once.
        const started = Date.now();
        await admin.core.deleteNamespacedPod({ namespace: NS, name: podName });
        await until(
            "the deleted pod is gone",
            async () => ((await podsOf(name)).some((p) => p.metadata?.name === podName) ? undefined : true),
            30_000,
        );
        assert.ok(Date.now() - started < 30_000);
    });

    it("with the CA outside the bundle directory (NODE_EXTRA_CA_CERTS naming it) never connects: the manager's certificate is not trusted", async () => {
        const name = "pods-no-ca";
        const t = await mintDelegateToken(hc, {}, "tok_pods_no_ca");
        await install(name, t.value!, { ca: "elsewhere" });
        // Signed by a CA the pod does not trust: OpenSSL says so as UNABLE_TO_VERIFY_LEAF_SIGNATURE when
        // the server sends its leaf only, SELF_SIGNED_CERT_IN_CHAIN when it sends the CA too.
        const untrusted = new RegExp(
            `heartbeat failed, retrying: TLS certificate of ${GATEWAY_IP.replace(/\./g, "\\.")}:\\d+ not trusted: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)`,
        );
        const podName = await until(
            "the pod logs a certificate error",
            async () => {
                for (const p of await podsOf(name)) {
                    if (!p.status?.containerStatuses?.[0]?.state?.running) continue;
                    if (untrusted.test(await logOf(p.metadata!.name!))) return p.metadata!.name!;
                }
                return undefined;
            },
            60_000,
            async () => `logs: ${await Promise.all((await podsOf(name)).map((p) => logOf(p.metadata!.name!)))}`,
        );
        assert.match(await logOf(podName), /no PEM file in \/opt\/harness-delegate\/ca-bundle/);
        await new Promise((r) => setTimeout(r, 3000));
        assert.equal(
            h.delegateGroups().find((g) => g.name === name),
            undefined,
            "no heartbeat ever reached the stand-in",
        );
        const [pod] = await podsOf(name);
        assert.equal(pod.status?.containerStatuses?.[0]?.restartCount, 0, "a network error is retried, not a crash");
    });

    it("a token the manager refuses makes the container exit 1, again and again: CrashLoopBackOff", async () => {
        const name = "pods-bad-token";
        await install(name, "bm90LWEtdG9rZW4=", { ca: "bundle" });
        const pod = await until(
            "CrashLoopBackOff",
            async () =>
                (await podsOf(name)).find(
                    (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CrashLoopBackOff",
                ),
            120_000,
            () => podState(name),
        );
        const status = pod.status!.containerStatuses![0];
        assert.ok((status.restartCount ?? 0) >= 1);
        assert.equal(status.lastState?.terminated?.exitCode, 1);
        assert.match(
            await logOf(pod.metadata!.name!, true),
            /the manager refused the delegate \(HTTP 401 INVALID_TOKEN: Invalid delegate token\): exiting/,
        );
    });

    it("a missing image fails to pull at once, locally: ErrImagePull / ImagePullBackOff, connection refused on 127.0.0.1", async () => {
        const { port } = new URL(CLOSED_REGISTRY);
        for (const [name, image] of [
            ["missing-local", "pkc.test/missing:1"],
            ["missing-docker-hub", "busybox:1.36"],
        ]) {
            await admin.core.createNamespacedPod({
                namespace: NS,
                body: {
                    metadata: { name },
                    spec: { containers: [{ name: "c", image, imagePullPolicy: "IfNotPresent" }] },
                },
            });
            const waiting = await until(
                `${name} fails to pull`,
                async () => {
                    const w = (await admin.core.readNamespacedPod({ namespace: NS, name })).status
                        ?.containerStatuses?.[0]?.state?.waiting;
                    return w?.reason === "ErrImagePull" || w?.reason === "ImagePullBackOff" ? w : undefined;
                },
                60_000,
            );
            const events = await admin.core.listNamespacedEvent({
                namespace: NS,
                fieldSelector: `involvedObject.name=${name}`,
            });
            const messages = [waiting.message ?? "", ...events.items.map((e) => e.message ?? "")].join("\n");
            assert.match(messages, new RegExp(`dial tcp 127\\.0\\.0\\.1:${port}: connect: connection refused`));
            assert.doesNotMatch(messages, /lookup |no such host|registry-1\.docker\.io/);
        }
    });

    it("refuses a second cluster with pods while one runs, and stop() leaves no process, mount, network namespace or bridge; it starts again", async () => {
        await assert.rejects(
            startControlPlane({ pods: true }),
            /the bridge pkc0 exists: another local cluster with pods is running/,
        );
        await stopsLeavingNothing(cp, { podsRan: true });
        // Again, in the same process: a second cluster with pods starts, runs a pod, and stops as clean.
        await bridgeFree();
        const again = await startControlPlane({ pods: true, readyTimeoutSeconds: 180 });
        try {
            const core = adminClients(again).core;
            await core.createNamespacedPod({
                namespace: "default",
                body: {
                    metadata: { name: "again" },
                    spec: {
                        containers: [
                            {
                                name: "delegate",
                                image: again.pods!.images.delegateStandIn,
                                imagePullPolicy: "Never",
                                env: [
                                    { name: "ACCOUNT_ID", value: h.accountId },
                                    { name: "MANAGER_HOST_AND_PORT", value: managerOnBridge },
                                    { name: "DELEGATE_NAME", value: "again" },
                                    { name: "DELEGATE_TOKEN", value: "unused" },
                                ],
                            },
                        ],
                    },
                },
            });
            await until(
                "the pod of the second cluster runs",
                async () =>
                    (await core.readNamespacedPod({ namespace: "default", name: "again" })).status
                        ?.containerStatuses?.[0]?.state?.running,
                60_000,
            );
            await stopsLeavingNothing(again, { podsRan: true });
        } finally {
            await again.stop();
        }
    });
});
