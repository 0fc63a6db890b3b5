// Custom timeouts on the provider plugin path: the engine sends `customTimeouts` in the Create
// and Update requests' `timeout`, and the plugin's create and update end by it (provider/plugin/customTimeouts.ts)
// with the TIMEOUT error. Real engine and YAML host; the "cluster" is a loopback listener that
// accepts connections and never answers TLS (a blackholed API server).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../tools/binaries";
import { startControlPlane } from "../tools/controlPlane";
import { RESOURCE_TOKEN } from "../tools/genSchema";
import { adminClients, createLister } from "../tools/identities";
import { createCA } from "../tools/pki";
import { createTestStack } from "../tools/pulumiHarness";
import { assertNoSecret } from "./stateSecrets";
import { yamlProgramHead } from "./yamlPrograms";

const TOKEN = "custom-timeouts-test-token-6f1e0c2b9a";

function program(createTimeout: string, updateTimeout = "10m"): string {
    return `${yamlProgramHead("custom-timeouts")}resources:
  silent:
    type: ${RESOURCE_TOKEN}
    properties:
      name: Silent cluster
      credential:
        type: ManualConfig
        masterUrl: \${masterUrl}
        caCert: \${caCert}
        auth:
          type: ServiceAccount
          token: \${token}
      connectionTest:
        timeoutSeconds: 60
    options:
      customTimeouts:
        create: ${createTimeout}
        update: ${updateTimeout}
`;
}

/** Runs an up that must fail: what it printed, and how long it took. */
async function failedUp(t: { up(): Promise<unknown> }): Promise<{ message: string; elapsed: number }> {
    const started = Date.now();
    let message = "";
    await assert.rejects(t.up(), (e: any) => {
        message = [e?.message, e?.stdout, e?.stderr].filter(Boolean).join("\n");
        return true;
    });
    return { message, elapsed: Date.now() - started };
}

describe("custom timeouts through the provider plugin (real engine, YAML host)", () => {
    let work: string;
    let silent: net.Server;
    const sockets: net.Socket[] = [];

    before(async () => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-timeouts-"));
        silent = net.createServer((s) => sockets.push(s));
        await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    });
    after(() => {
        for (const s of sockets) s.destroy();
        silent?.close();
        fs.rmSync(work, { recursive: true, force: true });
    });

    it("create against a server that never answers fails with TIMEOUT within customTimeouts.create (3 s), not connectionTest.timeoutSeconds (60 s)", async () => {
        const programDir = path.join(work, "program");
        fs.mkdirSync(programDir);
        fs.writeFileSync(path.join(programDir, "Pulumi.yaml"), program("3s"));
        const ca = createCA(work, "silent-ca");
        const port = (silent.address() as net.AddressInfo).port;
        const t = await createTestStack({
            programDir,
            languages: ["yaml"],
            config: {
                masterUrl: { value: `https://127.0.0.1:${port}` },
                caCert: { value: ca.certPem },
                token: { value: TOKEN, secret: true },
            },
        });
        try {
            // What the engine and the YAML host take besides the create: a no-op preview's time.
            const t0 = Date.now();
            await t.preview();
            const overhead = Date.now() - t0;

            const { message, elapsed } = await failedUp(t);
            assert.match(message, /\[TIMEOUT\] the create did not finish within the resource's custom timeout of 3 s/);
            assert.match(message, /Raise customTimeouts\.create/);
            assert.ok(sockets.length >= 1, "the plugin did connect to the silent server");
            // 3 s of create plus the engine's own time, far from the 60 s of connectionTest.timeoutSeconds.
            assert.ok(elapsed < overhead + 3_000 + 8_000, `up took ${elapsed} ms (a preview ${overhead} ms)`);
            assertNoSecret(message, [TOKEN], "the failed up's output");
            const state = JSON.parse(await t.exportState());
            assert.ok(!(state.deployment.resources ?? []).some((r: any) => r.type === RESOURCE_TOKEN));
        } finally {
            await t.dispose();
        }
    });
    it("update of a connector whose server stops answering fails with TIMEOUT within customTimeouts.update (3 s); the record stays as it was", async () => {
        const cp = await startControlPlane();
        const programDir = path.join(work, "update-program");
        fs.mkdirSync(programDir);
        fs.writeFileSync(path.join(programDir, "Pulumi.yaml"), program("10m", "3s"));
        const lister = await createLister(adminClients(cp), "timeouts", "lister");
        const t = await createTestStack({
            programDir,
            languages: ["yaml"],
            config: {
                masterUrl: { value: cp.server },
                caCert: { value: cp.ca.certPem },
                token: { value: lister.token, secret: true },
            },
        });
        try {
            await t.up();
            const t0 = Date.now();
            await t.preview();
            const overhead = Date.now() - t0;

            const port = (silent.address() as net.AddressInfo).port;
            await t.stack.setConfig("masterUrl", { value: `https://127.0.0.1:${port}` });
            const { message, elapsed } = await failedUp(t);
            assert.match(message, /\[TIMEOUT\] the update did not finish within the resource's custom timeout of 3 s/);
            assert.ok(elapsed < overhead + 3_000 + 8_000, `up took ${elapsed} ms (a preview ${overhead} ms)`);
            assertNoSecret(message, [lister.token], "the failed up's output");
            const record = JSON.parse(await t.exportState()).deployment.resources.find(
                (r: any) => r.type === RESOURCE_TOKEN,
            );
            assert.equal(record.outputs.masterUrl, cp.server, "the failed update recorded nothing");

            await t.stack.setConfig("masterUrl", { value: cp.server });
            await t.destroy();
        } finally {
            await t.dispose();
            await cp.stop();
        }
    });
});
