// What the dynamic provider loads for a no-op preview and for a destroy, as the provider process
// would: a fresh Node.js process requires the package's provider entry (what the shim's configure
// loads), calls the methods the engine calls (check then diff with the recorded state; delete) and
// reports require.cache. The heavy packages and create's lifecycle must stay out (the one lazy
// boundary is in provider/adapters/dynamic.ts; the packages' loaders in provider/heavyPackages.ts).
// `node dist/bench/loadedModules.js` measures the same through the engine.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { kubeconfigDocument } from "../../provider/credentials/kubeconfigDocument";
import type { ValidConnectorInputs } from "../../provider/inputs/types";
import { parseConnectorInputs } from "../../provider/inputs/validate";
import type { ConnectionTestReport } from "../../provider/parts/connectionTest/report";
import type { HarnessState } from "../../provider/parts/registration/record";
import { buildOutputs, type ConnectorOutputs } from "../../provider/state";

const ENTRY = path.join(__dirname, "..", "..", "provider", "index.js");
const REPORT: ConnectionTestReport = {
    status: "SUCCESS",
    testedAt: "2026-01-01T00:00:00.000Z",
    durationMs: 5,
    serverVersion: "v1.35.4",
    checks: [],
    missingPermissions: [],
};
/** Nothing listens there: a delete that reaches for the cluster finds it gone. */
const NO_SERVER = "https://127.0.0.1:1";

/** One engine call, as the dynamic provider host makes it. */
type Call = { method: "check" | "diff" | "delete"; args: unknown[] };

/** Runs `calls` in a fresh process on the provider entry; the results and the modules it loaded. */
function inFreshProcess(calls: Call[]): { results: unknown[]; modules: string[] } {
    const script = `
        const provider = require(${JSON.stringify(ENTRY)});
        (async () => {
            const results = [];
            for (const { method, args } of JSON.parse(process.env.CALLS)) results.push(await provider[method](...args));
            process.stdout.write(JSON.stringify({ results, modules: Object.keys(require.cache) }));
        })().catch((e) => { console.error(e); process.exit(1); });`;
    const out = execFileSync(process.execPath, ["-e", script], {
        env: { ...process.env, CALLS: JSON.stringify(calls) },
        encoding: "utf8",
        // The warnings the methods print (no CA, a cluster gone) are not this test's business.
        stdio: ["ignore", "pipe", "pipe"],
    });
    return JSON.parse(out);
}

/** The packages among `modules` (by the folder under node_modules). */
function packagesOf(modules: string[]): Set<string> {
    const out = new Set<string>();
    for (const m of modules) {
        const at = m.lastIndexOf("node_modules/");
        if (at < 0) continue;
        const parts = m.slice(at + "node_modules/".length).split("/");
        out.add(parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]);
    }
    return out;
}

/** This package's modules among `modules`, as paths under provider/. */
function ours(modules: string[]): string[] {
    const root = path.join(__dirname, "..", "..", "provider") + path.sep;
    return modules.filter((m) => m.startsWith(root)).map((m) => m.slice(root.length));
}

const HEAVY = ["undici", "js-yaml", "@kubernetes/client-node"];
/** create's lifecycle: the cluster side, the Harness side, provisioning, the connection test. */
const CREATE_LIFECYCLE = [
    "lifecycle/create.js",
    "parts/identity/apply.js",
    "parts/install/apply.js",
    "parts/connectionTest/testRun.js",
    "parts/registration/apply.js",
    "parts/identity/provision.js",
    "parts/connectionTest/runConnectionTest.js",
];
/** What only a call to the cluster or to Harness needs. */
const CLIENTS = ["transport/kubeClient.js", "harness/client.js", "parts/registration/register.js"];

const delegateState = {
    namespace: "ns",
    serviceAccountName: "sa",
    roleKind: "ClusterRole" as const,
    roleNames: ["view"],
    bindingNames: ["b"],
    createdNamespace: false,
    objects: [{ kind: "ServiceAccount" as const, namespace: "ns", name: "sa" }],
    drift: [],
};

function serviceAccount(masterUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        name: "Prod cluster",
        credential: { type: "ManualConfig", masterUrl, auth: { type: "ServiceAccount", token: "sa-token-123456" } },
        ...extra,
    };
}

