// A real Kubernetes control plane on loopback: etcd, kube-apiserver (TLS from its own CA, RBAC,
// service-account token signing) and kube-controller-manager limited to the controllers this
// project relies on (service-account tokens, namespaces, garbage collection, and the aggregation
// that fills the built-in view/edit/admin ClusterRoles). Started in a temp
// folder on free ports; several can run side by side. Every process it starts is stopped by
// `stop()`, and also when the Node process exits or is interrupted. With `pods: true` it also runs
// a node that runs real pods (tools/pods/: containerd, kubelet, kube-scheduler, the project's
// bridge; one such cluster per machine), and the controllers pods need.
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { kubeconfigDocument } from "../provider/credentials/kubeconfigDocument";
import { ensureTools } from "./binaries";
import { assertHostPackages } from "./hostPackages";
import { type CertFiles, createCA, createServiceAccountKeys, issueCert } from "./pki";
import {
    assertBridgeFree,
    createBridge,
    type Forwarder,
    forwardPort,
    GATEWAY_IP,
    KUBERNETES_SERVICE_IP,
    removeBridge,
    SERVICE_SUBNET,
} from "./pods/network";
import { type PodImages, type PodsNode, startNode } from "./pods/node";
import {
    ControlPlaneError,
    freePort,
    installExitHooks,
    onExitCleanup,
    startProcess,
    stopProcess,
    waitFor,
} from "./processes";

export { ControlPlaneError, freePort } from "./processes";

/** Options for {@link startControlPlane}. */
export interface ControlPlaneOptions {
    /** Extra kube-apiserver flags, e.g. `--oidc-issuer-url=...`. */
    apiserverFlags?: string[];
    /** Secure port for kube-apiserver; default a free port. */
    apiserverPort?: number;
    /** Client port for etcd; default a free port. */
    etcdPort?: number;
    /** Start kube-controller-manager (default true). */
    controllerManager?: boolean;
    /** Seconds to wait for /readyz (default 90). */
    readyTimeoutSeconds?: number;
    /** Keep the temp folder after stop (logs); default false unless PKC_KEEP_CLUSTER_DIR is set. */
    keepDir?: boolean;
    /** Called with progress lines; default silent. */
    log?: (line: string) => void;
    /**
     * Also run real pods (default false: most tests need none, and this takes longer): containerd,
     * a kubelet (node `pkc-node`) and kube-scheduler, the deployment, replicaset, node-lifecycle
     * and root-CA publisher controllers, the project's bridge `pkc0`, and the images of
     * {@link PodsAccess.images}. Needs root and the host packages (`npm run setup` installs them);
     * one such cluster per machine at a time.
     */
    pods?: boolean;
}

/** How tests use a cluster's pods ({@link ControlPlaneOptions.pods}). */
export interface PodsAccess {
    /** The bridge's gateway address: the node's address, and where {@link exposeToPods} serves pods. */
    gatewayIp: string;
    /** The `kubernetes` Service's ClusterIP (KUBERNETES_SERVICE_HOST in pods), forwarded to the API server. */
    kubernetesServiceIp: string;
    /** Exact names of the images imported into the node (pods use them with imagePullPolicy Never or IfNotPresent). */
    images: PodImages;
    /**
     * Makes a 127.0.0.1 port of this machine reachable from pods at `<gatewayIp>:<port>`, the same
     * port number (a TCP forwarder on the gateway address: TLS passes through, so an HTTPS server's
     * certificate must name the gateway address, as the Harness stand-in's does). Closed by
     * `close()` or by `stop()`.
     */
    exposeToPods(port: number): Promise<{ host: string; port: number; close(): Promise<void> }>;
}

