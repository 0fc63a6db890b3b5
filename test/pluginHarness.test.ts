// The provider plugin with Harness: a Pulumi YAML program registers a connector in Harness through
// the plugin, and `pulumi import … <org>/<project>/<identifier>` rebuilds another stack's
// registered connector from what Harness holds. Real engine and YAML host, a real kube-apiserver,
// the Harness NG API stand-in (tools/harness); Harness's account, key and endpoint come from
// HARNESS_* as users' pipelines set them.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../tools/binaries";
import { type ControlPlane, startControlPlane } from "../tools/controlPlane";
import { RESOURCE_TOKEN } from "../tools/genSchema";
import { type HarnessStandIn, startHarnessStandIn } from "../tools/harness";
import { adminClients, createLister, type TestServiceAccount } from "../tools/identities";
import { createTestStack, type TestStack } from "../tools/pulumiHarness";
import { assertNoSecret, SECRET_MARK, SECRET_SIG } from "./stateSecrets";
import { connectorIn, yamlProgramHead } from "./yamlPrograms";

/** A connector in platform/payments registered in Harness (its test gating), no delegate. */
const PROGRAM = `${yamlProgramHead("kubernetes-connector-harness-yaml")}resources:
  prod:
    type: ${RESOURCE_TOKEN}
    properties:
      name: Prod cluster
      description: Payments production
      orgIdentifier: platform
      projectIdentifier: payments
      tags:
        team: payments
      delegateSelectors:
        - prod
      credential:
        type: ManualConfig
        masterUrl: \${masterUrl}
        caCert: \${caCert}
        auth:
          type: ServiceAccount
          token: \${token}
      harness:
        test: gate
# Not the \`harness\` output: during the preview of an update it holds the settings (the engine shows
# the inputs), and YAML has no optional chaining. The tests read it from the state.
outputs:
  ref: \${prod.ref}
  connectionTestStatus: \${prod.connectionTest.status}
`;

/**
 * Runs a command without blocking this process (the Harness stand-in answers from it); a failure
 * says what the command printed.
 */
