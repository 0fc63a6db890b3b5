// `pulumi-kubernetes-connector test` run as a real child process (the built dist/sdk/cli.js with
// this Node.js) against a real kube-apiserver: success from flags, a kubeconfig file and
// $KUBECONFIG, in text and JSON; then one failure of each class with its exit code. No run prints
// a token.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { CONTROLLER_KINDS } from "../provider/parts/connectionTest/runConnectionTest";
import { DEPLOYMENTS_RULES } from "../provider/permissions";
import { EXIT_CODES } from "../sdk/cli";
import { repoRoot } from "../tools/binaries";
import { type ControlPlane, freePort, kubeconfigFor, startControlPlane } from "../tools/controlPlane";
import {
    type AdminClients,
    adminClients,
    createServiceAccountWithToken,
    grantInNamespace,
    LIST_CONTROLLERS,
    mintToken,
    type TestServiceAccount,
} from "../tools/identities";

const CLI = path.join(repoRoot(), "dist", "sdk", "cli.js");

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

describe("the CLI: pulumi-kubernetes-connector test (a real process, a real cluster)", () => {
    let cp: ControlPlane;
    let admin: AdminClients;
    let deployer: TestServiceAccount;
    let reader: TestServiceAccount;
    let nobody: TestServiceAccount;
    let bound: { token: string; expiresAt: string };
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-cli-"));
    const file = (name: string, text: string) => {
        const p = path.join(scratch, name);
        fs.writeFileSync(p, text, { mode: 0o600 });
        return p;
    };
    const secrets: string[] = [];
    let caFile: string;
    /** `test` with the cluster's URL and CA and a token, then `extra`. */
    const withToken = (token: string, ...extra: string[]) => [
        "test",
        ...["--master-url", cp.server, "--ca-cert", caFile, "--token", token],
        ...extra,
    ];

    /** Runs the CLI with `args`; asserts it printed no token. */
    async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
        const run = await new Promise<Run>((resolve) => {
            execFile(
                process.execPath,
                [CLI, ...args],
                { env: { ...process.env, KUBECONFIG: path.join(scratch, "no-kubeconfig"), ...env }, timeout: 120_000 },
                (error, stdout, stderr) =>
                    resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr }),
            );
        });
        for (const s of secrets)
            assert.ok(!`${run.stdout}${run.stderr}`.includes(s), `the CLI printed a token (args: ${args[0]} …)`);
        return run;
    }

    before(async () => {
        cp = await startControlPlane();
        admin = adminClients(cp);
        deployer = await createServiceAccountWithToken(admin, "cli", "deployer");
        reader = await createServiceAccountWithToken(admin, "cli", "reader");
        nobody = await createServiceAccountWithToken(admin, "cli", "nobody");
        await grantInNamespace(admin, deployer, "default", [...DEPLOYMENTS_RULES], "deployer-rules");
        await grantInNamespace(admin, reader, "default", LIST_CONTROLLERS, "reader-list");
        bound = await mintToken(admin, deployer, 3600);
        secrets.push(deployer.token, reader.token, nobody.token, bound.token);
        caFile = file("ca.crt", cp.ca.certPem);
    });
    after(async () => {
        await cp?.stop();
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    it("passes with --master-url, --ca-cert and --token-file: each check, and when the token expires", async () => {
        const tokenFile = file("bound-token", `${bound.token}\n`);
        const r = await cli([
            "test",
            "--master-url",
            cp.server,
            "--ca-cert",
            caFile,
            "--token-file",
            tokenFile,
            "--profile",
            "deployments",
        ]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const out = r.stdout;
        assert.match(out, /^Connection test: SUCCESS \(https:\/\/127\.0\.0\.1:\d+, v1\.35\.4, \d+ ms\)$/m);
        assert.match(out, /^ {2}PASSED {2}GET \/version: v1\.35\.4$/m);
        for (const kind of CONTROLLER_KINDS)
            assert.match(out, new RegExp(`^  PASSED  list apps/${kind} in default$`, "m"));
        assert.match(out, /^ {2}PASSED {2}permissions \(deployments\) in default: \d+ verbs checked/m);
        assert.ok(out.includes(`Credential: the token expires at ${bound.expiresAt}`), out);
        assert.doesNotMatch(out, /Missing permissions|Error/);
    });

    it("passes with --kubeconfig and --context, as JSON; and with $KUBECONFIG", async () => {
        const kubeconfig = file("deployer.kubeconfig", kubeconfigFor(cp.server, cp.ca.certPem, deployer));
        const r = await cli(["test", "--kubeconfig", kubeconfig, "--context", "deployer@local", "--json"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const report = JSON.parse(r.stdout);
        assert.equal(report.status, "SUCCESS");
        assert.equal(report.masterUrl, cp.server);
        assert.equal(report.serverVersion, "v1.35.4");
        assert.deepEqual(
            report.checks.map((c: { name: string; status: string }) => `${c.status} ${c.name}`),
            ["PASSED GET /version", ...CONTROLLER_KINDS.map((k) => `PASSED list apps/${k} in default`)],
        );

        // The environment: $KUBECONFIG (the admin's), another namespace, the builds profile.
        await admin.core.createNamespace({ body: { metadata: { name: "builds" } } });
        const env = await cli(["test", "--profile", "builds", "--namespace", "builds", "--skip-default-namespace"], {
            KUBECONFIG: cp.kubeconfigPath,
        });
        assert.equal(env.code, 0, env.stdout + env.stderr);
        assert.match(env.stdout, /^ {2}SKIPPED list controllers in default/m);
        assert.match(env.stdout, /^ {2}PASSED {2}list apps\/deployments in builds$/m);
        assert.match(env.stdout, /^ {2}PASSED {2}permissions \(builds\) in builds/m);
    });

    it(`bad usage or input exits ${EXIT_CODES.usage}`, async () => {
        for (const args of [
            ["test", "--no-such-flag"],
            ["check"],
            ["test", "--master-url", cp.server],
            ["test", "--token", deployer.token],
            ["test", "--master-url", cp.server, "--token", deployer.token, "--profile", "everything"],
            ["test", "--master-url", cp.server, "--token", deployer.token, "--timeout", "soon"],
        ]) {
            const r = await cli(args);
            assert.equal(r.code, EXIT_CODES.usage, `${args.join(" ").replace(deployer.token, "TOKEN")}: ${r.stderr}`);
            assert.match(r.stderr, /^Error: \[INVALID_INPUT\] /);
        }
        const json = await cli([
            "test",
            "--master-url",
            cp.server,
            "--token",
            deployer.token,
            "--profile",
            "x",
            "--json",
        ]);
        assert.equal(json.code, EXIT_CODES.usage);
        const report = JSON.parse(json.stdout);
        assert.equal(report.error.code, "INVALID_INPUT");
        assert.match(report.error.message, /connectionTest\.requiredPermissions/);
    });

    it(`a credential that cannot be loaded, or has expired, exits ${EXIT_CODES.credential}`, async () => {
        const missing = await cli(["test", "--kubeconfig", path.join(scratch, "absent.kubeconfig")]);
        assert.equal(missing.code, EXIT_CODES.credential, missing.stdout + missing.stderr);
        assert.match(missing.stdout, /^Error: \[CREDENTIAL_LOAD_FAILED\] /m);

        const noFile = await cli(["test", "--master-url", cp.server, "--token-file", path.join(scratch, "absent")]);
        assert.equal(noFile.code, EXIT_CODES.credential, noFile.stderr);

        // A JWT whose exp has passed: refused before any request.
        const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
        const expired = `${b64({ alg: "RS256" })}.${b64({ iat: 1_600_000_000, exp: 1_600_003_600 })}.c2lnbmF0dXJl`;
        secrets.push(expired);
        const r = await cli(withToken(expired, "--json"));
        assert.equal(r.code, EXIT_CODES.credential, r.stdout);
        const report = JSON.parse(r.stdout);
        assert.equal(report.error.code, "CREDENTIAL_EXPIRED");
        assert.equal(report.credentialExpiry.expiresAt, "2020-09-13T13:26:40.000Z");
    });

    it(`an unreachable server or one that does not answer in --timeout exits ${EXIT_CODES.unreachable}`, async () => {
        const closed = await freePort();
        const refused = await cli(["test", "--master-url", `https://127.0.0.1:${closed}`, "--token", reader.token]);
        assert.equal(refused.code, EXIT_CODES.unreachable, refused.stdout);
        assert.match(refused.stdout, /^Error: \[UNREACHABLE\] /m);

        // Accepts connections, never answers.
        const sockets: net.Socket[] = [];
        const silent = net.createServer((s) => sockets.push(s));
        await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
        try {
            const port = (silent.address() as net.AddressInfo).port;
            const args = [
                "test",
                "--master-url",
                `https://127.0.0.1:${port}`,
                "--token",
                reader.token,
                "--timeout",
                "1",
            ];
            const r = await cli(args);
            assert.equal(r.code, EXIT_CODES.unreachable, r.stdout);
            assert.match(r.stdout, /^Error: \[TIMEOUT\] /m);
        } finally {
            for (const s of sockets) s.destroy();
            silent.close();
        }
    });

    it(`an untrusted server certificate exits ${EXIT_CODES.tls}`, async () => {
        const r = await cli(["test", "--master-url", cp.server, "--token", reader.token]);
        assert.equal(r.code, EXIT_CODES.tls, r.stdout);
        assert.match(r.stdout, /^Error: \[TLS_UNKNOWN_AUTHORITY\] /m);
        assert.match(r.stdout, /^ {2}FAILED {2}GET \/version: /m);
    });

    it(`a token the cluster does not know exits ${EXIT_CODES.authentication}`, async () => {
        const wrong = `${reader.token.slice(0, -8)}AAAAAAAA`;
        secrets.push(wrong);
        const r = await cli(withToken(wrong));
        assert.equal(r.code, EXIT_CODES.authentication, r.stdout);
        assert.match(r.stdout, /^Error: \[UNAUTHORIZED\] /m);
    });

    it(`missing permissions exit ${EXIT_CODES.permissions}, each one listed`, async () => {
        const r = await cli(withToken(reader.token, "--profile", "deployments"));
        assert.equal(r.code, EXIT_CODES.permissions, r.stdout);
        assert.match(r.stdout, /^Connection test: FAILURE /m);
        assert.match(r.stdout, /^Missing permissions \(\d+\):$/m);
        assert.match(r.stdout, /^ {2}delete pods in default$/m);
        assert.match(r.stdout, /^Error: \[MISSING_PERMISSIONS\] /m);
        assert.equal(r.stdout.split("delete pods in default").length - 1, 1, `the list is printed once:\n${r.stdout}`);
        const count = Number(/^Missing permissions \((\d+)\):$/m.exec(r.stdout)?.[1]);
        assert.match(r.stdout, new RegExp(`: missing ${count}, listed below$`, "m"));
        assert.match(r.stdout, /needs \(listed above\)/);

        // --rbac-yaml: the report on stderr, a Role and RoleBinding on stdout that grant exactly what is missing.
        const grant = await cli(withToken(reader.token, "--profile", "deployments", "--rbac-yaml"));
        assert.equal(grant.code, EXIT_CODES.permissions, grant.stderr);
        assert.match(grant.stderr, /^Missing permissions \(\d+\):$/m);
        const docs = yaml.loadAll(grant.stdout) as any[];
        assert.deepEqual(
            docs.map((d) => `${d.kind} ${d.metadata.namespace}/${d.metadata.name}`),
            [
                "Role default/pulumi-kubernetes-connector-missing",
                "RoleBinding default/pulumi-kubernetes-connector-missing",
            ],
        );
        assert.deepEqual(docs[1].subjects, [
            { kind: "ServiceAccount", name: reader.name, namespace: reader.namespace },
        ]);
        const granted = docs[0].rules.reduce((n: number, r: any) => n + r.resources.length * r.verbs.length, 0);
        assert.equal(granted, count, "one verb granted per missing permission");
        await admin.rbac.createNamespacedRole({ namespace: "default", body: docs[0] });
        await admin.rbac.createNamespacedRoleBinding({ namespace: "default", body: docs[1] });
        try {
            const after = await cli(withToken(reader.token, "--profile", "deployments"));
            assert.equal(after.code, 0, `with the printed grant applied, the test passes:\n${after.stdout}`);
        } finally {
            await admin.rbac.deleteNamespacedRoleBinding({ name: docs[1].metadata.name, namespace: "default" });
            await admin.rbac.deleteNamespacedRole({ name: docs[0].metadata.name, namespace: "default" });
        }

        const json = await cli(withToken(reader.token, "--profile", "deployments", "--json"));
        assert.equal(json.code, EXIT_CODES.permissions);
        const report = JSON.parse(json.stdout);
        assert.ok(report.missingPermissions.includes("patch apps/deployments in default"), json.stdout);
        assert.ok(!report.missingPermissions.includes("list apps/deployments in default"), "the reader may list");

        const none = await cli(withToken(nobody.token));
        assert.equal(none.code, EXIT_CODES.permissions, none.stdout);
        assert.match(none.stdout, /^Error: \[FORBIDDEN_DEFAULT_NAMESPACE\] /m);
    });

    it(`any other failure (an API error) exits ${EXIT_CODES.other}`, async () => {
        // The admin, at a URL with a path where the API is not: 404.
        const admin404 = file(
            "admin-404.kubeconfig",
            kubeconfigFor(`${cp.server}/not-the-api`, cp.ca.certPem, {
                name: "admin",
                certPem: cp.admin.certPem,
                keyPem: cp.admin.keyPem,
            }),
        );
        const r = await cli(["test", "--kubeconfig", admin404]);
        assert.equal(r.code, EXIT_CODES.other, r.stdout);
        assert.match(r.stdout, /^Error: \[API_ERROR\] /m);
    });
});
