// What a user sees in the stack's Diagnostics: `preview`, `up`, a no-op `preview` and `destroy` of
// every example, through the real engine, with Node.js warnings shown (no --disable-warning), must
// print no diagnostic but the connector's own. @pulumi/pulumi's closure serializer loads every
// built-in module while it serializes the dynamic provider, and loading `node:sqlite` used to
// print "ExperimentalWarning: SQLite is an experimental feature" as two warnings on each run.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import type { automation } from "@pulumi/pulumi";
import { DEPLOYMENTS_RULES } from "../provider/permissions";
import { repoRoot } from "../tools/binaries";
import { type ControlPlane, kubeconfigFor, startControlPlane } from "../tools/controlPlane";
import { type HarnessStandIn, startHarnessStandIn } from "../tools/harness";
import {
    adminClients,
    createServiceAccountWithToken,
    ensureNamespace,
    grantInNamespace,
    LIST_CONTROLLERS,
} from "../tools/identities";
import { createTestStack, type TestStack } from "../tools/pulumiHarness";

/** A diagnostic as the engine reports it, with the resource it is about. */
interface Diagnostic {
    op: string;
    severity: string;
    urn?: string;
    message: string;
}

/**
 * Runs preview, up, a no-op preview and destroy; returns every diagnostic the engine sent
 * and everything the CLI printed.
 */
async function runAndCollect(t: TestStack): Promise<{ diagnostics: Diagnostic[]; printed: string }> {
    const diagnostics: Diagnostic[] = [];
    const printed: string[] = [];
    const on = (op: string) => ({
        onOutput: (s: string) => printed.push(s),
        onEvent: (e: automation.EngineEvent) => {
            const d = e.diagnosticEvent;
            if (d && (d.severity as string) !== "debug")
                diagnostics.push({ op, severity: d.severity, urn: d.urn, message: d.message });
        },
    });
    await t.preview(on("preview"));
    const up = await t.up(on("up"));
    assert.equal(up.summary.result, "succeeded");
    const noop = await t.preview(on("no-op preview"));
    assert.deepEqual(Object.keys(noop.changeSummary), ["same"]);
    await t.destroy(on("destroy"));
    return { diagnostics, printed: printed.join("") };
}

describe("no stray diagnostics: the examples' preview, up and destroy print only the connector's own", () => {
    let cp: ControlPlane;
    let harness: HarnessStandIn;
    let saConfig: Record<string, { value: string; secret?: boolean }>;
    let kubeconfigConfig: Record<string, { value: string; secret?: boolean }>;

    before(async () => {
        cp = await startControlPlane();
        harness = await startHarnessStandIn();
        const admin = adminClients(cp);
        const sa = await createServiceAccountWithToken(admin, "diag", "connector");
        await grantInNamespace(admin, sa, "default", LIST_CONTROLLERS, "connector-list");
        await ensureNamespace(admin, "apps");
        await grantInNamespace(admin, sa, "apps", [...DEPLOYMENTS_RULES, ...LIST_CONTROLLERS], "connector-apps");
        saConfig = {
            masterUrl: { value: cp.server },
            caCert: { value: cp.ca.certPem },
            token: { value: sa.token, secret: true },
        };
        const doc = kubeconfigFor(cp.server, cp.ca.certPem, { name: "connector", token: sa.token });
        kubeconfigConfig = { kubeconfig: { value: doc, secret: true }, namespace: { value: "apps" } };
    });
    after(async () => {
        await harness?.stop();
        await cp?.stop();
    });
    /** Where the examples that register in Harness (harness, demo) find it: the local stand-in. */
    const harnessEnv = () => harness.env;

    const examples: {
        name: string;
        dir: () => string;
        config: () => Record<string, { value: string; secret?: boolean }>;
    }[] = [
        {
            name: "service-account-token",
            dir: () => path.join(repoRoot(), "examples", "service-account-token"),
            config: () => saConfig,
        },
        {
            name: "kubeconfig",
            dir: () => path.join(repoRoot(), "examples", "kubeconfig"),
            config: () => kubeconfigConfig,
        },
        {
            name: "least-privilege-delegate",
            dir: () => path.join(repoRoot(), "examples", "least-privilege-delegate"),
            config: () => ({
                adminKubeconfig: { value: cp.kubeconfig, secret: true },
                appNamespace: { value: "apps" },
            }),
        },
        {
            // Without its delegate install: no kubelet runs pods here (npm run demo installs it as pods).
            name: "demo",
            dir: () => repoRoot(),
            config: () => ({ kubeconfig: { value: cp.kubeconfig, secret: true }, installDelegate: { value: "false" } }),
        },
        { name: "harness", dir: () => path.join(repoRoot(), "examples", "harness"), config: () => saConfig },
    ];

    for (const example of examples) {
        it(`examples/${example.name}`, async () => {
            const t = await createTestStack({ programDir: example.dir(), config: example.config(), env: harnessEnv() });
            try {
                const { diagnostics, printed } = await runAndCollect(t);
                // The connector's own are about a connector (an expiring credential); any other is stray.
                const stray = diagnostics.filter((d) => !d.urn?.includes("::pulumi-nodejs:dynamic:Resource::"));
                assert.deepEqual(stray, [], `stray diagnostics: ${JSON.stringify(stray)}`);
                assert.doesNotMatch(printed, /ExperimentalWarning|Diagnostics:/);
                assert.deepEqual(harness.contractViolations, [], "the stand-in kept Harness's contract");
            } finally {
                await t.dispose();
            }
        });
    }

    it("a program's own warnings still reach the user", async () => {
        const t = await createTestStack({
            programDir: path.join(repoRoot(), "test", "fixtures", "program-warnings"),
            config: saConfig,
        });
        try {
            const messages: string[] = [];
            await t.preview({
                onEvent: (e) => {
                    const d = e.diagnosticEvent;
                    if (d && (d.severity as string) !== "debug") messages.push(d.message);
                },
            });
            const warnings = messages.filter((m) => /Warning: /.test(m));
            assert.equal(warnings.length, 2, JSON.stringify(messages));
            assert.match(warnings[0], /ExperimentalWarning: the program's own experimental feature/);
            assert.match(warnings[1], /DeprecationWarning: the program's own deprecated call/);
        } finally {
            await t.dispose();
        }
    });
});
