// examples/with-pulumi-kubernetes through the real engine against a real control plane (with its
// token controller): the delegate's objects made by @pulumi/kubernetes (its provider plugin,
// pulumi-resource-kubernetes, built once from its Go module like the engine), a connector that
// authenticates with the token Secret they make.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { repoRoot } from "../tools/binaries";
import { type ControlPlane, startControlPlane } from "../tools/controlPlane";
import { type AdminClients, adminClients } from "../tools/identities";
import { kubernetesPluginDir } from "../tools/kubernetesPlugin";
import { createTestStack, enginePath } from "../tools/pulumiHarness";
import { assertNoSecret, SECRET_SIG } from "./stateSecrets";

const EXAMPLE = path.join(repoRoot(), "examples", "with-pulumi-kubernetes");
const NAMESPACE = "harness-delegate-ng";

interface StateResource {
    type: string;
    outputs: Record<string, unknown>;
}

async function waitNamespaceGone(admin: AdminClients, name: string, seconds = 120): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        try {
            await admin.core.readNamespace({ name });
        } catch {
            return;
        }
        if (Date.now() > deadline) throw new Error(`namespace ${name} still exists ${seconds} s after destroy`);
        await new Promise((r) => setTimeout(r, 250));
    }
}

describe("examples/with-pulumi-kubernetes (real engine, @pulumi/kubernetes's provider, real cluster)", () => {
    let cp: ControlPlane;
    let admin: AdminClients;
    let pluginDir: string;

    before(async function () {
        // A cold build of pulumi-resource-kubernetes takes minutes (once: then cached).
        this.timeout(3_600_000);
        pluginDir = kubernetesPluginDir();
        cp = await startControlPlane();
        admin = adminClients(cp);
    });
    after(async () => cp?.stop());

    it("up connects with the token Secret's token; no-op preview; the token is secret in state; destroy", async () => {
        const t = await createTestStack({
            programDir: EXAMPLE,
            config: {
                adminKubeconfig: { value: cp.kubeconfig, secret: true },
                masterUrl: { value: cp.server },
            },
            env: { PATH: `${pluginDir}${path.delimiter}${enginePath()}` },
        });
        try {
            const printed: string[] = [];
            const up = await t.up({ onOutput: (s) => printed.push(s) });
            assert.equal(up.summary.result, "succeeded");
            assert.equal(up.outputs.connectionTestStatus.value, "SUCCESS");
            assert.equal(up.outputs.tokenSecretName.value, "delegate-token");

            // The connector used the token the controller put in the Secret.
            const secret = await admin.core.readNamespacedSecret({ namespace: NAMESPACE, name: "delegate-token" });
            const tokenB64 = secret.data?.token;
            assert.ok(tokenB64, "the token controller filled the Secret");
            const token = Buffer.from(tokenB64, "base64").toString("utf8");

            const noop = await t.preview();
            assert.deepEqual(Object.keys(noop.changeSummary), ["same"], JSON.stringify(noop.changeSummary));

            const state = await t.exportState();
            assertNoSecret(state + printed.join(""), [token, tokenB64], "state export and up output");
            const resources: StateResource[] = JSON.parse(state).deployment.resources;
            const outputsOf = (type: string) => {
                const r = resources.find((x) => x.type === type);
                assert.ok(r, `a ${type} is in the state`);
                return r.outputs;
            };
            const credential = outputsOf("pulumi-nodejs:dynamic:Resource").credential as {
                caCert: string;
                auth: { token: Record<string, unknown> };
            };
            assert.ok(credential.auth.token[SECRET_SIG], "the connector's token is ciphertext");
            assert.equal(credential.caCert, cp.ca.certPem, "the CA is plain");
            const data = outputsOf("kubernetes:core/v1:Secret").data as Record<string, unknown>;
            assert.ok(data[SECRET_SIG], "the token Secret's data is ciphertext");

            await t.destroy();
            await waitNamespaceGone(admin, NAMESPACE);
        } finally {
            await t.dispose();
        }
    });
});