function run(file: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<string> {
    return new Promise((resolve, reject) =>
        execFile(file, args, { ...opts, encoding: "utf8", maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
            err ? reject(new Error(`${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
        ),
    );
}

describe("the provider plugin with Harness (real engine, YAML host, real cluster, Harness stand-in)", () => {
    let cp: ControlPlane;
    let lister: TestServiceAccount;
    let harness: HarnessStandIn;
    let programDir: string;

    before(async () => {
        cp = await startControlPlane();
        lister = await createLister(adminClients(cp), "plugin-harness", "lister");
        programDir = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-plugin-harness-"));
        fs.writeFileSync(path.join(programDir, "Pulumi.yaml"), PROGRAM);
    });
    beforeEach(async () => {
        harness = await startHarnessStandIn({ delegateSelectors: ["prod"] });
    });
    afterEach(async () => {
        assert.deepEqual(harness.contractViolations, [], "every answer of the stand-in kept Harness's contract");
        await harness.stop();
    });
    after(async () => {
        await cp?.stop();
        if (programDir) fs.rmSync(programDir, { recursive: true, force: true });
    });

    const stack = () =>
        createTestStack({
            programDir,
            languages: ["yaml"],
            config: {
                masterUrl: { value: cp.server },
                caCert: { value: cp.ca.certPem },
                token: { value: lister.token, secret: true },
            },
            env: harness.env,
        });
    const connectorsOf = () =>
        harness.connectors().map((c) => `${c.scope.org ?? ""}/${c.scope.project ?? ""}/${c.identifier}`);
    const secretsOf = () =>
        harness
            .secrets()
            .map((s) => s.identifier)
            .sort();

    it("registration from YAML: up registers the connector and its secrets (Harness's test gating), no-op preview, destroy removes them", async () => {
        const t = await stack();
        const printed: string[] = [];
        try {
            const up = await t.up({ onOutput: (s) => printed.push(s) });
            assert.equal(up.outputs.ref.value, "Prod_cluster");
            assert.deepEqual(connectorsOf(), ["platform/payments/Prod_cluster"]);
            assert.deepEqual(secretsOf(), ["Prod_cluster_caCert", "Prod_cluster_token"]);
            const token = harness.secrets().find((s) => s.identifier === "Prod_cluster_token")!.secret as any;
            assert.equal(token.spec.value, lister.token);
            const record = connectorIn(await t.exportState());
            assert.equal(record.outputs.harness.connectorRef, "Prod_cluster");
            assert.equal(record.outputs.harness.connectionTest.status, "SUCCESS");
            assert.equal(record.inputs.credential.auth.token[SECRET_SIG], SECRET_MARK);
            assert.equal(record.outputs.credential, undefined, "the credential is kept once, as the input");
            assert.deepEqual(record.outputs.harness.createdSecrets.sort(), [
                "Prod_cluster_caCert",
                "Prod_cluster_token",
            ]);

            const noop = await t.preview({ onOutput: (s) => printed.push(s) });
            assert.equal(noop.changeSummary.update ?? 0, 0, JSON.stringify(noop.changeSummary));
            assert.equal(noop.changeSummary.replace ?? 0, 0);

            await t.destroy({ onOutput: (s) => printed.push(s) });
            assert.deepEqual(connectorsOf(), []);
            assert.deepEqual(secretsOf(), []);
            assertNoSecret(await t.exportState(), [lister.token, harness.apiKey], "pulumi stack export");
            assertNoSecret(printed.join(""), [lister.token, harness.apiKey], "up/preview/destroy output");
        } finally {
            await t.dispose();
        }
    });

    it("pulumi import platform/payments/Prod_cluster of a connector another stack registered: read rebuilds it from Harness; the program's first up fills in the secrets (no second registration), then no changes", async () => {
        const owner = await stack();
        let t: TestStack | undefined;
        try {
            await owner.up();
            assert.deepEqual(connectorsOf(), ["platform/payments/Prod_cluster"]);

            t = await stack();
            const imported = await run(
                "pulumi",
                [
                    "import",
                    RESOURCE_TOKEN,
                    "prod",
                    "platform/payments/Prod_cluster",
                    "--yes",
                    "--protect=false",
                    "--generate-code=false",
                    "--stack",
                    t.stack.name,
                ],
                { cwd: programDir, env: { ...process.env, ...t.env } },
            );
            assert.match(imported, /1 imported/);
            // The engine's check of the rebuilt inputs names the secret that is missing (the token).
            assert.match(imported, /property credential\.auth\.token value \{<nil>\} has a problem/);
            // Read's warning reaches the user through the engine's log, attached to the resource.
            assert.match(
                imported,
                /warning: imported platform\/payments\/Prod_cluster from Harness .*set credential\.auth\.token/,
            );
            const record = connectorIn(await t.exportState());
            assert.equal(record.id, "platform/payments/Prod_cluster");
            // What Harness holds, rebuilt.
            assert.equal(record.outputs.name, "Prod cluster");
            assert.equal(record.outputs.description, "Payments production");
            assert.deepEqual(record.outputs.tags, { team: "payments" });
            assert.deepEqual(record.outputs.delegateSelectors, ["prod"]);
            assert.equal(record.outputs.orgIdentifier, "platform");
            assert.equal(record.outputs.projectIdentifier, "payments");
            assert.equal(record.outputs.credential.masterUrl, cp.server);
            assert.equal(record.outputs.credential.auth.type, "ServiceAccount");
            assert.equal(record.outputs.credential.auth.token, undefined, "no secret is made up");
            assert.equal(record.outputs.harness.connectorRef, "Prod_cluster");
            assert.deepEqual(record.outputs.harness.scope, {
                orgIdentifier: "platform",
                projectIdentifier: "payments",
            });
            assert.deepEqual(record.outputs.harness.secretRefs, {
                token: "Prod_cluster_token",
                caCert: "Prod_cluster_caCert",
            });
            assert.deepEqual(record.outputs.harness.createdSecrets.sort(), [
                "Prod_cluster_caCert",
                "Prod_cluster_token",
            ]);
            assert.equal(record.inputs.credential.masterUrl, cp.server);

            // The program supplies the secrets: one update, which writes them to the existing Harness
            // secrets and updates the existing connector: nothing is registered a second time.
            const fill = await t.preview();
            assert.equal(fill.changeSummary.update, 1, JSON.stringify(fill.changeSummary));
            assert.equal(fill.changeSummary.replace ?? 0, 0);
            const before = harness.requests.length;
            const up = await t.up();
            assert.equal(up.summary.resourceChanges?.update, 1);
            assert.equal(up.outputs.connectionTestStatus.value, "SUCCESS");
            const updated = connectorIn(await t.exportState());
            assert.equal(updated.outputs.harness.connectionTest.status, "SUCCESS");
            assert.deepEqual(updated.outputs.harness.createdSecrets.sort(), [
                "Prod_cluster_caCert",
                "Prod_cluster_token",
            ]);
            const sent = harness.requests.slice(before).map((r) => `${r.method} ${r.path.replace(/^.*\/ng\/api/, "")}`);
            assert.ok(
                !sent.some((s) => s.startsWith("POST /connectors") && !s.includes("testConnection")),
                sent.join(", "),
            );
            assert.ok(!sent.includes("POST /v2/secrets"), `no secret created: ${sent.join(", ")}`);
            assert.deepEqual(connectorsOf(), ["platform/payments/Prod_cluster"]);
            assert.deepEqual(secretsOf(), ["Prod_cluster_caCert", "Prod_cluster_token"]);

            const noop = await t.preview();
            assert.equal(noop.changeSummary.update ?? 0, 0, JSON.stringify(noop.changeSummary));
            assert.equal(noop.changeSummary.replace ?? 0, 0);
            assertNoSecret(await t.exportState(), [lister.token, harness.apiKey], "pulumi stack export");

            // The importing stack now owns the registration: its destroy removes it.
            await t.destroy();
            assert.deepEqual(connectorsOf(), []);
            assert.deepEqual(secretsOf(), []);
        } finally {
            await t?.dispose();
            await owner.dispose().catch(() => undefined);
        }
    });
});
