// Credentials that fail before any request, against a real control plane: exec plugins as real
// scripts (hanging, missing, failing, printing the wrong thing or an expired credential) and
// kubeconfigs naming files that are missing. Each ends within its deadline with a code, a message
// naming the command or the file (never the plugin's arguments or environment), and nothing left
// running.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { type ConnectorInputs, testConnection } from "../sdk";
import { repoRoot } from "../tools/binaries";
import { type ControlPlane, startControlPlane } from "../tools/controlPlane";
import { adminClients, createServiceAccountWithToken, type TestServiceAccount } from "../tools/identities";
import { createTestStack } from "../tools/pulumiHarness";

const SECRET_ARG = "--password=hunter2-arg";
const SECRET_ENV = "hunter2-env-value";

/** Whether a process is still running (a zombie, killed and not yet reaped by init, is not). */
function alive(pid: number): boolean {
    try {
        const state = fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "")[0];
        return state !== "Z" && state !== "X";
    } catch {
        return false;
    }
}

describe("credential failures (exec plugins as real scripts, files really missing)", () => {
    let cp: ControlPlane;
    let sa: TestServiceAccount;
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-cred-"));

    before(async () => {
        cp = await startControlPlane();
        sa = await createServiceAccountWithToken(adminClients(cp), "ci", "exec-user");
    });
    after(async () => {
        await cp?.stop();
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    /** A kubeconfig whose user runs `command` (with a secret argument and environment variable). */
    function execKubeconfig(command: string): string {
        return [
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: local",
            "  cluster:",
            `    server: ${cp.server}`,
            `    certificate-authority-data: ${Buffer.from(cp.ca.certPem).toString("base64")}`,
            "users:",
            "- name: exec-user",
            "  user:",
            "    exec:",
            "      apiVersion: client.authentication.k8s.io/v1",
            `      command: ${command}`,
            `      args: ["${SECRET_ARG}"]`,
            "      env:",
            "      - name: PLUGIN_SECRET",
            `        value: ${SECRET_ENV}`,
            "      interactiveMode: Never",
            "contexts:",
            "- name: exec",
            "  context:",
            "    cluster: local",
            "    user: exec-user",
            "current-context: exec",
            "",
        ].join("\n");
    }

    function plugin(name: string, body: string): string {
        const file = path.join(scratch, name);
        fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
        return file;
    }

    const connector = (kubeconfig: string, timeoutSeconds = 10): ConnectorInputs => ({
        name: "exec connector",
        credential: { type: "Kubeconfig", kubeconfig },
        connectionTest: { timeoutSeconds },
    });

    /** Asserts testConnection rejects with `code` and each pattern, holding no secret; returns the message. */
    async function rejectsWith(inputs: ConnectorInputs, code: string, ...patterns: RegExp[]): Promise<string> {
        let message = "";
        await assert.rejects(testConnection(inputs), (e: any) => {
            message = e.message;
            assert.equal(e.name, "ConnectorError", e.message);
            assert.equal(e.code, code, e.message);
            for (const p of patterns) assert.match(e.message, p);
            return true;
        });
        for (const secret of [SECRET_ARG, "hunter2", SECRET_ENV])
            assert.ok(!message.includes(secret), `no argument or environment in: ${message}`);
        return message;
    }

    it("a plugin that prints a token works, and sees its env", async () => {
        const ok = plugin(
            "ok.sh",
            `[ "$PLUGIN_SECRET" = "${SECRET_ENV}" ] || exit 9\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${sa.token}"}}'`,
        );
        const report = await testConnection({
            ...connector(execKubeconfig(ok)),
            connectionTest: { skipDefaultNamespaceValidation: true },
        });
        assert.equal(report.status, "SKIPPED");
        assert.ok(report.serverVersion);
    });

    it("a plugin that hangs is killed at timeoutSeconds (TIMEOUT naming the command), with its children", async () => {
        const pids = path.join(scratch, "hang.pids");
        const hang = plugin("hang.sh", `sleep 60 &\necho "$$ $!" > ${pids}\nwait`);
        const started = Date.now();
        await rejectsWith(
            connector(execKubeconfig(hang), 3),
            "TIMEOUT",
            new RegExp(`the exec credential plugin "${hang}" gave no credential within 3 s and was stopped`),
            /timeoutSeconds/,
        );
        const elapsed = Date.now() - started;
        assert.ok(elapsed < 3_000 + 1_000, `ended within the deadline plus 1 s (took ${elapsed} ms)`);
        const [shell, sleeper] = fs.readFileSync(pids, "utf8").trim().split(" ").map(Number);
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(alive(shell), false, "the plugin is gone");
        assert.equal(alive(sleeper), false, "the plugin's child is gone");
    });

    it("a plugin command that does not exist → CREDENTIAL_LOAD_FAILED naming it", async () => {
        const missing = path.join(scratch, "no-such-plugin");
        await rejectsWith(
            connector(execKubeconfig(missing)),
            "CREDENTIAL_LOAD_FAILED",
            new RegExp(`the exec credential plugin "${missing}" was not found \\(ENOENT\\)`),
            /put it on PATH/,
        );
    });

    it("a plugin that exits non-zero → CREDENTIAL_LOAD_FAILED with its status and last words", async () => {
        const failing = plugin("fail.sh", `echo "error: not logged in" >&2\nexit 3`);
        await rejectsWith(
            connector(execKubeconfig(failing)),
            "CREDENTIAL_LOAD_FAILED",
            /exited with status 3 \(it said: error: not logged in\)/,
            /Run the plugin by hand/,
        );
    });

    it("a plugin that prints something else → CREDENTIAL_LOAD_FAILED", async () => {
        const chatty = plugin("chatty.sh", `echo "hello, I am not JSON"`);
        await rejectsWith(
            connector(execKubeconfig(chatty)),
            "CREDENTIAL_LOAD_FAILED",
            /printed something that is not an ExecCredential/,
        );
        const empty = plugin(
            "empty.sh",
            `echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}}'`,
        );
        await rejectsWith(
            connector(execKubeconfig(empty)),
            "CREDENTIAL_LOAD_FAILED",
            /printed something that is not an ExecCredential with a token/,
        );
    });

    it("a plugin that prints an expired credential → CREDENTIAL_LOAD_FAILED naming when it expired", async () => {
        const stale = plugin(
            "stale.sh",
            `echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${sa.token}","expirationTimestamp":"2020-01-01T00:00:00Z"}}'`,
        );
        await rejectsWith(
            connector(execKubeconfig(stale)),
            "CREDENTIAL_LOAD_FAILED",
            /printed an ExecCredential that expired at 2020-01-01T00:00:00Z/,
            /Log the plugin in again/,
        );
    });

    for (const [field, entry] of [
        ["certificate-authority", "cluster"],
        ["client-certificate", "user"],
        ["client-key", "user"],
    ] as const) {
        it(`a kubeconfig whose ${field} file is missing → CREDENTIAL_LOAD_FAILED naming the file`, async () => {
            const missing = path.join(scratch, `missing-${field}.pem`);
            const cluster =
                entry === "cluster"
                    ? [`    ${field}: ${missing}`]
                    : [`    certificate-authority-data: ${Buffer.from(cp.ca.certPem).toString("base64")}`];
            const user =
                entry === "user"
                    ? [
                          `    ${field}: ${missing}`,
                          `    ${field === "client-key" ? "client-certificate" : "client-key"}-data: ${Buffer.from("x").toString("base64")}`,
                      ]
                    : [`    token: ${sa.token}`];
            const doc = [
                "apiVersion: v1",
                "kind: Config",
                "clusters:",
                "- name: local",
                "  cluster:",
                `    server: ${cp.server}`,
                ...cluster,
                "users:",
                "- name: u",
                "  user:",
                ...user,
                "contexts:",
                "- name: c",
                "  context:",
                "    cluster: local",
                "    user: u",
                "current-context: c",
                "",
            ].join("\n");
            await rejectsWith(
                connector(doc),
                "CREDENTIAL_LOAD_FAILED",
                new RegExp(`the ${field} file ${missing} does not exist`),
                new RegExp(`Fix ${field} in the kubeconfig`),
            );
        });
    }

    it("a gcp auth-provider (a helper run with no deadline; removed in Kubernetes 1.26) is refused at once, naming its replacement", async () => {
        const doc = [
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: local",
            "  cluster:",
            `    server: ${cp.server}`,
            "users:",
            "- name: u",
            "  user:",
            "    auth-provider:",
            "      name: gcp",
            "      config:",
            "        cmd-path: /bin/sleep",
            '        cmd-args: "60"',
            "contexts:",
            "- name: c",
            "  context:",
            "    cluster: local",
            "    user: u",
            "current-context: c",
            "",
        ].join("\n");
        const started = Date.now();
        await rejectsWith(
            connector(doc),
            "CREDENTIAL_LOAD_FAILED",
            /the "gcp" auth-provider, which Kubernetes removed in 1\.26/,
            /gke-gcloud-auth-plugin/,
        );
        assert.ok(Date.now() - started < 5_000, "refused without running the helper");
    });

    it("a kubeconfig file path that is a folder → CREDENTIAL_LOAD_FAILED (cannot be read)", async () => {
        const doc = [
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: local",
            "  cluster:",
            `    server: ${cp.server}`,
            `    certificate-authority: ${scratch}`,
            "users:",
            "- name: u",
            "  user:",
            `    token: ${sa.token}`,
            "contexts:",
            "- name: c",
            "  context:",
            "    cluster: local",
            "    user: u",
            "current-context: c",
            "",
        ].join("\n");
        await rejectsWith(
            connector(doc),
            "CREDENTIAL_LOAD_FAILED",
            new RegExp(`the certificate-authority file ${scratch} cannot be read \\(EISDIR\\)`),
        );
    });

    it("pulumi up with a hanging plugin fails with TIMEOUT within the deadline plus the engine's own time, leaving no process", async () => {
        const pids = path.join(scratch, "up-hang.pids");
        const hang = plugin("up-hang.sh", `sleep 60 &\necho "$$ $!" > ${pids}\nwait`);
        const spec = { name: "hanging plugin", connectionTest: { timeoutSeconds: 3 } };
        const t = await createTestStack({
            programDir: path.join(repoRoot(), "test", "fixtures", "delegate"),
            config: {
                spec: { value: JSON.stringify(spec) },
                kubeconfig: { value: execKubeconfig(hang), secret: true },
            },
        });
        try {
            const started = Date.now();
            let message = "";
            await assert.rejects(t.up(), (e: Error) => {
                message = e.message;
                return true;
            });
            const elapsed = Date.now() - started;
            assert.match(
                message,
                /\[TIMEOUT\] the exec credential plugin ".*up-hang\.sh" gave no credential within 3 s/,
            );
            assert.ok(!message.includes(SECRET_ENV) && !message.includes(SECRET_ARG));
            // The engine itself takes a few seconds to start the program and the provider: 3 s + 10 s.
            assert.ok(elapsed < 3_000 + 10_000, `pulumi up ended within 13 s (took ${elapsed} ms)`);
            const [shell, sleeper] = fs.readFileSync(pids, "utf8").trim().split(" ").map(Number);
            assert.equal(alive(shell) || alive(sleeper), false, "no plugin process is left");
        } finally {
            await t.dispose();
        }
    });

    describe("expiry", () => {
        /** A stack of the delegate fixture whose credential is a client certificate valid for `days`, against `masterUrl`. */
        async function certStack(days: number, masterUrl = cp.server) {
            const cert = cp.issueClientCert(`expiring-${days}`, {
                cn: `expiring-${days}`,
                orgs: ["system:masters"],
                days,
            });
            // By default a warning is due when less than 30 days and less than 20 % of the life are left: a
            // fresh 10-day certificate has all its life left, so the share is raised to 100 % here.
            const spec = {
                name: `cert ${days}`,
                connectionTest: { expiryWarningFraction: 1 },
                credential: {
                    type: "ManualConfig",
                    masterUrl,
                    caCert: cp.ca.certPem,
                    auth: { type: "ClientKeyCert", clientCert: cert.certPem, clientKey: cert.keyPem },
                },
            };
            return createTestStack({
                programDir: path.join(repoRoot(), "test", "fixtures", "delegate"),
                config: { spec: { value: JSON.stringify(spec) }, kubeconfig: { value: "unused: true", secret: true } },
            });
        }

        it("a client certificate with 10 days left: preview, up and refresh warn; the report records when it expires", async () => {
            const t = await certStack(10);
            try {
                const printed: string[] = [];
                await t.preview({ onOutput: (s) => printed.push(s) });
                assert.match(
                    printed.join(""),
                    /warning: the connector's client certificate expires in 9 day\(s\) \(at \S+, \d+% of its life left\): renew it before then/,
                );
                const up = await t.up();
                const expiresAt = up.outputs.connectionTest.value.credentialExpiry.expiresAt;
                assert.ok(
                    Math.abs(Date.parse(expiresAt) - (Date.now() + 10 * 86_400_000)) < 120_000,
                    `expires in 10 days: ${expiresAt}`,
                );
                const stored = JSON.parse(await t.exportState()).deployment.resources.find(
                    (r: any) => r.type === "pulumi-nodejs:dynamic:Resource",
                );
                assert.equal(
                    stored.outputs.connectionTest.credentialExpiry,
                    undefined,
                    "state leaves out what the plain-text certificate says (the SDK computes it)",
                );
                const refreshed: string[] = [];
                await t.refresh({ onOutput: (s) => refreshed.push(s) });
                assert.match(refreshed.join(""), /warning: the connector's client certificate expires in 9 day\(s\)/);
                await t.destroy();
            } finally {
                await t.dispose();
            }
        });

        it("an expired client certificate: preview says so, and up fails with CREDENTIAL_EXPIRED before any request", async () => {
            let connections = 0;
            const counter = net
                .createServer((s) => {
                    connections++;
                    s.destroy();
                })
                .listen(0, "127.0.0.1");
            await new Promise((r) => counter.once("listening", r));
            const t = await certStack(-1, `https://127.0.0.1:${(counter.address() as net.AddressInfo).port}`);
            try {
                const printed: string[] = [];
                await t.preview({ onOutput: (s) => printed.push(s) });
                assert.match(
                    printed.join(""),
                    /warning: the connector's client certificate expired at \S+: issue a new one/,
                );
                await assert.rejects(
                    t.up(),
                    /\[CREDENTIAL_EXPIRED\] the connector's client certificate expired at \S+; nothing was sent to the cluster\. Issue a new one/,
                );
                assert.equal(connections, 0, "no request was sent");
            } finally {
                counter.close();
                await t.dispose();
            }
        });
    });
});
