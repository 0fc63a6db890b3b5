// A real Kubernetes control plane on loopback: etcd, kube-apiserver (TLS from its own CA, RBAC,
// service-account token signing) and kube-controller-manager limited to the controllers this
// project relies on (service-account tokens, namespaces, garbage collection, and the aggregation
// that fills the built-in view/edit/admin ClusterRoles). Started in a temp
// folder on free ports; several can run side by side. Every process it starts is stopped by
// `stop()`, and also when the Node process exits or is interrupted.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { kubeconfigDocument } from "../provider/credentials/kubeconfigDocument";
import { ensureTools } from "./binaries";
import { type CertFiles, createCA, createServiceAccountKeys, issueCert } from "./pki";

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
}

/** Raised when a component cannot start; names it and where its log is. */
export class ControlPlaneError extends Error {
    constructor(
        message: string,
        readonly logPath?: string,
    ) {
        super(message);
        this.name = "ControlPlaneError";
    }
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
    /** Process ids of etcd, kube-apiserver and kube-controller-manager. */
    pids: Record<string, number>;
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

const live = new Set<ChildProcess>();
let exitHooksInstalled = false;
function installExitHooks(): void {
    if (exitHooksInstalled) return;
    exitHooksInstalled = true;
    // The last line of defence: no component outlives the Node process that started it.
    process.on("exit", () => {
        for (const p of live)
            if (p.exitCode === null && p.pid)
                try {
                    process.kill(p.pid, "SIGKILL");
                } catch {
                    /* already gone */
                }
    });
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
        process.once(sig, () => process.exit(128 + os.constants.signals[sig]));
    }
}

/** A free TCP port on 127.0.0.1 (the kernel's choice). */
export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
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

function tail(file: string, lines = 12): string {
    try {
        return fs.readFileSync(file, "utf8").trim().split("\n").slice(-lines).join("\n");
    } catch {
        return "(no log)";
    }
}

function startProcess(bin: string, args: string[], logPath: string): ChildProcess {
    const fd = fs.openSync(logPath, "a");
    const child = spawn(bin, args, { stdio: ["ignore", fd, fd] });
    fs.closeSync(fd);
    live.add(child);
    child.once("exit", () => live.delete(child));
    child.once("error", () => live.delete(child));
    return child;
}

async function stopProcess(child: ChildProcess | undefined, graceMs = 5000): Promise<void> {
    if (!child || child.exitCode !== null || child.signalCode !== null || !child.pid) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
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

/** How a process that has ended ended: `code 1`, or `killed by SIGKILL, status 137`. */
function howItEnded(child: ChildProcess): string {
    const signal = child.signalCode;
    return signal ? `killed by ${signal}, status ${128 + os.constants.signals[signal]}` : `code ${child.exitCode}`;
}

async function waitFor(
    what: string,
    child: ChildProcess,
    logPath: string,
    deadline: number,
    probe: () => Promise<boolean>,
): Promise<void> {
    for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) {
            throw new ControlPlaneError(
                `${what} exited (${howItEnded(child)}) before it became ready; log: ${logPath}\n${tail(logPath)}`,
                logPath,
            );
        }
        if (await probe().catch(() => false)) return;
        if (Date.now() > deadline) {
            throw new ControlPlaneError(
                `${what} did not become ready in time; log: ${logPath}\n${tail(logPath)}`,
                logPath,
            );
        }
        await new Promise((r) => setTimeout(r, 100));
    }
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

/** Starts etcd, kube-apiserver and kube-controller-manager and waits until the API server is ready. */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
    installExitHooks();
    const log = opts.log ?? (() => undefined);
    const bins = ensureTools(["etcd", "kube-apiserver", "kube-controller-manager"], log);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-cluster-"));
    const children: Record<string, ChildProcess | undefined> = {};
    const keepDir = opts.keepDir ?? !!process.env.PKC_KEEP_CLUSTER_DIR;
    let stopped = false;
    const stop = async (removeDir = !keepDir) => {
        if (stopped) return;
        stopped = true;
        // Reverse order: controllers, then the API server, then its storage.
        await stopProcess(children["kube-controller-manager"]);
        await stopProcess(children["kube-apiserver"]);
        await stopProcess(children.etcd);
        if (removeDir) fs.rmSync(dir, { recursive: true, force: true });
    };
    try {
        if (opts.apiserverPort) await assertPortFree(opts.apiserverPort, "kube-apiserver");
        if (opts.etcdPort) await assertPortFree(opts.etcdPort, "etcd");
        const etcdPort = opts.etcdPort ?? (await freePort());
        const peerPort = await freePort();
        const apiPort = opts.apiserverPort ?? (await freePort());
        const server = `https://127.0.0.1:${apiPort}`;

        const ca = createCA(dir, "ca");
        const serving = issueCert(ca, dir, "apiserver", {
            cn: "kube-apiserver",
            sans: ["IP:127.0.0.1", "DNS:localhost"],
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
                "--advertise-address=127.0.0.1",
                `--cert-dir=${dir}`,
                `--tls-cert-file=${serving.certPath}`,
                `--tls-private-key-file=${serving.keyPath}`,
                `--client-ca-file=${ca.certPath}`,
                `--service-account-issuer=${server}/`,
                `--service-account-key-file=${sa.publicPath}`,
                `--service-account-signing-key-file=${sa.privatePath}`,
                "--authorization-mode=RBAC",
                "--service-cluster-ip-range=10.0.0.0/24",
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
                    "--controllers=serviceaccount-token-controller,serviceaccount-controller,namespace-controller,garbage-collector-controller,clusterrole-aggregation-controller",
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

        const pids = () =>
            Object.fromEntries(
                Object.entries(children)
                    .filter(([, c]) => c?.pid && c.exitCode === null)
                    .map(([k, c]) => [k, c!.pid!]),
            );
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
