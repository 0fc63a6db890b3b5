// The connection test against a real kube-apiserver: every auth method and every failure class.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { CONTROLLER_KINDS } from "../provider/parts/connectionTest/runConnectionTest";
import { DEPLOYMENTS_RULES } from "../provider/permissions";
import { type ConnectionTestReport, type ConnectorInputs, testConnection } from "../sdk";
import { type ControlPlane, freePort, kubeconfigFor, startControlPlane } from "../tools/controlPlane";
import {
    type AdminClients,
    adminClients,
    createServiceAccountWithToken,
    grantClusterWide,
    grantInNamespace,
    LIST_CONTROLLERS,
    type TestServiceAccount,
} from "../tools/identities";
import { oidcApiserverFlags, startOidcIssuer } from "../tools/oidcIssuer";
import { createCA, issueCert } from "../tools/pki";

function manual(cp: ControlPlane, auth: any, extra: object = {}): ConnectorInputs["credential"] {
    return { type: "ManualConfig", masterUrl: cp.server, caCert: cp.ca.certPem, auth, ...extra };
}

function connector(
    credential: ConnectorInputs["credential"],
    connectionTest: ConnectorInputs["connectionTest"] = {},
): ConnectorInputs {
    return { name: "test connector", credential, connectionTest };
}

/** Asserts the test fails with `code` and a message matching each pattern; returns the message. */
async function failsWith(inputs: ConnectorInputs, code: string, ...patterns: RegExp[]): Promise<string> {
    let message = "";
    await assert.rejects(testConnection(inputs), (e: any) => {
        message = e.message;
        assert.equal(e.name, "ConnectorError", e.message);
        assert.equal(e.code, code, e.message);
        for (const p of patterns) assert.match(e.message, p);
        return true;
    });
    return message;
}

