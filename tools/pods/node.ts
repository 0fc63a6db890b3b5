// The node of a local cluster with pods: containerd (from the distribution) with its own config and
// every directory under the cluster's temp folder, the project's images imported into it, a
// kubelet and kube-scheduler built from k8s.io/kubernetes. What each setting is for is in
// docs/local-cluster.md ("Pods"); in short, what this machine kind needs: no CAP_SYS_RESOURCE
// (restrict_oom_score_adj), cgroup v1 with cgroupfs (failCgroupV1 false, no QoS cgroups), nothing
// pulled (local image names, every registry mirrored to a closed 127.0.0.1 port), and a node
// address on the project's bridge. `stop()` undoes all of it: containers, shims, mounts, network
// namespaces, CNI files.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { CNI_BIN_DIR } from "../hostPackages";
import { ControlPlaneError, freePort, onExitCleanup, startProcess, stopProcess, tail, waitFor } from "../processes";
import { buildDelegateStandInImage, buildPauseImage } from "./images";
import { CNI_NETWORK, GATEWAY_IP, writeCniConfig } from "./network";
import { LOCAL_REGISTRY } from "./ociImage";

/** The node's name (kubelet --hostname-override): the cluster has this one node. */
export const NODE_NAME = "pkc-node";
/** The kubelet's port on the node address (the API server reaches it there for logs and exec). */
export const KUBELET_PORT = 10250;
/**
 * Where every registry pull is sent: a 127.0.0.1 port where nothing listens (checked at start), so
 * that a pull of a missing image fails at once, locally ("connection refused"), and never looks a
 * name up or leaves the machine.
 */
export const CLOSED_REGISTRY = "http://127.0.0.1:1";

/** The images imported into the node's containerd (namespace k8s.io), by exact name. */
export interface PodImages {
    /** The TEST STAND-IN for Harness's delegate image (harness/delegate): `pkc.test/delegate-standin:<hash>`. */
    delegateStandIn: string;
    /** The pods' sandbox image (containerd's sandbox_image): `pkc.test/pause:<hash>`. */
    pause: string;
}

/** What {@link startNode} needs from the control plane. */
export interface NodeOptions {
    /** The cluster's temp folder: every file and mount of the node goes under `<dir>/node`. */
    dir: string;
    /** An admin kubeconfig for the kubelet and the scheduler. */
    kubeconfigPath: string;
    /** The CA of the API server's client certificates (the kubelet authenticates the API server with it). */
    clientCaPath: string;
    bins: { kubelet: string; "kube-scheduler": string; pause: string };
    /** GETs an API path as the admin: the node's readiness is read from the API. */
    apiGet(apiPath: string): Promise<{ status: number; body: string }>;
    /** When to give up waiting for the node (ms since the epoch). */
    deadline: number;
    log: (line: string) => void;
}

/** A running node. */
export interface PodsNode {
    images: PodImages;
    /** Process ids of containerd, kubelet and kube-scheduler. */
    pids(): Record<string, number>;
    /** Stops the scheduler, the kubelet, every container and containerd, and unmounts what they mounted. Safe to call twice. */
    stop(): Promise<void>;
}

function run(command: string, args: string[]): { ok: boolean; out: string } {
    const r = spawnSync(command, args, { encoding: "utf8", maxBuffer: 16 << 20 });
    return { ok: !r.error && r.status === 0, out: (r.error?.message ?? `${r.stdout}${r.stderr}`).trim() };
}

/** The mount points under `dir`, deepest first (from /proc/self/mountinfo; octal escapes decoded). */
function mountsUnder(dir: string): string[] {
    const decode = (s: string) =>
        s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
    return fs
        .readFileSync("/proc/self/mountinfo", "utf8")
        .split("\n")
        .map((l) => decode(l.split(" ")[4] ?? ""))
        .filter((m) => m.startsWith(`${dir}/`))
        .sort((a, b) => b.length - a.length);
}

/** Unmounts everything under `dir` (volumes, rootfs overlays, network namespaces); lazily when busy. */
export function unmountUnder(dir: string): void {
    for (const m of mountsUnder(dir)) if (!run("umount", [m]).ok) run("umount", ["-l", m]);
}

/** Every process: its id, its parent's, its command line. */
function processes(): { pid: number; ppid: number; cmdline: string }[] {
    const out: { pid: number; ppid: number; cmdline: string }[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
            // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after its ")".
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
            out.push({ pid: Number(entry), ppid, cmdline });
        } catch {
            /* gone meanwhile */
        }
    }
    return out;
}

