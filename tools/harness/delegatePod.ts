// The process of the DELEGATE STAND-IN image (tools/pods/images.ts): a TEST STAND-IN for Harness's
// delegate (harness/delegate), NOT Harness's delegate. It runs in a real container of the local
// cluster's pods and does what the delegate process does that this project depends on, as a
// process does it: reads its environment once at start, trusts the system's CAs plus the PEM files
// of /opt/harness-delegate/ca-bundle/ only (the one directory the delegate's start script loads
// certificates from; the chart's `delegateCustomCa` mounts a Secret there), heartbeats to the
// Harness stand-in's stand-in-only endpoint with its token and its in-cluster credential, answers
// the chart's probes on 3460, exits 1 when the manager refuses it (its container restarts) and 0
// on SIGTERM. It runs no tasks. Node built-ins only: the image holds no npm package.
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { commaList } from "./commaList";

/** The one directory Harness's delegate start script loads extra CA certificates from. */
export const CA_BUNDLE_DIR = "/opt/harness-delegate/ca-bundle";
/** Where the kubelet mounts the pod's ServiceAccount token, its CA and namespace. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/** The stand-in-only heartbeat path (tools/harness/server.ts HEARTBEAT_PATH; not imported: that module pulls npm packages). */
const HEARTBEAT_PATH = "/standin/delegate/heartbeat";
/** The chart's probe port (startup and liveness probes GET /api/health) and the delegate's other port. */
export const HEALTH_PORT = 3460;
const APP_PORT = 8080;
const HEARTBEAT_EVERY_MS = 1000;
const HEARTBEAT_TIMEOUT_MS = 5000;

const REQUIRED_ENV = ["ACCOUNT_ID", "MANAGER_HOST_AND_PORT", "DELEGATE_NAME", "DELEGATE_TOKEN"] as const;

/** The delegate's settings, read from the environment once, at start (a container's env is fixed). */
interface Settings {
    accountId: string;
    manager: URL;
    delegateName: string;
    token: string;
    tags: string[];
    description?: string;
    delegateType?: string;
    namespace?: string;
    hostName: string;
}

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} delegate-standin: ${line}\n`);

/** Reads the settings, or exits 1 naming what is missing. */
function readSettings(env: NodeJS.ProcessEnv): Settings {
    const missing = REQUIRED_ENV.filter((k) => !env[k]);
    if (missing.length) {
        log(`cannot start: ${missing.join(", ")} missing from the environment`);
        process.exit(1);
    }
    let manager: URL | undefined;
    try {
        manager = new URL(env.MANAGER_HOST_AND_PORT!);
    } catch {
        /* reported below */
    }
    if (manager?.protocol !== "https:") {
        log(`cannot start: MANAGER_HOST_AND_PORT is not an https URL: ${env.MANAGER_HOST_AND_PORT}`);
        process.exit(1);
    }
    return {
        accountId: env.ACCOUNT_ID!,
        manager,
        delegateName: env.DELEGATE_NAME!,
        token: env.DELEGATE_TOKEN!,
        tags: commaList(env.DELEGATE_TAGS ?? ""),
        description: env.DELEGATE_DESCRIPTION,
        delegateType: env.DELEGATE_TYPE,
        namespace: readOptional(path.join(SERVICE_ACCOUNT_DIR, "namespace")) ?? env.DELEGATE_NAMESPACE,
        hostName: env.HOSTNAME || os.hostname(),
    };
}

function readOptional(file: string): string | undefined {
    try {
        return fs.readFileSync(file, "utf8").trim();
    } catch {
        return undefined;
    }
}

/**
 * The CAs trusted for HTTPS: Node's bundled roots (the system's) and the PEM files of
 * {@link CA_BUNDLE_DIR}. Given explicitly, so NODE_EXTRA_CA_CERTS in the environment adds nothing.
 */
function trustedCas(): { cas: string[]; files: string[] } {
    const files: string[] = [];
    const cas: string[] = [...tls.rootCertificates];
    let names: string[] = [];
    try {
        names = fs.readdirSync(CA_BUNDLE_DIR);
    } catch {
        return { cas, files };
    }
    // A Secret volume also holds `..data` and a timestamped folder: the keys are the plain names.
    for (const name of names.filter((n) => !n.startsWith("..")).sort()) {
        const file = path.join(CA_BUNDLE_DIR, name);
        const text = readOptional(file);
        if (!text?.includes("-----BEGIN CERTIFICATE-----")) continue;
        cas.push(text);
        files.push(name);
    }
    return { cas, files };
}

/** The ServiceAccount's name from its token's claims (`sub` = system:serviceaccount:<ns>:<name>); not verified, only reported. */
function serviceAccountOf(token: string): string | undefined {
    try {
        const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")) as { sub?: string };
        return claims.sub?.split(":")[3];
    } catch {
        return undefined;
    }
}

/**
 * The credential an InheritFromDelegate connector uses, as the delegate's in-cluster config builds
 * it: the mounted token (read again each time: the kubelet rotates it), its CA, and the API server
 * at the `kubernetes` Service's address from the environment the kubelet gives every container.
 */
function inClusterCredential(): { masterUrl: string; token: string; caCertPem?: string } | undefined {
    const token = readOptional(path.join(SERVICE_ACCOUNT_DIR, "token"));
    const host = process.env.KUBERNETES_SERVICE_HOST;
    const port = process.env.KUBERNETES_SERVICE_PORT;
    if (!token || !host || !port) return undefined;
    const h = host.includes(":") ? `[${host}]` : host;
    return {
        masterUrl: `https://${h}:${port}`,
        token,
        caCertPem: readOptional(path.join(SERVICE_ACCOUNT_DIR, "ca.crt")),
    };
}

