// The network of the local cluster's pods: one Linux bridge the project owns, with no way off the
// machine. Pods get an address of POD_SUBNET on the bridge and two routes only: the bridge subnet
// itself and SERVICE_SUBNET through the gateway (the host). No default route and no masquerading,
// so nothing a pod sends can leave the machine; the host answers on the gateway address, and on
// the `kubernetes` Service's ClusterIP, through forwarders to its 127.0.0.1 servers (the job
// kube-proxy does elsewhere). Node built-ins only: the Harness stand-in imports the addresses.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";

/** The project's bridge; one per machine, so one cluster with pods at a time. */
export const BRIDGE = "pkc0";
/** The pods' subnet, on the bridge. */
export const POD_SUBNET = "10.231.0.0/24";
/** The bridge's own address: the pods' gateway, the node's address (kubelet --node-ip), where the host serves pods. */
export const GATEWAY_IP = "10.231.0.1";
/**
 * kube-apiserver's --service-cluster-ip-range: a subnet apart from the pods' (so that no ClusterIP
 * is ever a pod's address) whose first address, the `kubernetes` Service's ClusterIP, is put on the
 * bridge too; pods reach it through the gateway by a route the CNI IPAM gives them.
 */
export const SERVICE_SUBNET = "10.231.1.0/24";
/** The `kubernetes` Service's ClusterIP (the first address of SERVICE_SUBNET); the host forwards its 443 to the API server. */
export const KUBERNETES_SERVICE_IP = "10.231.1.1";
/** The CNI network's name (the conflist's `name`). */
export const CNI_NETWORK = "pkc";

/** Raised when the pods' network cannot be set up; says what to do. */
export class PodNetworkError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PodNetworkError";
    }
}

function ip(args: string[]): { ok: boolean; out: string } {
    const r = spawnSync("ip", args, { encoding: "utf8" });
    return { ok: !r.error && r.status === 0, out: (r.error?.message ?? `${r.stdout}${r.stderr}`).trim() };
}

/** Whether the project's bridge exists (another cluster with pods runs, or one was not stopped). */
export function bridgeExists(): boolean {
    return ip(["link", "show", "dev", BRIDGE]).ok;
}

/** Throws {@link PodNetworkError} when the bridge exists: only one cluster with pods runs per machine. */
export function assertBridgeFree(): void {
    if (bridgeExists())
        throw new PodNetworkError(
            `the bridge ${BRIDGE} exists: another local cluster with pods is running on this machine (only one at a time), or one was not stopped; stop it, or remove the bridge with \`ip link del ${BRIDGE}\``,
        );
}

/** Creates the bridge with the gateway address and the `kubernetes` ClusterIP (after {@link assertBridgeFree}). */
export function createBridge(): void {
    assertBridgeFree();
    const steps = [
        ["link", "add", BRIDGE, "type", "bridge"],
        ["addr", "add", `${GATEWAY_IP}/24`, "dev", BRIDGE],
        ["addr", "add", `${KUBERNETES_SERVICE_IP}/32`, "dev", BRIDGE],
        ["link", "set", BRIDGE, "up"],
    ];
    for (const args of steps) {
        const r = ip(args);
        if (!r.ok) {
            removeBridge();
            throw new PodNetworkError(
                `\`ip ${args.join(" ")}\` failed (${r.out}): creating the pods' bridge needs root (CAP_NET_ADMIN)`,
            );
        }
    }
}

/** Removes the bridge (its veths go with their pods' network namespaces); nothing when it is absent. */
export function removeBridge(): void {
    if (bridgeExists()) ip(["link", "del", BRIDGE]);
}

/**
 * The CNI configuration list containerd gives every pod: the bridge plugin on {@link BRIDGE}
 * (which the project made: isGateway false, so the plugin neither assigns it nor turns on the
 * host's IP forwarding), no masquerading, and host-local IPAM with its leases under `ipamDir`
 * (not /var/lib/cni) and only the routes named here: no default route.
 */
export function cniConfList(ipamDir: string): object {
    return {
        cniVersion: "0.4.0",
        name: CNI_NETWORK,
        plugins: [
            {
                type: "bridge",
                bridge: BRIDGE,
                isGateway: false,
                isDefaultGateway: false,
                ipMasq: false,
                hairpinMode: false,
                ipam: {
                    type: "host-local",
                    dataDir: ipamDir,
                    ranges: [
                        [
                            {
                                subnet: POD_SUBNET,
                                rangeStart: "10.231.0.10",
                                rangeEnd: "10.231.0.250",
                                gateway: GATEWAY_IP,
                            },
                        ],
                    ],
                    routes: [{ dst: SERVICE_SUBNET, gw: GATEWAY_IP }],
                },
            },
        ],
    };
}

/** Writes {@link cniConfList} into `confDir` (containerd's cni.conf_dir). */
export function writeCniConfig(confDir: string, ipamDir: string): void {
    fs.mkdirSync(confDir, { recursive: true });
    fs.writeFileSync(path.join(confDir, `10-${CNI_NETWORK}.conflist`), JSON.stringify(cniConfList(ipamDir), null, 2));
}

/** A TCP forwarder from a host address to a 127.0.0.1 port. */
export interface Forwarder {
    /** The address it listens on. */
    host: string;
    port: number;
    /** Stops listening and drops the open connections. Safe to call twice. */
    close(): Promise<void>;
}

/**
 * Listens on `host:port` (the project's bridge addresses only) and pipes each connection to
 * `127.0.0.1:targetPort`, bytes as they are (TLS passes through: the server's certificate must name
 * `host`).
 */
export async function forwardPort(host: string, port: number, targetPort: number): Promise<Forwarder> {
    if (host !== GATEWAY_IP && host !== KUBERNETES_SERVICE_IP)
        throw new PodNetworkError(`forwardPort listens on the project's bridge addresses only, not ${host}`);
    const sockets = new Set<net.Socket>();
    const server = net.createServer((inbound) => {
        const outbound = net.connect(targetPort, "127.0.0.1");
        for (const s of [inbound, outbound]) {
            sockets.add(s);
            s.once("close", () => sockets.delete(s));
        }
        inbound.pipe(outbound).pipe(inbound);
        inbound.on("error", () => outbound.destroy());
        outbound.on("error", () => inbound.destroy());
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", (e: NodeJS.ErrnoException) =>
            reject(
                new PodNetworkError(
                    `cannot listen on ${host}:${port} to forward to 127.0.0.1:${targetPort}: ${e.code} ${e.message}`,
                ),
            ),
        );
        server.listen(port, host, () => resolve());
    });
    let closed: Promise<void> | undefined;
    return {
        host,
        port: (server.address() as net.AddressInfo).port,
        close: () => {
            closed ??= new Promise<void>((resolve) => {
                server.close(() => resolve());
                for (const s of sockets) s.destroy();
            });
            return closed;
        },
    };
}