/**
 * SIGKILLs the shims of the containerd listening on `socket` (their command line names it) and
 * their children, the containers' first processes (each container's PID namespace dies with it).
 */
function killShimsAndContainers(socket: string): void {
    const all = processes();
    const shims = new Set(all.filter((p) => p.cmdline.includes(socket)).map((p) => p.pid));
    const containers = all.filter((p) => shims.has(p.ppid)).map((p) => p.pid);
    for (const pid of [...containers, ...shims])
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            /* gone */
        }
}

/** Where libcni caches each attachment's result (fixed: the CRI plugin does not move it). */
const CNI_RESULTS_DIR = "/var/lib/cni/results";
/** Where containerd 1.6's shims put their sockets (fixed in containerd, whatever its state dir). */
const SHIM_SOCKET_DIR = "/run/containerd/s";

/**
 * Removes what the pods' sandboxes left outside the temp folder when no CNI DEL or clean shim exit
 * ran: libcni's cached results (the pods' network and the loopback, per sandbox id) and the shims'
 * sockets (named sha256(<containerd address>/k8s.io/<sandbox id>)). Sandbox ids are read from the
 * CRI plugin's folder under containerd's root, so this works after containerd is gone.
 */
function removeSandboxFiles(socket: string, containerdRoot: string): void {
    const sandboxDir = path.join(containerdRoot, "io.containerd.grpc.v1.cri", "sandboxes");
    const ids = fs.existsSync(sandboxDir) ? fs.readdirSync(sandboxDir) : [];
    const results = fs.existsSync(CNI_RESULTS_DIR) ? fs.readdirSync(CNI_RESULTS_DIR) : [];
    for (const f of results)
        if (f.startsWith(`${CNI_NETWORK}-`) || ids.some((id) => f.startsWith(`cni-loopback-${id}-`)))
            fs.rmSync(path.join(CNI_RESULTS_DIR, f), { force: true });
    for (const id of ids) {
        const name = createHash("sha256")
            .update(path.join(socket, "k8s.io", id))
            .digest("hex");
        fs.rmSync(path.join(SHIM_SOCKET_DIR, name), { force: true });
    }
    // The shims made these folders; no other containerd runs here when they are empty.
    for (const dir of [SHIM_SOCKET_DIR, path.dirname(SHIM_SOCKET_DIR)])
        try {
            fs.rmdirSync(dir);
        } catch {
            /* absent, or in use */
        }
}

/** Whether nothing listens on the port of {@link CLOSED_REGISTRY}. */
async function closedRegistryIsClosed(): Promise<boolean> {
    const { hostname, port } = new URL(CLOSED_REGISTRY);
    return new Promise((resolve) => {
        const s = net.connect(Number(port), hostname, () => {
            s.destroy();
            resolve(false);
        });
        s.on("error", () => resolve(true));
    });
}

/**
 * containerd's config: its root, state and sockets under `d`, the CRI plugin with the settings of
 * this machine kind, and registry hosts that send every pull to {@link CLOSED_REGISTRY}.
 */
function containerdConfig(d: string, sandboxImage: string, cniConfDir: string, hostsDir: string): string {
    const q = JSON.stringify;
    const cri = '[plugins."io.containerd.grpc.v1.cri"';
    return `version = 2
root = ${q(path.join(d, "root"))}
state = ${q(path.join(d, "state"))}
# Snapshotters this machine does not have: not tried, not logged.
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = ${q(path.join(d, "containerd.sock"))}
[ttrpc]
  address = ${q(path.join(d, "containerd.sock.ttrpc"))}

[plugins."io.containerd.internal.v1.opt"]
  path = ${q(path.join(d, "opt"))}

${cri}]
  sandbox_image = ${q(sandboxImage)}
  # No CAP_SYS_RESOURCE here: the kubelet's -998 for sandboxes would fail runc; clamp it instead.
  restrict_oom_score_adj = true
  # The pods' network namespaces under the state folder, not /var/run/netns: stop() unmounts them with the rest.
  netns_mounts_under_state_dir = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  ${cri}.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    ${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      ${cri}.containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = ${q(path.join(d, "runc"))}
  ${cri}.cni]
    bin_dir = ${q(CNI_BIN_DIR)}
    conf_dir = ${q(cniConfDir)}
    max_conf_num = 1
  ${cri}.registry]
    config_path = ${q(hostsDir)}
`;
}

