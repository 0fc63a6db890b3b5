// Exec credential plugins (EKS, GKE, AKS, kubelogin…), run here rather than by the client library,
// the way client-go runs them: bounded by the deadline (the plugin's whole process group is killed
// when it passes), and every way a plugin can fail named with its command, never with its
// arguments or environment, which often hold secrets.
import { spawn } from "node:child_process";
import { ConnectorError, connectorError } from "../errors";

/** A kubeconfig user's `exec` entry (as @kubernetes/client-node parses it). */
export interface ExecConfig {
    command: string;
    args?: string[];
    env?: { name: string; value: string }[] | null;
    apiVersion?: string;
    provideClusterInfo?: boolean;
}

/** What the plugin's ExecCredential gave: a token, or a client certificate and key. */
export interface ExecCredentialStatus {
    token?: string;
    clientCertificateData?: string;
    clientKeyData?: string;
    expirationTimestamp?: string;
}

/** The cluster a plugin is asked to authenticate to (KUBERNETES_EXEC_INFO, when it asks for it). */
export interface ExecCluster {
    server: string;
    certificateAuthorityData?: string;
}

/** CREDENTIAL_LOAD_FAILED: `facts` say what to fix in this case, before the code's advice. */
const loadFailed = (what: string, facts: string) => connectorError("CREDENTIAL_LOAD_FAILED", what, { facts });

/** The words a message uses for the plugin: its command as the kubeconfig gives it, nothing else. */
const nameOf = (exec: ExecConfig) => `the exec credential plugin "${exec.command}"`;

/** Runs the plugin and returns its credential; throws TIMEOUT past `timeoutMs`, CREDENTIAL_LOAD_FAILED for every other failure. */
export async function runExecPlugin(
    exec: ExecConfig,
    cluster: ExecCluster,
    timeoutMs: number,
): Promise<ExecCredentialStatus> {
    const apiVersion = exec.apiVersion ?? "client.authentication.k8s.io/v1";
    const info = {
        apiVersion,
        kind: "ExecCredential",
        spec: {
            interactive: false,
            ...(exec.provideClusterInfo
                ? {
                      cluster: {
                          server: cluster.server,
                          "certificate-authority-data": cluster.certificateAuthorityData,
                      },
                  }
                : {}),
        },
    };
    const env = {
        ...process.env,
        ...Object.fromEntries((exec.env ?? []).map((e) => [e.name, e.value])),
        KUBERNETES_EXEC_INFO: JSON.stringify(info),
    };
    const { stdout, stderr, code, signal } = await runBounded(exec, env, timeoutMs);
    if (code !== 0) {
        const said = stderr.trim().split("\n").at(-1)?.slice(0, 200);
        throw loadFailed(
            `${nameOf(exec)} exited with ${signal ? `signal ${signal}` : `status ${code}`}${said ? ` (it said: ${said})` : ""}`,
            "Run the plugin by hand to see why (is it logged in, are its cloud credentials valid?)",
        );
    }
    let parsed: { kind?: string; status?: ExecCredentialStatus } | undefined;
    try {
        parsed = JSON.parse(stdout);
    } catch {
        parsed = undefined;
    }
    const status = parsed?.kind === "ExecCredential" ? parsed.status : undefined;
    if (!status || !(status.token || (status.clientCertificateData && status.clientKeyData))) {
        throw loadFailed(
            `${nameOf(exec)} printed something that is not an ExecCredential with a token or a client certificate and key`,
            `Check that the plugin is a Kubernetes credential plugin that speaks ${apiVersion}, and that the kubeconfig's exec entry calls it with the right arguments`,
        );
    }
    if (status.expirationTimestamp && !(Date.parse(status.expirationTimestamp) > Date.now())) {
        throw loadFailed(
            `${nameOf(exec)} printed an ExecCredential that expired at ${status.expirationTimestamp}`,
            "Log the plugin in again (or refresh its cache), then retry",
        );
    }
    return status;
}

interface Finished {
    stdout: string;
    stderr: string;
    code: number | null;
    signal: NodeJS.Signals | null;
}

/** Runs the plugin in its own process group, which is killed when the deadline passes. */
function runBounded(exec: ExecConfig, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Finished> {
    return new Promise((resolve, reject) => {
        let stdout = "";
        let stderr = "";
        let timedOut = false;
        const child = spawn(exec.command, exec.args ?? [], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
        const killGroup = () => {
            try {
                if (child.pid) process.kill(-child.pid, "SIGKILL");
            } catch {
                // already gone
            }
        };
        const timer = setTimeout(() => {
            timedOut = true;
            killGroup();
        }, timeoutMs);
        child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
        child.once("error", (e: NodeJS.ErrnoException) => {
            clearTimeout(timer);
            reject(
                e.code === "ENOENT" || e.code === "EACCES"
                    ? loadFailed(
                          `${nameOf(exec)} ${e.code === "ENOENT" ? "was not found" : "may not be run"} (${e.code})`,
                          "Install the plugin on the machine that runs Pulumi and put it on PATH (or give its full path in the kubeconfig)",
                      )
                    : loadFailed(
                          `${nameOf(exec)} could not be started (${e.code ?? e.message})`,
                          "Check the kubeconfig's exec entry",
                      ),
            );
        });
        child.once("close", (code, signal) => {
            clearTimeout(timer);
            // Whatever the plugin started and left behind goes with it.
            killGroup();
            if (timedOut) {
                reject(
                    connectorError(
                        "TIMEOUT",
                        `${nameOf(exec)} gave no credential within ${Math.round(timeoutMs / 1000)} s and was stopped`,
                        { facts: "The plugin may be waiting for a login or a network it cannot reach" },
                    ),
                );
                return;
            }
            resolve({ stdout, stderr, code, signal });
        });
    });
}