/** A running control plane. */
export interface ControlPlane {
    /** https://127.0.0.1:<port> */
    server: string;
    /** The temp folder holding certificates, data and logs. */
    dir: string;
    ca: CertFiles;
    /** The admin client certificate (CN=admin, O=system:masters). */
    admin: CertFiles;
    /** Path of an admin kubeconfig with embedded credentials. */
    kubeconfigPath: string;
    /** The admin kubeconfig document. */
    kubeconfig: string;
    /** Process ids of etcd, kube-apiserver and kube-controller-manager (with pods: containerd, kubelet, kube-scheduler too). */
    pids: Record<string, number>;
    /** Present when started with {@link ControlPlaneOptions.pods}. */
    pods?: PodsAccess;
    /** Issues a client certificate signed by the cluster's client CA (a user named `cn` in groups `orgs`). */
    issueClientCert(
        file: string,
        opts: { cn: string; orgs?: string[]; keyType?: "rsa" | "ec"; passphrase?: string; days?: number },
    ): CertFiles;
    /** Stops kube-controller-manager (the token controller with it), leaving the API server up. */
    stopControllerManager(): Promise<void>;
    /** Starts kube-controller-manager again after {@link stopControllerManager}. */
    startControllerManager(): Promise<void>;
    /** Stops every process it started and removes its folder (unless kept). Safe to call twice. */
    stop(): Promise<void>;
}

async function assertPortFree(port: number, what: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", (e: NodeJS.ErrnoException) =>
            reject(
                new ControlPlaneError(
                    `port ${port} on 127.0.0.1 for ${what} is already in use (${e.code}): choose another port or omit it to get a free one`,
                ),
            ),
        );
        srv.listen(port, "127.0.0.1", () => srv.close(() => resolve()));
    });
}

function get(
    url: string,
    ca: string,
    cert: string,
    key: string,
    timeoutMs: number,
): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = https.get(url, { ca, cert, key, timeout: timeoutMs }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
    });
}

/**
 * A kubeconfig with embedded credentials for one user, written by the provider's one kubeconfig
 * writer: its cluster, user and context are all named `<user>@local`.
 */
export function kubeconfigFor(
    server: string,
    caPem: string,
    user: { name: string; certPem?: string; keyPem?: string; token?: string },
): string {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    return kubeconfigDocument(
        `${user.name}@local`,
        { server, "certificate-authority-data": b64(caPem) },
        user.token
            ? { token: user.token }
            : { "client-certificate-data": b64(user.certPem!), "client-key-data": b64(user.keyPem!) },
    );
}

/** The controllers every cluster runs: what the project relies on. */
const CONTROLLERS = [
    "serviceaccount-token-controller",
    "serviceaccount-controller",
    "namespace-controller",
    "garbage-collector-controller",
    "clusterrole-aggregation-controller",
];
/**
 * And with pods: Deployments make ReplicaSets make pods; the node-lifecycle controller lifts the
 * not-ready taint a node registers with; the root-CA publisher makes the `kube-root-ca.crt`
 * ConfigMap every pod's ServiceAccount volume mounts.
 */
const POD_CONTROLLERS = [
    "deployment-controller",
    "replicaset-controller",
    "node-lifecycle-controller",
    "root-ca-certificate-publisher-controller",
];