/** hosts.toml for every registry (`_default`), docker.io (short names) and the project's: pulls go to the closed port only. */
function writeRegistryHosts(hostsDir: string): void {
    for (const host of ["_default", "docker.io", LOCAL_REGISTRY]) {
        fs.mkdirSync(path.join(hostsDir, host), { recursive: true });
        // `server` replaces the registry's own address: containerd adds no fallback to it. The `host`
        // table must be there too: containerd 1.6 rejects a hosts.toml without one ("invalid `host`
        // tree") and then falls back to the registry itself, looking its name up.
        fs.writeFileSync(
            path.join(hostsDir, host, "hosts.toml"),
            `server = ${JSON.stringify(CLOSED_REGISTRY)}\n\n[host.${JSON.stringify(CLOSED_REGISTRY)}]\n  capabilities = ["pull", "resolve"]\n`,
        );
    }
}

/** The kubelet's configuration (KubeletConfiguration v1beta1; JSON is YAML). */
function kubeletConfig(o: { socket: string; clientCaPath: string; podLogsDir: string; healthzPort: number }): object {
    return {
        apiVersion: "kubelet.config.k8s.io/v1beta1",
        kind: "KubeletConfiguration",
        // The node address on the project's bridge: the API server reaches the kubelet there.
        address: GATEWAY_IP,
        port: KUBELET_PORT,
        readOnlyPort: 0,
        healthzBindAddress: "127.0.0.1",
        healthzPort: o.healthzPort,
        containerRuntimeEndpoint: `unix://${o.socket}`,
        // cgroup v1 managed directly (no systemd here); the kubelet refuses v1 unless told.
        cgroupDriver: "cgroupfs",
        failCgroupV1: false,
        cgroupsPerQOS: false,
        enforceNodeAllocatable: [],
        failSwapOn: false,
        // No host resolver for pods: their resolv.conf names 127.0.0.1, their own loopback, where
        // nothing answers, so no DNS query leaves the pod.
        resolvConf: "",
        podLogsDir: o.podLogsDir,
        // The imported images cannot be pulled again: never collect them.
        imageGCHighThresholdPercent: 100,
        imageGCLowThresholdPercent: 99,
        authentication: {
            anonymous: { enabled: false },
            webhook: { enabled: false },
            x509: { clientCAFile: o.clientCaPath },
        },
        authorization: { mode: "AlwaysAllow" },
    };
}

/** Whether the node is Ready and no longer carries the not-ready taint (the node-lifecycle controller lifts it). */
function nodeReady(body: string): boolean {
    const node = JSON.parse(body) as {
        spec?: { taints?: { key: string }[] };
        status?: { conditions?: { type: string; status: string }[] };
    };
    const ready = node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    const tainted = node.spec?.taints?.some((t) => t.key === "node.kubernetes.io/not-ready");
    return !!ready && !tainted;
}