describe("connection test (real kube-apiserver)", () => {
    let cp: ControlPlane;
    let admin: AdminClients;
    let lister: TestServiceAccount;
    let noRights: TestServiceAccount;
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-ct-"));

    before(async () => {
        cp = await startControlPlane();
        admin = adminClients(cp);
        lister = await createServiceAccountWithToken(admin, "ci", "lister");
        await grantInNamespace(admin, lister, "default", LIST_CONTROLLERS);
        noRights = await createServiceAccountWithToken(admin, "ci", "no-rights");
    });
    after(async () => {
        await cp?.stop();
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    describe("auth methods", () => {
        it("ServiceAccount token: lists the controllers in default and reports the server version", async () => {
            const report = await testConnection(connector(manual(cp, { type: "ServiceAccount", token: lister.token })));
            assert.equal(report.status, "SUCCESS");
            assert.equal(report.serverVersion, "v1.35.4");
            assert.deepEqual(
                report.checks.map((c) => `${c.name}:${c.status}`),
                ["GET /version:PASSED", ...CONTROLLER_KINDS.map((k) => `list apps/${k} in default:PASSED`)],
            );
        });

        for (const [label, keyType, passphrase] of [
            ["RSA", "rsa", undefined],
            ["EC", "ec", undefined],
            ["RSA with a passphrase", "rsa", "pass phrase"],
            ["EC with a passphrase", "ec", "ec phrase"],
        ] as const) {
            it(`ClientKeyCert, ${label}`, async () => {
                const user = `cert-${keyType}-${passphrase ? "enc" : "plain"}`;
                const cert = cp.issueClientCert(user, { cn: user, keyType, passphrase });
                await grantClusterWide(
                    admin,
                    { kind: "User", name: user, apiGroup: "rbac.authorization.k8s.io" },
                    `${user}-list`,
                    LIST_CONTROLLERS,
                );
                if (passphrase) assert.match(cert.keyPem, /ENCRYPTED PRIVATE KEY/);
                const report = await testConnection(
                    connector(
                        manual(cp, {
                            type: "ClientKeyCert",
                            clientCert: cert.certPem,
                            clientKey: cert.keyPem,
                            clientKeyPassphrase: passphrase,
                            clientKeyAlgo: keyType === "ec" ? "EC" : "RSA",
                        }),
                    ),
                );
                assert.equal(report.status, "SUCCESS");
            });
        }

        it("Kubeconfig document, with a context chosen by name", async () => {
            const doc = kubeconfigFor(cp.server, cp.ca.certPem, { name: "lister", token: lister.token });
            const report = await testConnection(
                connector({ type: "Kubeconfig", kubeconfig: doc, context: "lister@local" }),
            );
            assert.equal(report.status, "SUCCESS");
            // A context the document does not hold is known without a cluster: refused as bad input.
            await failsWith(
                connector({ type: "Kubeconfig", kubeconfig: doc, context: "nope" }),
                "INVALID_INPUT",
                /credential\.context: "nope" is not a context of credential\.kubeconfig \(it has: lister@local\)/,
            );
        });

        it("InheritFromDelegate: KUBECONFIG of the process, including an exec credential plugin", async () => {
            // An exec plugin, as EKS, GKE and AKS kubeconfigs use: it prints an ExecCredential.
            const plugin = path.join(scratch, "token-plugin.sh");
            fs.writeFileSync(
                plugin,
                `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${lister.token}"}}'\n`,
                { mode: 0o755 },
            );
            const file = path.join(scratch, "exec.kubeconfig");
            fs.writeFileSync(
                file,
                [
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
                    `      command: ${plugin}`,
                    "      interactiveMode: Never",
                    "contexts:",
                    "- name: exec",
                    "  context:",
                    "    cluster: local",
                    "    user: exec-user",
                    "current-context: exec",
                    "",
                ].join("\n"),
            );
            const before = process.env.KUBECONFIG;
            process.env.KUBECONFIG = file;
            try {
                const report = await testConnection(connector({ type: "InheritFromDelegate" }));
                assert.equal(report.status, "SUCCESS");
            } finally {
                if (before === undefined) delete process.env.KUBECONFIG;
                else process.env.KUBECONFIG = before;
            }
        });

        it("UsernamePassword: the server ignores basic auth (anonymous allowed here), explained", async () => {
            const message = await failsWith(
                connector(manual(cp, { type: "UsernamePassword", username: "admin", password: "hunter2-password" })),
                "BASIC_AUTH_REJECTED",
                /treated list apps\/deployments in default as anonymous/,
                /removed from kube-apiserver in Kubernetes 1\.19/,
                /User "system:anonymous"/,
            );
            assert.ok(!message.includes("hunter2-password"));
        });
    });

    describe("failure classes", () => {
        it("unreachable: nothing listens on the port", async () => {
            const port = await freePort();
            await failsWith(
                connector({
                    type: "ManualConfig",
                    masterUrl: `https://127.0.0.1:${port}`,
                    caCert: cp.ca.certPem,
                    auth: { type: "ServiceAccount", token: lister.token },
                }),
                "UNREACHABLE",
                /cannot connect to https:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
                /Check the master URL and port/,
            );
        });

        it("timeout: a listener that accepts and never answers, with the deadline from timeoutSeconds", async () => {
            const sockets: net.Socket[] = [];
            const silent = net.createServer((s) => sockets.push(s)).listen(0, "127.0.0.1");
            await new Promise((r) => silent.once("listening", r));
            const port = (silent.address() as net.AddressInfo).port;
            try {
                const started = Date.now();
                await failsWith(
                    connector(
                        {
                            type: "ManualConfig",
                            masterUrl: `https://127.0.0.1:${port}`,
                            auth: { type: "ServiceAccount", token: lister.token },
                        },
                        { timeoutSeconds: 1 },
                    ),
                    "TIMEOUT",
                    /got no answer within 1 s/,
                    /timeoutSeconds/,
                );
                assert.ok(
                    Date.now() - started < 8_000,
                    "the 1 s deadline, not the library's 10 s connect timeout, ended the request",
                );
            } finally {
                for (const s of sockets) s.destroy();
                silent.close();
            }
        });

        it("rate limited: 429 answers (Retry-After: 1) forever end at timeoutSeconds, as RATE_LIMITED", async () => {
            const ca = createCA(scratch, "limited-ca");
            const cert = issueCert(ca, scratch, "limited", { cn: "limited", sans: ["IP:127.0.0.1"] });
            let answered = 0;
            const server = https
                .createServer({ cert: cert.certPem, key: cert.keyPem }, (_q, r) => {
                    answered++;
                    r.writeHead(429, { "content-type": "application/json", "retry-after": "1" }).end(
                        '{"kind":"Status","message":"Too many requests, please try again later.","code":429}',
                    );
                })
                .listen(0, "127.0.0.1");
            await new Promise((r) => server.once("listening", r));
            try {
                const started = Date.now();
                await failsWith(
                    connector(
                        {
                            type: "ManualConfig",
                            masterUrl: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
                            caCert: ca.certPem,
                            auth: { type: "ServiceAccount", token: "x.y.z" },
                        },
                        { timeoutSeconds: 2 },
                    ),
                    "RATE_LIMITED",
                    /GET \/version on https:\/\/127\.0\.0\.1:\d+ kept being answered 429 Too Many Requests \(rate limited\) until the deadline of 2 s/,
                    /Too many requests/,
                    /timeoutSeconds/,
                );
                const elapsed = Date.now() - started;
                // Each Retry-After pause is 1 s: one retry fits in the 2 s deadline, a second would not.
                assert.ok(elapsed < 2_000 + 500, `ended within the deadline plus 0.5 s (took ${elapsed} ms)`);
                assert.ok(answered >= 2, `retried (the server answered ${answered} requests)`);
            } finally {
                server.close();
            }
        });

        it("TLS: a server certificate from an authority not trusted (no caCert)", async () => {
            await failsWith(
                connector({
                    type: "ManualConfig",
                    masterUrl: cp.server,
                    auth: { type: "ServiceAccount", token: lister.token },
                }),
                "TLS_UNKNOWN_AUTHORITY",
                /not trust/,
                /credential\.caCert/,
            );
        });

        it("TLS: the certificate does not hold the server name", async () => {
            await failsWith(
                connector(
                    manual(
                        cp,
                        { type: "ServiceAccount", token: lister.token },
                        { tlsServerName: "kubernetes.invalid" },
                    ),
                ),
                "TLS_NAME_MISMATCH",
                /not valid for that host name/,
                /tlsServerName/,
            );
        });

        it("TLS: an expired server certificate", async () => {
            const ca = createCA(scratch, "expired-ca");
            const cert = issueCert(ca, scratch, "expired", { cn: "expired", sans: ["IP:127.0.0.1"], days: -1 });
            const server = https
                .createServer({ cert: cert.certPem, key: cert.keyPem }, (_q, r) => r.end("{}"))
                .listen(0, "127.0.0.1");
            await new Promise((r) => server.once("listening", r));
            try {
                await failsWith(
                    connector({
                        type: "ManualConfig",
                        masterUrl: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
                        caCert: ca.certPem,
                        auth: { type: "ServiceAccount", token: "x.y.z" },
                    }),
                    "TLS_EXPIRED",
                    /is expired \(CERT_HAS_EXPIRED\)/,
                    /Renew/,
                );
            } finally {
                server.close();
            }
        });

        it("401: a token the server does not accept, and the token is not in the message", async () => {
            const bad = lister.token.slice(0, -6) + "AAAAAA";
            const message = await failsWith(
                connector(manual(cp, { type: "ServiceAccount", token: bad })),
                "UNAUTHORIZED",
                /401 Unauthorized/,
                /issue a new credential/,
            );
            assert.ok(!message.includes(bad));
        });

        it("403 on the default listing: says to grant list or set skipDefaultNamespaceValidation; succeeds with it set", async () => {
            const inputs = connector(manual(cp, { type: "ServiceAccount", token: noRights.token }));
            await failsWith(
                inputs,
                "FORBIDDEN_DEFAULT_NAMESPACE",
                /may not list apps\/deployments in default \(403 Forbidden\)/,
                /skipDefaultNamespaceValidation/,
                /Kubernetes said: deployments\.apps is forbidden: User "system:serviceaccount:ci:no-rights" cannot list resource "deployments"/,
            );
            const report = await testConnection({
                ...inputs,
                connectionTest: { skipDefaultNamespaceValidation: true },
            });
            assert.equal(report.status, "SKIPPED");
            assert.equal(report.checks.find((c) => c.name === "list controllers in default")?.status, "SKIPPED");
        });

        it("403 in connectionTest.namespace, which is validated too", async () => {
            await failsWith(
                connector(manual(cp, { type: "ServiceAccount", token: lister.token }), { namespace: "payments" }),
                "FORBIDDEN_NAMESPACE",
                /may not list apps\/deployments in payments/,
                /connectionTest\.namespace/,
            );
        });

        it("requiredPermissions: deployments lists exactly the missing rights", async () => {
            const partial = await createServiceAccountWithToken(admin, "ci", "partial");
            // Everything the profile needs except delete on pods and patch on deployments.
            const rules = DEPLOYMENTS_RULES.map((r) => ({ ...r, verbs: [...r.verbs] }));
            await grantInNamespace(admin, partial, "default", [
                {
                    apiGroups: [""],
                    resources: ["configmaps", "secrets", "events", "services"],
                    verbs: [...rules[0].verbs],
                },
                { apiGroups: [""], resources: ["pods"], verbs: rules[0].verbs.filter((v) => v !== "delete") },
                {
                    apiGroups: ["apps"],
                    resources: ["replicasets", "statefulsets", "daemonsets"],
                    verbs: [...rules[1].verbs],
                },
                { apiGroups: ["apps"], resources: ["deployments"], verbs: rules[1].verbs.filter((v) => v !== "patch") },
            ]);
            const inputs = connector(manual(cp, { type: "ServiceAccount", token: partial.token }), {
                requiredPermissions: "deployments",
            });
            await failsWith(
                inputs,
                "MISSING_PERMISSIONS",
                /lacks 2 permission\(s\) that the "deployments" profile needs: delete pods in default; patch apps\/deployments in default/,
            );
            await grantInNamespace(
                admin,
                partial,
                "default",
                [
                    { apiGroups: [""], resources: ["pods"], verbs: ["delete"] },
                    { apiGroups: ["apps"], resources: ["deployments"], verbs: ["patch"] },
                ],
                "partial-rest",
            );
            const report = await testConnection(inputs);
            assert.equal(report.status, "SUCCESS");
            assert.match(report.checks.at(-1)!.message!, /63 verbs checked/);
        });
    });
});

describe("connection test with OpenID Connect (kube-apiserver started with --oidc-* flags)", () => {
    let cp: ControlPlane;
    let issuer: Awaited<ReturnType<typeof startOidcIssuer>>;
    before(async () => {
        issuer = await startOidcIssuer({ alice: "alice-password" });
        cp = await startControlPlane({
            // Anonymous requests refused, as on most managed clusters: bad credentials get a real 401.
            apiserverFlags: ["--anonymous-auth=false", ...oidcApiserverFlags(issuer)],
        });
        await grantClusterWide(
            adminClients(cp),
            { kind: "User", name: "oidc:alice", apiGroup: "rbac.authorization.k8s.io" },
            "alice-list",
            LIST_CONTROLLERS,
        );
    });
    after(async () => {
        await cp?.stop();
        await issuer?.stop();
    });

    const oidc = (password: string) => ({
        type: "OpenIdConnect",
        issuerUrl: issuer.url,
        issuerCaCert: issuer.ca.certPem,
        clientId: issuer.clientId,
        username: "alice",
        password,
    });

    it("runs the password grant and authenticates with the id_token", async () => {
        // The API server loads the issuer's keys in the background: allow it a few tries.
        let report: ConnectionTestReport;
        for (let i = 0; ; i++) {
            try {
                report = await testConnection(connector(manual(cp, oidc("alice-password"))));
                break;
            } catch (e) {
                if (i > 50) throw e;
                await new Promise((r) => setTimeout(r, 200));
            }
        }
        assert.equal(report.status, "SUCCESS");
        assert.ok(issuer.grants > 0);
    });

    it("UsernamePassword on a cluster without anonymous access: the real 401, explained", async () => {
        await failsWith(
            connector(manual(cp, { type: "UsernamePassword", username: "alice", password: "alice-password" })),
            "BASIC_AUTH_REJECTED",
            /refused the user name and password \(401 Unauthorized\)/,
            /1\.19/,
        );
    });

    it("an id_token the API server does not trust: 401 explained for OIDC", async () => {
        const other = await startOidcIssuer({ alice: "alice-password" });
        try {
            await failsWith(
                connector(
                    manual(cp, { ...oidc("alice-password"), issuerUrl: other.url, issuerCaCert: other.ca.certPem }),
                ),
                "OIDC_FAILED",
                /refused the OIDC id_token \(401 Unauthorized\)/,
                /--oidc-issuer-url/,
            );
        } finally {
            await other.stop();
        }
    });

    it("a wrong password is refused by the issuer, and the password is not in the message", async () => {
        const message = await failsWith(
            connector(manual(cp, oidc("wrong-password-value"))),
            "OIDC_FAILED",
            /refused the password grant \(400 invalid_grant/,
        );
        assert.ok(!message.includes("wrong-password-value"));
    });
});