/** How one heartbeat ended. */
type Outcome =
    | { kind: "accepted" }
    | { kind: "refused"; status: number; why: string }
    | { kind: "unreachable"; why: string };

/** Error codes Node gives a TLS peer whose certificate is not trusted or does not match. */
const CERT_ERRORS = new Set([
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "SELF_SIGNED_CERT_IN_CHAIN",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "CERT_HAS_EXPIRED",
    "ERR_TLS_CERT_ALTNAME_INVALID",
]);

function heartbeat(s: Settings, agent: https.Agent): Promise<Outcome> {
    const credential = inClusterCredential();
    const body = JSON.stringify({
        accountId: s.accountId,
        token: s.token,
        delegateName: s.delegateName,
        hostName: s.hostName,
        tags: s.tags,
        description: s.description,
        delegateType: s.delegateType,
        namespace: s.namespace,
        serviceAccount: credential ? serviceAccountOf(credential.token) : undefined,
        inheritCredential: credential,
    });
    return new Promise((resolve) => {
        const req = https.request(
            new URL(HEARTBEAT_PATH, s.manager),
            {
                method: "POST",
                agent,
                timeout: HEARTBEAT_TIMEOUT_MS,
                headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
            },
            (res) => {
                let text = "";
                res.setEncoding("utf8");
                res.on("data", (c) => (text += c));
                res.on("end", () => {
                    const status = res.statusCode ?? 0;
                    if (status >= 200 && status < 300) return resolve({ kind: "accepted" });
                    let why = text.slice(0, 300);
                    try {
                        const answer = JSON.parse(text) as { code?: string; message?: string };
                        why = `${answer.code ?? ""}: ${answer.message ?? ""}`;
                    } catch {
                        /* not JSON: the raw text */
                    }
                    // A 5xx is the manager's trouble: retry. A 4xx is about this delegate (its token, its account).
                    resolve(
                        status >= 500
                            ? { kind: "unreachable", why: `HTTP ${status} ${why}` }
                            : { kind: "refused", status, why },
                    );
                });
            },
        );
        req.on("timeout", () => req.destroy(new Error(`no answer in ${HEARTBEAT_TIMEOUT_MS} ms`)));
        req.on("error", (e: NodeJS.ErrnoException) => {
            const cert = e.code && CERT_ERRORS.has(e.code);
            resolve({
                kind: "unreachable",
                why: cert
                    ? `TLS certificate of ${s.manager.host} not trusted: ${e.code} ${e.message}`
                    : `${e.code ?? ""} ${e.message}`.trim(),
            });
        });
        req.end(body);
    });
}

/** The pod's own addresses: loopback and its one bridge address (the pod's network namespace holds nothing else). */
function podAddresses(): string[] {
    const found = Object.values(os.networkInterfaces())
        .flat()
        .filter((a): a is os.NetworkInterfaceInfo => !!a && a.family === "IPv4")
        .map((a) => a.address);
    return [...new Set(["127.0.0.1", ...found])];
}

function listen(port: number, handler: http.RequestListener): http.Server[] {
    return podAddresses().map((address) => http.createServer(handler).listen(port, address));
}

function main(): void {
    const settings = readSettings(process.env);
    const { cas, files } = trustedCas();
    const agent = new https.Agent({ ca: cas, keepAlive: true });
    log(
        `started: delegate ${settings.delegateName} on ${settings.hostName}, manager ${settings.manager.origin}, trusting the system's CAs${files.length ? ` and ${CA_BUNDLE_DIR}/{${files.join(",")}}` : ` only (no PEM file in ${CA_BUNDLE_DIR})`}`,
    );
    const servers = [
        ...listen(HEALTH_PORT, (req, res) => {
            const ok = req.url === "/api/health";
            res.writeHead(ok ? 200 : 404, { "content-type": "application/json" });
            res.end(JSON.stringify(ok ? { status: "ok" } : { status: "not found" }));
        }),
        ...listen(APP_PORT, (_req, res) => {
            res.writeHead(200, { "content-type": "text/plain" });
            res.end("delegate stand-in: a TEST STAND-IN for harness/delegate, not Harness's delegate\n");
        }),
    ];

    let stopping = false;
    let timer: NodeJS.Timeout | undefined;
    let state = "";
    const stateChange = (next: string) => {
        if (next !== state) log(next);
        state = next;
    };
    const beat = async () => {
        const outcome = await heartbeat(settings, agent);
        if (stopping) return;
        if (outcome.kind === "refused") {
            log(`the manager refused the delegate (HTTP ${outcome.status} ${outcome.why}): exiting`);
            process.exit(1);
        }
        stateChange(
            outcome.kind === "accepted"
                ? "connected: heartbeat accepted"
                : `heartbeat failed, retrying: ${outcome.why}`,
        );
        timer = setTimeout(loop, HEARTBEAT_EVERY_MS);
    };
    // An error of the stand-in itself (not of the manager or the network) ends the process, as a crash would.
    const loop = () =>
        void beat().catch((e: Error) => {
            log(`heartbeat loop failed: ${e.message}: exiting`);
            process.exit(1);
        });
    loop();

    const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        clearTimeout(timer);
        log(`${signal}: stopping heartbeats and exiting`);
        for (const s of servers) s.close();
        agent.destroy();
        process.exit(0);
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
}

if (require.main === module) main();
