// 4b. With a delegate: up of 50 connectors that each provision a delegate identity (Namespace,
// ServiceAccount, Role, RoleBinding, long-lived token Secret) against the same objects declared
// with @pulumi/kubernetes. Guarded: measured only when the connector has a `delegate` input that
// makes the objects, and only when pulumi-resource-kubernetes could be built.
import * as path from "node:path";
import { connectorInputsSchema } from "../provider/inputs/schema";
import { KUBERNETES_PROVIDER_VERSION, repoRoot, ToolBuildError } from "../tools/binaries";
import type { AdminClients } from "../tools/identities";
import { kubernetesPluginDir } from "../tools/kubernetesPlugin";
import { enginePath } from "../tools/pulumiHarness";
import type { ConnectionTarget } from "./connectionBench";
import { bytes, duration, type Section, table } from "./markdown";
import { FatalError, Matrix, type Variant } from "./matrix";
import { connectorsVariant } from "./pulumiBench";
import { fmtRatio, ratioOf, type Summary } from "./stats";

const N = 50;
/** Target: the connectors' up of 50 with a delegate at most this share of @pulumi/kubernetes's. */
const TARGET_RATIO = 0.8;

/** The delegate block the bench gives connector i (see bench/programs/connectors). */
export function benchDelegate(i: number, provisionerKubeconfig: string): Record<string, unknown> {
    return {
        namespace: `bench-${i}`,
        serviceAccountName: "delegate",
        permissions: "deployments",
        namespaces: [`bench-${i}`],
        token: "long-lived",
        provisioner: { type: "Kubeconfig", kubeconfig: provisionerKubeconfig },
    };
}

export interface DelegatePreflight {
    /** Why the connector side cannot be measured, when it cannot. */
    connectorBlocked?: string;
    /** Folder holding `pulumi-resource-kubernetes`, when it could be built. */
    pluginDir?: string;
    /** Why the @pulumi/kubernetes side cannot be measured, when it cannot. */
    pluginBlocked?: string;
}

/** Whether the schema takes the bench's delegate block: `delegate` may not exist yet. */
export function delegateInputProblem(provisionerKubeconfig: string): string | undefined {
    const shape = (connectorInputsSchema as unknown as { shape?: Record<string, unknown> }).shape;
    if (!shape || !("delegate" in shape))
        return "the connector has no `delegate` input yet (provider/inputs/schema.ts)";
    const parsed = connectorInputsSchema.safeParse({
        name: "bench",
        credential: {
            type: "ManualConfig",
            masterUrl: "https://127.0.0.1:6443",
            auth: { type: "ServiceAccount", token: "t" },
        },
        delegate: benchDelegate(0, provisionerKubeconfig),
    });
    if (!parsed.success)
        return `the connector's \`delegate\` input does not take the bench's block: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`;
    return undefined;
}

/** Builds pulumi-resource-kubernetes (once) and puts it alone in a folder for PATH. */
export function preparePlugin(log: (l: string) => void): { dir?: string; problem?: string } {
    try {
        return { dir: kubernetesPluginDir(log) };
    } catch (e) {
        const msg = (e as Error).message;
        const logPath = e instanceof ToolBuildError ? e.logPath : undefined;
        const cause = msg
            .split("\n")
            .filter((l) => /403|404|not available|cannot find|missing|error/i.test(l))
            .slice(0, 3)
            .join(" / ");
        return {
            problem: `building pulumi-resource-kubernetes ${KUBERNETES_PROVIDER_VERSION} in tools/kubernetes-provider failed: ${cause || msg.split("\n")[0]}${logPath ? ` (log: ${logPath})` : ""}`,
        };
    }
}

export function delegatePreflight(provisionerKubeconfig: string, log: (l: string) => void): DelegatePreflight {
    const connectorBlocked = delegateInputProblem(provisionerKubeconfig);
    const plugin = preparePlugin(log);
    return { connectorBlocked, pluginDir: plugin.dir, pluginBlocked: plugin.problem };
}

