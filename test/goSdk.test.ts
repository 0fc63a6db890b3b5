// The Go SDK, generated from schema.json by Pulumi's codegen (`npm run gen:sdk`), used by a Go
// program (examples/go) against the local control plane through the real engine. The Go language
// host's module is not served here, so the program runs as an Automation API inline program
// (examples/go/inline): the same program function, the same engine, the plugin from bin/.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../tools/binaries";
import { type ControlPlane, startControlPlane } from "../tools/controlPlane";
import { generateGoSdk } from "../tools/genSdk";
import { adminClients, createLister, type TestServiceAccount } from "../tools/identities";
import { engineTestEnv } from "../tools/pulumiHarness";
import { assertNoSecret } from "./stateSecrets";

const EXAMPLE = path.join(repoRoot(), "examples", "go");

describe("the Go SDK (generated; a Go program through the real engine and the plugin)", function () {
    this.timeout(30 * 60_000);
    let cp: ControlPlane;
    let lister: TestServiceAccount;
    let work: string;

    before(async () => {
        generateGoSdk();
        cp = await startControlPlane();
        lister = await createLister(adminClients(cp), "default", "go-sdk");
        work = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-go-"));
    });
    after(async () => {
        await cp?.stop();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("examples/go: up (the connection test passes), no-op preview, an identifier change previews as a replacement, the token never plain, destroy", async () => {
        const env = {
            ...process.env,
            ...engineTestEnv(work),
            PKC_PLUGIN_DIR: path.join(repoRoot(), "bin"),
            // The Automation API writes its project and stack settings there: not into examples/go.
            PKC_WORK_DIR: fs.mkdtempSync(path.join(work, "project-")),
            PKC_MASTER_URL: cp.server,
            PKC_CA_CERT: cp.ca.certPem,
            PKC_TOKEN: lister.token,
        };
        const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
            execFile(
                "go",
                ["run", "./inline"],
                { cwd: EXAMPLE, env, maxBuffer: 64 << 20, timeout: 25 * 60_000 },
                (e, stdout, stderr) =>
                    e
                        ? reject(new Error(`go run ./inline failed: ${e.message}\n${stderr.slice(-3000)}`))
                        : resolve({ stdout, stderr }),
            ),
        );
        const f = JSON.parse(stdout.trim().split("\n").at(-1)!);
        assert.equal(f.outputs.connectionTestStatus, "SUCCESS");
        assert.equal(f.outputs.ref, "account.Prod_cluster");
        assert.match(String(f.outputs.serverVersion), /^v1\./);
        assert.ok(f.secretOutputs.includes("kubeconfig"), "the kubeconfig output is secret");
        assert.deepEqual(f.noopPreview, { same: 2 });
        assert.equal(
            f.identifierPreview.replace,
            1,
            `an identifier change is a replacement: ${JSON.stringify(f.identifierPreview)}`,
        );
        assert.equal(f.destroy.delete, 2);
        assertNoSecret(JSON.stringify(f.state), [lister.token], "the Go stack's state");
        assertNoSecret(stdout + stderr, [lister.token], "the Go program's output");
    });
});