/** The record an up of `given` leaves (with the delegate's or Harness's part when it has one). */
function recorded(given: Record<string, unknown>): ConnectorOutputs {
    const inputs: ValidConnectorInputs = parseConnectorInputs(given);
    const delegate = inputs.delegate ? { delegate: delegateState, delegateToken: "dt-123456" } : {};
    const harness: HarnessState | undefined = inputs.harness
        ? {
              connectorRef: "Prod_cluster",
              url: "https://app.harness.io/ng/account/acct/settings/resources/connectors/Prod_cluster",
              accountId: "acct",
              endpoint: "https://app.harness.io/gateway",
              scope: {},
              secretRefs: {},
              createdSecrets: [],
              connectionTest: { status: "SKIPPED" },
          }
        : undefined;
    const run = { report: REPORT, masterUrl: "https://k8s.example.com:6443" };
    return buildOutputs(
        { ...inputs, identifier: "Prod_cluster" },
        "Prod_cluster",
        "proj/stack",
        run,
        delegate,
        undefined,
        harness,
    );
}

/** A no-op preview of `given`: check against the recorded inputs, then diff against the record. */
function preview(given: Record<string, unknown>): { results: unknown[]; modules: string[] } {
    const record = recorded(given);
    const news = { ...given, identifier: "Prod_cluster" };
    const checked = inFreshProcess([{ method: "check", args: [record, news] }]).results[0] as { inputs: unknown };
    assert.ok(checked.inputs, `check failed: ${JSON.stringify(checked)}`);
    return inFreshProcess([
        { method: "check", args: [record, news] },
        { method: "diff", args: ["Prod_cluster", record, checked.inputs] },
    ]);
}

describe("what the dynamic provider loads @unit", () => {
    const connectors: Record<string, Record<string, unknown>> = {
        "a ServiceAccount connector": serviceAccount("https://k8s.example.com:6443"),
        "one with a delegate": serviceAccount("https://k8s.example.com:6443", { delegate: {} }),
        "one registered in Harness": serviceAccount("https://k8s.example.com:6443", {
            harness: { accountId: "acct", apiKey: "pat.acct.key.secret", test: "skip" },
        }),
    };

    for (const [what, given] of Object.entries(connectors)) {
        it(`a no-op preview of ${what} loads no heavy package and none of create's lifecycle`, () => {
            const { results, modules } = preview(given);
            assert.deepEqual(results[1], { changes: false, replaces: [], deleteBeforeReplace: false });
            const packages = packagesOf(modules);
            for (const p of HEAVY) assert.ok(!packages.has(p), `${p} was loaded`);
            const loaded = ours(modules);
            for (const m of [...CREATE_LIFECYCLE, ...CLIENTS]) assert.ok(!loaded.includes(m), `${m} was loaded`);
        });
    }

    it("a no-op preview of an inline Kubeconfig connector loads js-yaml (to read it), nothing heavier", () => {
        const kubeconfig = kubeconfigDocument(
            "prod",
            { server: "https://k8s.example.com:6443" },
            { token: "kc-token-123456" },
        );
        const { modules } = preview({ name: "Prod cluster", credential: { type: "Kubeconfig", kubeconfig } });
        const packages = packagesOf(modules);
        assert.ok(packages.has("js-yaml"));
        for (const p of ["undici", "@kubernetes/client-node"]) assert.ok(!packages.has(p), `${p} was loaded`);
    });

    it("destroying a connector that owns nothing outside the state loads neither the schema nor delete", () => {
        const record = recorded(connectors["a ServiceAccount connector"]);
        const { modules } = inFreshProcess([{ method: "delete", args: ["Prod_cluster", record] }]);
        assert.deepEqual(ours(modules).sort(), [
            "adapters/dynamic.js",
            "adapters/engineProps.js",
            "index.js",
            "lifecycle/deleteWork.js",
            // The layouts earlier versions stored (it imports nothing).
            "state/migrations.js",
        ]);
        assert.deepEqual([...packagesOf(modules)], []);
    });

    it("destroying one with a delegate (its cluster gone) loads no heavy package and none of create's lifecycle", () => {
        const record = recorded(serviceAccount(NO_SERVER, { delegate: {}, connectionTest: { timeoutSeconds: 5 } }));
        const { modules } = inFreshProcess([{ method: "delete", args: ["Prod_cluster", record] }]);
        const packages = packagesOf(modules);
        for (const p of HEAVY) assert.ok(!packages.has(p), `${p} was loaded`);
        const loaded = ours(modules);
        assert.ok(loaded.includes("lifecycle/delete.js"));
        // Delete removes from Harness too (when registered): its client is loaded, undici not.
        for (const m of CREATE_LIFECYCLE) assert.ok(!loaded.includes(m), `${m} was loaded`);
        // The record is decoded without the input schema (provider/state/decode.ts) and without the encoder.
        for (const m of ["inputs/schema.js", "inputs/validate.js", "state/encode.js", "state/published.js"])
            assert.ok(!loaded.includes(m), `${m} was loaded`);
    });
});