/** Starts etcd, kube-apiserver and kube-controller-manager and waits until the API server is ready. */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
    installExitHooks();
    const log = opts.log ?? (() => undefined);
    if (opts.pods) {
        // Before anything starts: a second cluster with pods, or missing host packages, fail at once.
        if (opts.controllerManager === false)
            throw new ControlPlaneError(
                "pods need kube-controller-manager (Deployments, the node's not-ready taint): drop controllerManager: false",
            );
        assertHostPackages();
        assertBridgeFree();
    }
    const bins = ensureTools(
        opts.pods
            ? ["etcd", "kube-apiserver", "kube-controller-manager", "kubelet", "kube-scheduler", "pause"]
            : ["etcd", "kube-apiserver", "kube-controller-manager"],
        log,
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-cluster-"));
    const children: Record<string, ChildProcess | undefined> = {};
    const keepDir = opts.keepDir ?? !!process.env.PKC_KEEP_CLUSTER_DIR;
    let node: PodsNode | undefined;
    const forwarders = new Set<Forwarder>();
    let removeBridgeAtExit: (() => void) | undefined;
    let stopped = false;
    const stop = async (removeDir = !keepDir) => {
        if (stopped) return;
        stopped = true;
        // Reverse order: the node and its network, controllers, then the API server, then its storage.
        await node?.stop();
        for (const f of forwarders) await f.close();
        if (removeBridgeAtExit) {
            removeBridge();
            removeBridgeAtExit();
        }
        await stopProcess(children["kube-controller-manager"]);
        await stopProcess(children["kube-apiserver"]);
        await stopProcess(children.etcd);
        if (removeDir) fs.rmSync(dir, { recursive: true, force: true });
    };
    try {
        if (opts.pods) {
            createBridge();
            removeBridgeAtExit = onExitCleanup(removeBridge);
        }
        if (opts.apiserverPort) await assertPortFree(opts.apiserverPort, "kube-apiserver");
        if (opts.etcdPort) await assertPortFree(opts.etcdPort, "etcd");
        const etcdPort = opts.etcdPort ?? (await freePort());
        const peerPort = await freePort();
        const apiPort = opts.apiserverPort ?? (await freePort());
        const server = `https://127.0.0.1:${apiPort}`;

        const ca = createCA(dir, "ca");
        const serving = issueCert(ca, dir, "apiserver", {
            cn: "kube-apiserver",
            // With pods, also the names pods reach it by: the ClusterIP, the node address, the Service's DNS names.
            sans: [
                "IP:127.0.0.1",
                "DNS:localhost",
                ...(opts.pods
                    ? [
                          `IP:${KUBERNETES_SERVICE_IP}`,
                          `IP:${GATEWAY_IP}`,
                          "DNS:kubernetes",
                          "DNS:kubernetes.default",
                          "DNS:kubernetes.default.svc",
                          "DNS:kubernetes.default.svc.cluster.local",
                      ]
                    : []),
            ],
        });
        const admin = issueCert(ca, dir, "admin", { cn: "admin", orgs: ["system:masters"] });
        const sa = createServiceAccountKeys(dir);

        const etcdUrl = `http://127.0.0.1:${etcdPort}`;
        const peerUrl = `http://127.0.0.1:${peerPort}`;
        const etcdLog = path.join(dir, "etcd.log");
        log(`[cluster] starting etcd on ${etcdUrl}`);
        children.etcd = startProcess(
            bins.etcd,
            [
                "--name",
                "default",
                "--data-dir",
                path.join(dir, "etcd"),
                "--listen-client-urls",
                etcdUrl,
                "--advertise-client-urls",
                etcdUrl,
                "--listen-peer-urls",
                peerUrl,
                "--initial-advertise-peer-urls",
                peerUrl,
                "--initial-cluster",
                `default=${peerUrl}`,
                "--unsafe-no-fsync",
                "--log-level",
                "warn",
            ],
            etcdLog,
        );
        const deadline = Date.now() + (opts.readyTimeoutSeconds ?? 90) * 1000;
        await waitFor(
            "etcd",
            children.etcd,
            etcdLog,
            deadline,
            () =>
                new Promise((resolve) => {
                    const s = net.connect(etcdPort, "127.0.0.1", () => {
                        s.destroy();
                        resolve(true);
                    });
                    s.on("error", () => resolve(false));
                }),
        );

        const apiLog = path.join(dir, "kube-apiserver.log");
        log(`[cluster] starting kube-apiserver on ${server}`);
        children["kube-apiserver"] = startProcess(
            bins["kube-apiserver"],
            [
                `--etcd-servers=${etcdUrl}`,
                `--secure-port=${apiPort}`,
                "--bind-address=127.0.0.1",
                // With pods, the `kubernetes` Service's endpoint is the node address (forwarded there like the ClusterIP).
                `--advertise-address=${opts.pods ? GATEWAY_IP : "127.0.0.1"}`,
                `--cert-dir=${dir}`,
                `--tls-cert-file=${serving.certPath}`,
                `--tls-private-key-file=${serving.keyPath}`,
                `--client-ca-file=${ca.certPath}`,
                `--service-account-issuer=${server}/`,
                `--service-account-key-file=${sa.publicPath}`,
                `--service-account-signing-key-file=${sa.privatePath}`,
                "--authorization-mode=RBAC",
                `--service-cluster-ip-range=${opts.pods ? SERVICE_SUBNET : "10.0.0.0/24"}`,
                // The API server authenticates to the kubelet (logs, exec) as the admin.
                ...(opts.pods
                    ? [
                          `--kubelet-client-certificate=${admin.certPath}`,
                          `--kubelet-client-key=${admin.keyPath}`,
                          // The node's address, never its name: a name would be looked up in DNS.
                          "--kubelet-preferred-address-types=InternalIP",
                      ]
                    : []),
                "--enable-priority-and-fairness=false",
                "--profiling=false",
                "--v=1",
                ...(opts.apiserverFlags ?? []),
            ],
            apiLog,
        );
        await waitFor(
            "kube-apiserver",
            children["kube-apiserver"],
            apiLog,
            deadline,
            async () => (await get(`${server}/readyz`, ca.certPem, admin.certPem, admin.keyPem, 2000)).status === 200,
        );

        if (opts.pods) {
            // kube-proxy's job for the one Service pods use: the ClusterIP's 443, and the endpoint, to the API server.
            forwarders.add(await forwardPort(KUBERNETES_SERVICE_IP, 443, apiPort));
            forwarders.add(await forwardPort(GATEWAY_IP, apiPort, apiPort));
        }

        const kubeconfigPath = path.join(dir, "admin.kubeconfig");
        const kubeconfig = kubeconfigFor(server, ca.certPem, {
            name: "admin",
            certPem: admin.certPem,
            keyPem: admin.keyPem,
        });
        fs.writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });

        const kcmLog = path.join(dir, "kube-controller-manager.log");
        const startControllerManager = async () => {
            log("[cluster] starting kube-controller-manager");
            children["kube-controller-manager"] = startProcess(
                bins["kube-controller-manager"],
                [
                    `--kubeconfig=${kubeconfigPath}`,
                    `--controllers=${[...CONTROLLERS, ...(opts.pods ? POD_CONTROLLERS : [])].join(",")}`,
                    `--root-ca-file=${ca.certPath}`,
                    `--service-account-private-key-file=${sa.privatePath}`,
                    "--leader-elect=false",
                    "--secure-port=0",
                    "--bind-address=127.0.0.1",
                    "--v=1",
                ],
                kcmLog,
            );
            // Ready when the service-account controller has made `default` in `default` and the
            // aggregation controller has filled the built-in `view` ClusterRole.
            const until = Date.now() + (opts.readyTimeoutSeconds ?? 90) * 1000;
            await waitFor("kube-controller-manager", children["kube-controller-manager"], kcmLog, until, async () => {
                const sa = await get(
                    `${server}/api/v1/namespaces/default/serviceaccounts/default`,
                    ca.certPem,
                    admin.certPem,
                    admin.keyPem,
                    2000,
                );
                if (sa.status !== 200) return false;
                const view = await get(
                    `${server}/apis/rbac.authorization.k8s.io/v1/clusterroles/view`,
                    ca.certPem,
                    admin.certPem,
                    admin.keyPem,
                    2000,
                );
                return view.status === 200 && (JSON.parse(view.body).rules ?? []).length > 0;
            });
        };
        if (opts.controllerManager !== false) await startControllerManager();

        let pods: PodsAccess | undefined;
        if (opts.pods) {
            const apiGet = (p: string) => get(`${server}${p}`, ca.certPem, admin.certPem, admin.keyPem, 2000);
            node = await startNode({
                dir,
                kubeconfigPath,
                clientCaPath: ca.certPath,
                bins,
                apiGet,
                deadline: Date.now() + (opts.readyTimeoutSeconds ?? 90) * 1000,
                log,
            });
            pods = {
                gatewayIp: GATEWAY_IP,
                kubernetesServiceIp: KUBERNETES_SERVICE_IP,
                images: node.images,
                exposeToPods: async (port) => {
                    const f = await forwardPort(GATEWAY_IP, port, port);
                    forwarders.add(f);
                    return {
                        host: f.host,
                        port: f.port,
                        close: async () => {
                            forwarders.delete(f);
                            await f.close();
                        },
                    };
                },
            };
        }

        const pids = () => ({
            ...Object.fromEntries(
                Object.entries(children)
                    .filter(([, c]) => c?.pid && c.exitCode === null)
                    .map(([k, c]) => [k, c!.pid!]),
            ),
            ...node?.pids(),
        });
        log(`[cluster] ready at ${server}; admin kubeconfig ${kubeconfigPath}`);
        return {
            server,
            dir,
            ca,
            admin,
            kubeconfigPath,
            kubeconfig,
            get pids() {
                return pids();
            },
            pods,
            issueClientCert: (file, o) => issueCert(ca, dir, file, o),
            stopControllerManager: () => stopProcess(children["kube-controller-manager"]),
            startControllerManager,
            stop: () => stop(),
        };
    } catch (e) {
        // Nothing keeps running; the folder stays so that the log named in the error can be read.
        await stop(false).catch(() => undefined);
        throw e;
    }
}
