// 4e. The installed delegate: up, no-op preview and destroy of ONE connector registered in Harness
// (the stand-in) that installs its delegate (examples/delegate-install), against the same connector
// with the delegate's identity only, in the same run; and the Harness requests of each phase, by
// endpoint, against the minimum. The delegate pod is played by the test-only agent (no kubelet
// here), which polls every 250 ms: the wait's share of `up` is the agent's and the poll's (1 s)
// latency, not a pod's start, which on a real cluster takes minutes (the image pull and the probes).
import * as path from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { repoRoot } from "../tools/binaries";
import { startHarnessStandIn } from "../tools/harness";
import { startDelegateAgent } from "../tools/harness/delegateAgent";
import { createTestStack } from "../tools/pulumiHarness";
import { duration, type Section, table, type Verdict } from "./markdown";
import { fmtRatio, ratioOf, summarize } from "./stats";

const EXAMPLE = path.join(repoRoot(), "examples", "delegate-install");

export interface DelegateInstallBenchContext {
    adminKubeconfig: string;
    adminKubeConfig: KubeConfig;
    runs: number;
    log: (l: string) => void;
}

/** Requests to the stand-in, as `METHOD /path` without the API prefix, counted. */
function countByEndpoint(requests: readonly { method: string; path: string }[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of requests) {
        const key = `${r.method} ${r.path.replace(/^.*\/ng\/api/, "").replace(/\/(v2\/secrets|connectors)\/[^/?]+/, "/$1/{id}")}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
}

/** The minimum of each endpoint per phase (what a client that knew the answers in advance would send). */
const MINIMUM: Record<string, Record<string, number | string>> = {
    up: {
        "GET /delegate-setup/latest-supported-version": 1,
        "POST /delegate-token-ng": 1,
        "POST /delegate-setup/listDelegates": "≥ 1 (until connected)",
        "GET /delegate-token-ng/delegate-groups": 1,
    },
    preview: {},
    destroy: { "PUT /delegate-token-ng": 1, "DELETE /delegate-token-ng": 1 },
};

export async function benchDelegateInstallSection(ctx: DelegateInstallBenchContext): Promise<Section> {
    const title =
        "4e. The installed delegate: one connector that installs its delegate vs its identity only (Harness stand-in)";
    // A delegate of the stand-in's own, without tags, runs the identity-only connector's test (it has
    // no selectors); the installed one's selectors (its tags) match only the installed delegate.
    const h = await startHarnessStandIn({ delegates: [{ name: "standing-delegate", selectors: [] }] });
    const agent = startDelegateAgent({
        kubeClient: ctx.adminKubeConfig,
        harnessUrl: h.managerUrl,
        trustedCaPems: [h.caCertPem],
        pollMs: 250,
    });
    const times: Record<"install" | "identity", Record<"up" | "preview" | "destroy", number[]>> = {
        install: { up: [], preview: [], destroy: [] },
        identity: { up: [], preview: [], destroy: [] },
    };
    const requests: Record<"up" | "preview" | "destroy", Map<string, number>[]> = { up: [], preview: [], destroy: [] };
    try {
        for (const variant of ["identity", "install"] as const) {
            const t = await createTestStack({
                programDir: EXAMPLE,
                config: {
                    adminKubeconfig: { value: ctx.adminKubeconfig, secret: true },
                    installDelegate: { value: String(variant === "install") },
                    delegateWaitSeconds: { value: "120" },
                },
                env: h.env,
            });
            try {
                for (let rep = 0; rep < ctx.runs; rep++) {
                    ctx.log(`[bench] 4e. ${variant} ${rep + 1}/${ctx.runs}`);
                    const timed = async (phase: "up" | "preview" | "destroy", run: () => Promise<unknown>) => {
                        const from = h.requests.length;
                        const started = performance.now();
                        await run();
                        times[variant][phase].push(performance.now() - started);
                        // The agent's heartbeats (the stand-in's own endpoint, the pod's part) are not the provider's requests.
                        const sent = h.requests.slice(from).filter((r) => !r.path.startsWith("/standin/"));
                        if (variant === "install") requests[phase].push(countByEndpoint(sent));
                    };
                    await timed("up", () => t.up());
                    await timed("preview", () => t.preview());
                    await timed("destroy", () => t.destroy());
                }
            } finally {
                await t.dispose();
            }
        }
    } finally {
        await agent.stop();
        await h.stop();
    }
    const rows = (["up", "preview", "destroy"] as const).map((phase) => {
        const a = summarize(times.install[phase]);
        const b = summarize(times.identity[phase]);
        return [
            phase === "preview" ? "no-op preview" : phase,
            duration(a.median),
            duration(b.median),
            fmtRatio(ratioOf(a, b)),
        ];
    });
    const endpointRows: string[][] = [];
    const delegateEndpoint = /delegate-/;
    for (const phase of ["up", "preview", "destroy"] as const) {
        const keys = new Set(requests[phase].flatMap((m) => [...m.keys()]).filter((k) => delegateEndpoint.test(k)));
        for (const k of Object.keys(MINIMUM[phase])) keys.add(k);
        if (keys.size === 0) endpointRows.push([phase === "preview" ? "no-op preview" : phase, "(none)", "0", "0"]);
        for (const k of [...keys].sort()) {
            const counts = requests[phase].map((m) => m.get(k) ?? 0);
            endpointRows.push([
                phase === "preview" ? "no-op preview" : phase,
                k,
                String(summarize(counts).median),
                String(MINIMUM[phase][k] ?? 0),
            ]);
        }
    }
    const previewDelegate = requests.preview.map((m) => [...m.entries()].reduce((n, [, c]) => n + c, 0));
    const upMints = requests.up.map((m) => m.get("POST /delegate-token-ng") ?? 0);
    const verdicts: Verdict[] = [
        {
            target: "installed delegate: Harness requests per step at the minimum (one image lookup, one mint, one group check on up; none on a no-op preview; revoke and purge on destroy)",
            met:
                upMints.every((n) => n === 1) &&
                previewDelegate.every((n) => n === 0) &&
                requests.destroy.every(
                    (m) =>
                        (m.get("PUT /delegate-token-ng") ?? 0) === 1 && (m.get("DELETE /delegate-token-ng") ?? 0) === 1,
                ),
            detail: `mints per up ${upMints.join(", ")}; requests per no-op preview ${previewDelegate.join(", ")}`,
        },
    ];
    return {
        title,
        body: [
            `${ctx.runs} runs of each, medians; the delegate pod is the test agent (250 ms poll), so the wait is the agent's and the 1 s poll's latency, not a real pod's start.`,
            table(["phase", "installs the delegate", "identity only", "ratio"], rows),
            "Delegate requests to Harness per phase (median of the runs), against the minimum:",
            table(["phase", "request", "sent", "minimum"], endpointRows),
        ],
        verdicts,
    };
}