/** Starts containerd, imports the images, starts the kubelet and the scheduler, and waits for the node. */
export async function startNode(o: NodeOptions): Promise<PodsNode> {
    const d = path.join(o.dir, "node");
    const socket = path.join(d, "containerd.sock");
    const ctr = (args: string[]) => run("ctr", ["--address", socket, "--namespace", "k8s.io", ...args]);
    const children: Record<string, ReturnType<typeof startProcess> | undefined> = {};
    let stopped = false;

    /** Kills every container (sandboxes too) and deletes its task, so that the shims exit. */
    const removeContainers = () => {
        if (!fs.existsSync(socket)) return;
        const tasks = ctr(["tasks", "ls", "-q"]);
        for (const id of tasks.ok ? tasks.out.split("\n").filter(Boolean) : []) {
            ctr(["tasks", "kill", "--signal", "SIGKILL", id]);
            ctr(["tasks", "delete", "--force", id]);
        }
    };
    /** What killing containerd's children cannot undo: shims, mounts, CNI's cached results. */
    const cleanupHost = () => {
        killShimsAndContainers(socket);
        unmountUnder(d);
        removeSandboxFiles(socket, path.join(d, "root"));
    };
    // At an exit without stop(), the node's folder goes too (images and snapshots: hundreds of MB); the logs stay.
    const removeExitCleanup = onExitCleanup(() => {
        cleanupHost();
        fs.rmSync(d, { recursive: true, force: true });
    });
    const stop = async () => {
        if (stopped) return;
        stopped = true;
        await stopProcess(children["kube-scheduler"]);
        await stopProcess(children.kubelet);
        removeContainers();
        await stopProcess(children.containerd);
        cleanupHost();
        removeExitCleanup();
    };

    try {
        if (!(await closedRegistryIsClosed()))
            throw new ControlPlaneError(
                `something listens on ${CLOSED_REGISTRY}, where containerd sends every pull to make it fail locally: stop it`,
            );
        fs.mkdirSync(d, { recursive: true });
        o.log("[pods] building the pause and delegate stand-in images");
        const imagesDir = path.join(d, "images");
        const pause = buildPauseImage(o.bins.pause, imagesDir);
        const standIn = buildDelegateStandInImage(imagesDir);

        const cniConfDir = path.join(d, "cni", "net.d");
        writeCniConfig(cniConfDir, path.join(d, "cni", "ipam"));
        const hostsDir = path.join(d, "registry-hosts");
        writeRegistryHosts(hostsDir);
        const configPath = path.join(d, "containerd.toml");
        fs.writeFileSync(configPath, containerdConfig(d, pause.name, cniConfDir, hostsDir));

        const containerdLog = path.join(o.dir, "containerd.log");
        o.log("[pods] starting containerd");
        children.containerd = startProcess(
            "containerd",
            ["--config", configPath, "--log-level", "warn"],
            containerdLog,
        );
        await waitFor("containerd", children.containerd, containerdLog, o.deadline, async () => ctr(["version"]).ok);

        for (const image of [pause, standIn]) {
            const r = ctr(["images", "import", image.tarPath]);
            if (!r.ok) throw new ControlPlaneError(`ctr images import ${image.name} failed: ${r.out}`, containerdLog);
            fs.rmSync(image.tarPath, { force: true });
        }
        const listed = ctr(["images", "ls", "-q"]);
        for (const image of [pause, standIn])
            if (!listed.out.split("\n").includes(image.name))
                throw new ControlPlaneError(
                    `containerd does not list ${image.name} after its import: ${listed.out}`,
                    containerdLog,
                );

        const kubeletDir = path.join(d, "kubelet");
        fs.mkdirSync(kubeletDir, { recursive: true });
        const kubeletConfigPath = path.join(d, "kubelet-config.yaml");
        fs.writeFileSync(
            kubeletConfigPath,
            JSON.stringify(
                kubeletConfig({
                    socket,
                    clientCaPath: o.clientCaPath,
                    podLogsDir: path.join(d, "pod-logs"),
                    healthzPort: await freePort(),
                }),
                null,
                2,
            ),
        );
        const kubeletLog = path.join(o.dir, "kubelet.log");
        o.log(`[pods] starting kubelet (node ${NODE_NAME} at ${GATEWAY_IP})`);
        children.kubelet = startProcess(
            o.bins.kubelet,
            [
                `--config=${kubeletConfigPath}`,
                `--kubeconfig=${o.kubeconfigPath}`,
                `--root-dir=${kubeletDir}`,
                `--cert-dir=${path.join(d, "kubelet-pki")}`,
                `--node-ip=${GATEWAY_IP}`,
                `--hostname-override=${NODE_NAME}`,
                "--v=1",
            ],
            kubeletLog,
        );
        const schedulerLog = path.join(o.dir, "kube-scheduler.log");
        o.log("[pods] starting kube-scheduler");
        children["kube-scheduler"] = startProcess(
            o.bins["kube-scheduler"],
            [`--kubeconfig=${o.kubeconfigPath}`, "--leader-elect=false", "--secure-port=0", "--v=1"],
            schedulerLog,
        );
        await waitFor(
            "kubelet (node Ready, not-ready taint lifted)",
            children.kubelet,
            kubeletLog,
            o.deadline,
            async () => {
                const r = await o.apiGet(`/api/v1/nodes/${NODE_NAME}`);
                return r.status === 200 && nodeReady(r.body);
            },
        );
        // Ready means scheduled pods would start; without the scheduler none would be.
        const scheduler = children["kube-scheduler"];
        if (scheduler.exitCode !== null || scheduler.signalCode !== null)
            throw new ControlPlaneError(
                `kube-scheduler exited; log: ${schedulerLog}\n${tail(schedulerLog)}`,
                schedulerLog,
            );
        o.log(`[pods] node ${NODE_NAME} is Ready`);
        return {
            images: { delegateStandIn: standIn.name, pause: pause.name },
            pids: () =>
                Object.fromEntries(
                    Object.entries(children)
                        .filter(([, c]) => c?.pid && c.exitCode === null)
                        .map(([k, c]) => [k, c!.pid!]),
                ),
            stop,
        };
    } catch (e) {
        await stop().catch(() => undefined);
        throw e;
    }
}
