// The provider plugin (bin/pulumi-resource-kubernetes-connector) through the real `pulumi` engine
// and the real YAML and Python language hosts, against a real kube-apiserver: examples/yaml and
// examples/python (with the SDK generated from schema.json).
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { repoRoot } from "../tools/binaries";
import { type ControlPlane, startControlPlane } from "../tools/controlPlane";
import { RESOURCE_TOKEN } from "../tools/genSchema";
import { generatePythonSdk } from "../tools/genSdk";
import { type AdminClients, adminClients, createLister, type TestServiceAccount } from "../tools/identities";
import { installPythonSdk, type Language } from "../tools/languageHosts";
import { PLUGIN_EXECUTABLE, packagePlugin } from "../tools/packagePlugin";
import { createTestStack } from "../tools/pulumiHarness";
import { assertNoSecret, SECRET_MARK, SECRET_SIG } from "./stateSecrets";
import { connectorIn } from "./yamlPrograms";

const YAML_EXAMPLE = path.join(repoRoot(), "examples", "yaml");
const PYTHON_EXAMPLE = path.join(repoRoot(), "examples", "python");

describe("the provider plugin from Pulumi YAML and Python (real engine, YAML and Python hosts, real cluster)", () => {
    let cp: ControlPlane;
    let admin: AdminClients;
    let first: TestServiceAccount;
    let second: TestServiceAccount;

    before(async () => {
        cp = await startControlPlane();
        admin = adminClients(cp);
        first = await createLister(admin, "ci", "first");
        second = await createLister(admin, "ci", "second");
    });
    after(async () => cp?.stop());

    const config = (token: string) => ({
        masterUrl: { value: cp.server },
        caCert: { value: cp.ca.certPem },
        token: { value: token, secret: true },
        // As YAML: Pulumi YAML reads a config value that parses as JSON as an object, not a string.
        provisionerKubeconfig: { value: yaml.dump(JSON.parse(cp.kubeconfig)), secret: true },
    });

    /** Up, no-op preview, refresh, token rotation (property-level, masked), identifier change (replace), destroy. */
    async function lifecycle(programDir: string, language: Language, env: Record<string, string> = {}) {
        const t = await createTestStack({ programDir, languages: [language], config: config(first.token), env });
        const printed: string[] = [];
        const collect = (s: string) => printed.push(s);
        try {
            const up = await t.up({ onOutput: collect });
            assert.equal(up.outputs.ref.value, "account.Prod_cluster");
            assert.equal(up.outputs.serverVersion.value, "v1.35.4");
            assert.equal(up.outputs.connectionTestStatus.value, "SUCCESS");
            assert.equal(up.outputs.kubeconfig.secret, true);
            assert.equal(JSON.parse(up.outputs.kubeconfig.value).users[0].user.token, first.token);
            const created = connectorIn(await t.exportState());
            // The token is secret in state, leaf by leaf: the URL stays readable.
            assert.equal(created.inputs.credential.masterUrl, cp.server);
            // The credential is kept once, as the input (the engine sends it back with each request).
            assert.equal(created.outputs.credential, undefined);
            assert.equal(created.outputs.masterUrl, cp.server);
            assert.equal(created.inputs.credential.auth.token[SECRET_SIG], SECRET_MARK);
            assert.ok(created.outputs.kubeconfig[SECRET_SIG], "the kubeconfig output is secret");
            // The delegate: made by the admin provisioner; its token, its kubeconfig and the settings
            // (they hold the provisioner's credential) are secret as a whole.
            assert.equal(up.outputs.delegateServiceAccount.value, "harness-delegate");
            assert.equal(up.outputs.delegateToken.secret, true);
            await admin.core.readNamespacedServiceAccount({
                namespace: "harness-delegate-ng",
                name: "harness-delegate",
            });
            for (const out of ["delegateToken", "delegateKubeconfig"])
                assert.ok(created.outputs[out][SECRET_SIG], `${out} is secret in state`);
            assert.equal(created.outputs.inputs, undefined, "the delegate input is recorded once, as the input");
            assert.ok(created.inputs.delegate.provisioner.kubeconfig[SECRET_SIG], "the provisioner's kubeconfig input");

            // No-op preview: nothing to do.
            const noop = await t.preview({ onOutput: collect });
            assert.equal(noop.changeSummary.update ?? 0, 0, JSON.stringify(noop.changeSummary));
            assert.equal(noop.changeSummary.replace ?? 0, 0);
            assert.equal(noop.changeSummary.create ?? 0, 0);

            // Refresh re-runs the test through the plugin's read; the secrets stay secret, nothing to do after.
            await t.refresh({ onOutput: collect });
            const refreshed = connectorIn(await t.exportState());
            assert.notEqual(refreshed.outputs.connectionTest.testedAt, created.outputs.connectionTest.testedAt);
            assert.equal(refreshed.outputs.credential, undefined, "refresh keeps the credential once too");
            assert.equal(refreshed.inputs.credential.auth.token[SECRET_SIG], SECRET_MARK);
            const afterRefresh = await t.preview();
            assert.equal(afterRefresh.changeSummary.update ?? 0, 0, JSON.stringify(afterRefresh.changeSummary));

            // Token rotation: an update of credential.auth.token only, its value masked.
            await t.stack.setConfig("token", { value: second.token, secret: true });
            const rotation = await t.preview({ diff: true });
            printed.push(rotation.stdout);
            assert.equal(rotation.changeSummary.update, 1, JSON.stringify(rotation.changeSummary));
            assert.match(rotation.stdout, /~ *token *: *\[secret\] => \[secret\]/);
            assert.doesNotMatch(rotation.stdout, /masterUrl/, "only the changed property is shown");
            const rotated = await t.up({ onOutput: collect });
            assert.equal(rotated.summary.resourceChanges?.update, 1);
            assert.equal(JSON.parse(rotated.outputs.kubeconfig.value).users[0].user.token, second.token);

            // Identifier change: a replacement, shown on the property that forces it.
            await t.stack.setConfig("identifier", { value: "prod_cluster_v2" });
            const replace = await t.preview({ diff: true });
            printed.push(replace.stdout);
            assert.equal(replace.changeSummary.replace, 1, JSON.stringify(replace.changeSummary));
            assert.match(replace.stdout, /identifier *: *"Prod_cluster" => "prod_cluster_v2"/);
            const replaced = await t.up({ onOutput: collect });
            assert.equal(replaced.summary.resourceChanges?.replace, 1);
            assert.equal(replaced.outputs.ref.value, "account.prod_cluster_v2");

            // Secrets: never in the state export, nor in anything preview or up printed.
            const state = await t.exportState();
            const adminKey = /client-key-data"?:\s*"?([A-Za-z0-9+/=]{40,})/.exec(cp.kubeconfig)![1];
            const secrets = [first.token, second.token, adminKey, replaced.outputs.delegateToken.value];
            assertNoSecret(state, secrets, "pulumi stack export");
            assertNoSecret(printed.join(""), secrets, "preview/up output");

            const destroyed = await t.destroy({ onOutput: collect });
            assert.ok((destroyed.summary.resourceChanges?.delete ?? 0) >= 1);
            assert.equal(connectorIn(await t.exportState()), undefined);
            await assert.rejects(
                admin.core.readNamespacedServiceAccount({ namespace: "harness-delegate-ng", name: "harness-delegate" }),
                (e: any) => e.code === 404,
                "destroy removed the delegate's ServiceAccount",
            );
        } finally {
            await t.dispose();
        }
    }

    it("examples/yaml: up, no-op preview, refresh, token rotation (property-level, masked), identifier change (replace), destroy", () =>
        lifecycle(YAML_EXAMPLE, "yaml"));

    it("examples/python (the SDK generated from schema.json): the same", async () => {
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-python-sdk-"));
        try {
            const site = installPythonSdk(generatePythonSdk(path.join(work, "sdk")), path.join(work, "site"));
            await lifecycle(PYTHON_EXAMPLE, "python", { PYTHONPATH: site });
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
        }
    });

    it("installed from the `npm run package:plugin` tarball, a program without plugins.providers uses it", async () => {
        const tarball = packagePlugin();
        const version = JSON.parse(fs.readFileSync(path.join(repoRoot(), "package.json"), "utf8")).version;
        const programDir = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-yaml-installed-"));
        const project = fs.readFileSync(path.join(YAML_EXAMPLE, "Pulumi.yaml"), "utf8");
        const withoutPath = project.replace(/^plugins:\n(?:[ #].*\n)+/m, "");
        assert.notEqual(withoutPath, project, "the example names the plugin's path");
        fs.writeFileSync(path.join(programDir, "Pulumi.yaml"), withoutPath);
        const t = await createTestStack({ programDir, languages: ["yaml"], config: config(first.token) });
        try {
            execFileSync(
                "pulumi",
                ["plugin", "install", "resource", "kubernetes-connector", version, "--file", tarball],
                { env: { ...process.env, ...t.env }, stdio: "pipe" },
            );
            const up = await t.up();
            assert.equal(up.outputs.connectionTestStatus.value, "SUCCESS");
            // The engine had only the installed copy: the repository's bin/ is not on PATH.
            const installed = path.join(t.env.PULUMI_HOME, "plugins", `resource-kubernetes-connector-v${version}`);
            assert.ok(fs.existsSync(path.join(installed, PLUGIN_EXECUTABLE)));
            assert.ok(!t.env.PATH.split(path.delimiter).includes(path.join(repoRoot(), "bin")));
            const state = JSON.parse(await t.exportState());
            assert.ok(state.deployment.resources.some((r: any) => r.type === "pulumi:providers:kubernetes-connector"));
            await t.destroy();
        } finally {
            await t.dispose();
            fs.rmSync(programDir, { recursive: true, force: true });
        }
    });

    it("pulumi import by id: the identifiers and ref are recorded, the missing inputs named; the program's first up fills them in, then no changes", async () => {
        const t = await createTestStack({ programDir: YAML_EXAMPLE, languages: ["yaml"], config: config(first.token) });
        try {
            const imported = execFileSync(
                "pulumi",
                [
                    "import",
                    RESOURCE_TOKEN,
                    "prod",
                    "Prod_cluster",
                    "--yes",
                    "--protect=false",
                    "--generate-code=false",
                    "--stack",
                    t.stack.name,
                ],
                { cwd: YAML_EXAMPLE, env: { ...process.env, ...t.env }, encoding: "utf8", stdio: "pipe" },
            );
            assert.match(imported, /1 imported/);
            assert.match(imported, /property credential value \{<nil>\} has a problem/, "check names what to supply");
            // Read's warning reaches the user through the engine's log, attached to the resource.
            assert.match(imported, /warning: imported Prod_cluster from its id alone .*so set .*credential/);
            const record = connectorIn(await t.exportState());
            assert.equal(record.id, "Prod_cluster");
            assert.equal(record.outputs.ref, "account.Prod_cluster");
            assert.equal(record.outputs.credential, undefined, "nothing of the credential is made up");

            // The program supplies the inputs (the token among them): one update, which runs the test.
            const fill = await t.preview();
            assert.equal(fill.changeSummary.update, 1, JSON.stringify(fill.changeSummary));
            const up = await t.up();
            assert.equal(up.summary.resourceChanges?.update, 1);
            assert.equal(up.outputs.connectionTestStatus.value, "SUCCESS");
            const noop = await t.preview();
            assert.equal(noop.changeSummary.update ?? 0, 0, JSON.stringify(noop.changeSummary));
            assertNoSecret(await t.exportState(), [first.token], "pulumi stack export");
            await t.destroy();
        } finally {
            await t.dispose();
        }
    });
});