async function waitNamespacesGone(admin: AdminClients, seconds = 180): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        const list = await admin.core.listNamespace();
        const left = list.items.map((n) => n.metadata?.name ?? "").filter((n) => /^bench-\d+$/.test(n));
        if (left.length === 0) return;
        if (Date.now() > deadline)
            throw new Error(
                `namespaces ${left.slice(0, 5).join(", ")}${left.length > 5 ? "…" : ""} still exist ${seconds} s after destroy`,
            );
        await new Promise((r) => setTimeout(r, 250));
    }
}

export interface DelegateContext {
    target: ConnectionTarget;
    admin: AdminClients;
    adminKubeconfig: string;
    preflight: DelegatePreflight;
    runs: number;
    /** Plain connectors at N=50 (section 4), for what the delegate adds. */
    plainAt50?: { up: Summary; preview: Summary; destroy: Summary };
    /** Set when there is no time left for this section. */
    timeBlocked?: string;
    log(l: string): void;
}

const notMeasured = (why: string) => `not measured: ${why}`;

export async function benchDelegateSection(ctx: DelegateContext): Promise<Section> {
    const title = "4b. Pulumi: 50 connectors with a delegate vs @pulumi/kubernetes";
    const desc = `Each connector also provisions \`delegate: { namespace: "bench-<i>", serviceAccountName: "delegate", permissions: "deployments", namespaces: ["bench-<i>"], token: "long-lived", provisioner: <admin kubeconfig> }\` (\`namespaces\` makes it a Role + RoleBinding in bench-<i>, the objects the other side declares); the other side is bench/programs/kubernetes-delegate: the same Namespace, ServiceAccount, Role, RoleBinding and token Secret with @pulumi/kubernetes ${KUBERNETES_PROVIDER_VERSION.slice(1)} (pulumi-resource-kubernetes built from tools/kubernetes-provider, on PATH) through a Provider with the admin kubeconfig. @pulumi/kubernetes's destroy waits for each Namespace to be gone, so its destroy figure holds the wait the connectors' leaves untimed.`;
    const target = `with a delegate: up of 50 ≤ ${TARGET_RATIO}× @pulumi/kubernetes`;
    const { preflight } = ctx;
    const reasons = [
        preflight.connectorBlocked && `connectors with a delegate: ${preflight.connectorBlocked}`,
        preflight.pluginBlocked && `@pulumi/kubernetes: ${preflight.pluginBlocked}`,
        ctx.timeBlocked,
    ].filter(Boolean) as string[];

    const withDelegate: Variant = {
        ...connectorsVariant(ctx.target, {
            key: "delegate",
            label: "connectors with a delegate",
            delegate: { provisionerKubeconfig: ctx.adminKubeconfig },
        }),
        afterUp: async () => {
            // The connector must have made the objects: otherwise the input is accepted but not implemented yet.
            try {
                await ctx.admin.core.readNamespacedServiceAccount({ namespace: "bench-0", name: "delegate" });
            } catch {
                throw new DelegateNotImplemented(
                    "the connector accepts `delegate` but `pulumi up` made no ServiceAccount bench-0/delegate (not implemented in the provider yet?)",
                );
            }
        },
        afterDestroy: () => waitNamespacesGone(ctx.admin),
    };
    const kubernetes: Variant | undefined = preflight.pluginDir
        ? {
              key: "kubernetes",
              label: "@pulumi/kubernetes",
              programDir: path.join(repoRoot(), "bench", "programs", "kubernetes-delegate"),
              config: (n) => ({
                  count: { value: String(n) },
                  kubeconfig: { value: ctx.adminKubeconfig, secret: true },
              }),
              env: { PATH: `${preflight.pluginDir}${path.delimiter}${enginePath()}` },
              // Namespace, ServiceAccount, Role, RoleBinding, Secret per i; the Provider and the stack.
              resources: (n) => 5 * n + 2,
              providerNeedle: "pulumi-resource-kubernetes",
              afterDestroy: () => waitNamespacesGone(ctx.admin),
          }
        : undefined;

    const variants: Variant[] = [
        ...(preflight.connectorBlocked || ctx.timeBlocked ? [] : [withDelegate]),
        ...(kubernetes && !ctx.timeBlocked ? [kubernetes] : []),
    ];
    const measured = new Map<
        string,
        { up: Summary; preview: Summary; destroy: Summary; peakRss: Summary; noop: string }
    >();
    const failures: string[] = [];
    const matrix = new Matrix(ctx.log);
    try {
        await waitNamespacesGone(ctx.admin);
        for (let rep = 0; rep < ctx.runs && variants.length; rep++) {
            for (const v of rep % 2 === 0 ? [...variants] : [...variants].reverse()) {
                try {
                    await matrix.repetition(v, N);
                } catch (e) {
                    if (!(e instanceof DelegateNotImplemented)) throw e;
                    reasons.push(`connectors with a delegate: ${e.message}`);
                    variants.splice(variants.indexOf(v), 1);
                    await matrix.dispose();
                    await waitNamespacesGone(ctx.admin);
                }
            }
        }
        for (const v of variants) {
            const x = matrix.summary(v, N);
            if (x)
                measured.set(v.key, {
                    up: x.up,
                    preview: x.preview,
                    destroy: x.destroy,
                    peakRss: x.peakRss,
                    noop: `${x.noopRuns}/${x.runs} (${x.previewSummaries.join(" ")})`,
                });
            for (const f of x?.failures ?? [])
                failures.push(`Failed attempt (cleaned up and run again, not counted): ${v.label}: ${f}`);
        }
    } catch (e) {
        reasons.push(`failed: ${(e as Error).message}`);
    } finally {
        await matrix.dispose();
    }

    const d = (x: Summary) => `${duration(x.median)} (${duration(x.min)}–${duration(x.max)})`;
    const col = (key: string, f: (m: NonNullable<ReturnType<typeof measured.get>>) => string) => {
        const m = measured.get(key);
        return m ? f(m) : "not measured";
    };
    const a = measured.get("delegate");
    const b = measured.get("kubernetes");
    const plain = ctx.plainAt50;
    const ratio = (x: Summary | undefined, y: Summary | undefined) => (x && y ? fmtRatio(ratioOf(x, y)) : "—");
    const rows = (["up", "preview", "destroy"] as const).map((op) => [
        op === "preview"
            ? "no-op preview"
            : op === "destroy"
              ? "destroy (the wait for the namespaces to go is not timed)"
              : op,
        plain ? d(plain[op]) : "—",
        col("delegate", (m) => d(m[op])),
        col("kubernetes", (m) => d(m[op])),
        ratio(a?.[op], b?.[op]),
    ]);
    rows.push([
        "no-op preview reports only `same`",
        "",
        col("delegate", (m) => m.noop),
        col("kubernetes", (m) => m.noop),
        "",
    ]);
    rows.push([
        "peak VmRSS of the provider process (max)",
        "",
        col("delegate", (m) => bytes(m.peakRss.max)),
        col("kubernetes", (m) => bytes(m.peakRss.max)),
        "",
    ]);
    return {
        title,
        body: [
            desc,
            ...(measured.size
                ? [
                      table(
                          [
                              "N=50",
                              "connectors without a delegate (section 4)",
                              "connectors with a delegate",
                              "@pulumi/kubernetes",
                              "with a delegate / @pulumi/kubernetes",
                          ],
                          rows,
                      ),
                  ]
                : []),
            ...failures,
            ...reasons.map((r) => notMeasured(r)),
        ],
        verdicts: [
            {
                target,
                met: a && b ? a.up.median <= TARGET_RATIO * b.up.median : undefined,
                detail:
                    a && b
                        ? `${duration(a.up.median)} vs ${duration(b.up.median)} (${ratioOf(a.up, b.up).median.toFixed(2)}×)`
                        : notMeasured(reasons.join("; ")),
            },
        ],
    };
}

class DelegateNotImplemented extends FatalError {}
