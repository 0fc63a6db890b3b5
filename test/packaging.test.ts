// The package as a user gets it: `npm pack` of this repository (its prepare script builds dist/),
// the tarball installed into a new Pulumi TypeScript project in a temp folder outside the
// repository, then `pulumi up`, a no-op `preview` and `destroy` there through the real engine
// against a real kube-apiserver, and the package's CLI run with `npm exec` from that project.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../tools/binaries";
import { type ControlPlane, startControlPlane } from "../tools/controlPlane";
import { adminClients, createLister, type TestServiceAccount } from "../tools/identities";
import { createTestStack } from "../tools/pulumiHarness";

const rootPackage = () => JSON.parse(fs.readFileSync(path.join(repoRoot(), "package.json"), "utf8"));

/** The Pulumi program of the scratch project: the README's example, as a user would write it. */
const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { KubernetesClusterConnector } from "pulumi-kubernetes-connector";

const config = new pulumi.Config();
const connector = new KubernetesClusterConnector("packed", {
    name: "Packed cluster",
    orgIdentifier: "platform",
    credential: {
        type: "ManualConfig",
        masterUrl: config.require("masterUrl"),
        caCert: config.require("caCert"),
        auth: { type: "ServiceAccount", token: config.requireSecret("token") },
    },
});
export const ref = connector.ref;
export const status = connector.connectionTest.apply((t) => t.status ?? "not tested yet");
`;

/** Runs a command with the Node.js of this test first on PATH; rejects with its output when it fails. */
function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = { ...process.env, PATH: [path.dirname(process.execPath), process.env.PATH].join(path.delimiter) };
    return new Promise((resolve) => {
        execFile(cmd, args, { cwd, env, maxBuffer: 64 << 20, timeout: 600_000 }, (error, stdout, stderr) =>
            resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr }),
        );
    });
}

describe("packaging: npm pack, installed into a Pulumi project outside the repository", () => {
    let cp: ControlPlane;
    let sa: TestServiceAccount;
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-pack-"));

    before(async () => {
        cp = await startControlPlane();
        const admin = adminClients(cp);
        sa = await createLister(admin, "packed", "connector");
    });
    after(async () => {
        await cp?.stop();
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    it("the tarball has the built SDK, provider and CLI; pulumi up, preview and destroy work with it", async () => {
        assert.ok(path.relative(repoRoot(), scratch).startsWith(".."), "scratch is outside the repo");

        // npm pack builds dist/ itself (prepare), whatever dist/ held before.
        const pack = await run("npm", ["pack", "--json", "--pack-destination", scratch], repoRoot());
        assert.equal(pack.code, 0, pack.stderr);
        const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("[")));
        const files: string[] = packed.files.map((f: { path: string }) => f.path);
        for (const f of [
            "dist/sdk/index.js",
            "dist/sdk/index.d.ts",
            "dist/sdk/cli.js",
            "dist/provider/index.js",
            "dist/provider/plugin/main.js",
            "bin/pulumi-resource-kubernetes-connector",
            "schema.json",
            "README.md",
        ])
            assert.ok(files.includes(f), `the tarball holds ${f}`);
        assert.deepEqual(
            files.filter(
                (f) =>
                    !/^(dist\/(sdk|provider)\/|README\.md$|package\.json$|schema\.json$|bin\/pulumi-resource-kubernetes-connector$)/.test(
                        f,
                    ),
            ),
            [],
            "nothing but the SDK, the provider, the plugin's executable and schema, README and package.json",
        );

        // A new Pulumi TypeScript project, as `pulumi new typescript` makes one, that installs the tarball.
        const project = path.join(scratch, "project");
        fs.mkdirSync(project);
        const dev = rootPackage().devDependencies;
        fs.writeFileSync(
            path.join(project, "package.json"),
            JSON.stringify({
                name: "packed-connector",
                private: true,
                dependencies: {
                    "@pulumi/pulumi": rootPackage().dependencies["@pulumi/pulumi"],
                    "pulumi-kubernetes-connector": `file:${path.join(scratch, packed.filename)}`,
                },
                devDependencies: { typescript: dev.typescript, "@types/node": dev["@types/node"] },
            }),
        );
        fs.writeFileSync(
            path.join(project, "Pulumi.yaml"),
            "name: packed-connector\nruntime: nodejs\nmain: index.ts\n",
        );
        fs.writeFileSync(
            path.join(project, "tsconfig.json"),
            JSON.stringify({
                compilerOptions: {
                    strict: true,
                    target: "es2022",
                    module: "commonjs",
                    moduleResolution: "node",
                    skipLibCheck: true,
                },
                files: ["index.ts"],
            }),
        );
        fs.writeFileSync(path.join(project, "index.ts"), PROGRAM);
        const install = await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], project);
        assert.equal(install.code, 0, install.stderr);
        const installed = path.join(project, "node_modules", "pulumi-kubernetes-connector");
        assert.ok(!fs.lstatSync(installed).isSymbolicLink(), "a copy of the package, not a link to the repository");

        const t = await createTestStack({
            programDir: project,
            config: {
                masterUrl: { value: cp.server },
                caCert: { value: cp.ca.certPem },
                token: { value: sa.token, secret: true },
            },
        });
        try {
            const printed: string[] = [];
            const up = await t.up({ onOutput: (s) => printed.push(s) });
            assert.equal(up.outputs.ref.value, "org.Packed_cluster");
            assert.equal(up.outputs.status.value, "SUCCESS");
            const noop = await t.preview({ onOutput: (s) => printed.push(s) });
            assert.deepEqual(noop.changeSummary, { same: 2 });
            const destroyed = await t.destroy({ onOutput: (s) => printed.push(s) });
            assert.equal(destroyed.summary.resourceChanges?.delete, 2);
            assert.doesNotMatch(printed.join(""), /Warning|Diagnostics:/);
            assert.ok(!printed.join("").includes(sa.token), "no token printed");
        } finally {
            await t.dispose();
        }

        // The CLI, as the package installs it.
        const tokenFile = path.join(scratch, "token");
        const caFile = path.join(scratch, "ca.crt");
        fs.writeFileSync(tokenFile, sa.token, { mode: 0o600 });
        fs.writeFileSync(caFile, cp.ca.certPem);
        const cli = await run(
            "npm",
            [
                "exec",
                "--offline",
                "--",
                "pulumi-kubernetes-connector",
                "test",
                "--master-url",
                cp.server,
                "--ca-cert",
                caFile,
                "--token-file",
                tokenFile,
                "--json",
            ],
            project,
        );
        assert.equal(cli.code, 0, cli.stdout + cli.stderr);
        assert.equal(JSON.parse(cli.stdout).status, "SUCCESS");
    });
});
