// 4c. Harness registration: up, no-op preview and destroy of 50 connectors registered in Harness
// (the local stand-in of its NG API, tools/harness) against the same 50 without registration, in
// the same run; the stand-in's own time; and the requests sent per connector against the minimum
// (one per secret, one connector, one test on up; none on preview; one connector, one per secret on destroy).
import { startHarnessStandIn } from "../tools/harness";
import type { ConnectionTarget } from "./connectionBench";
import { duration, type Section, table, type Verdict } from "./markdown";
import { Matrix, type Variant } from "./matrix";
import { connectorsVariant } from "./pulumiBench";
import { fmtRatio, ratioOf, type Summary, summarize } from "./stats";

const N = 50;
/** Secrets a ServiceAccount connector with a CA registers: the token and the CA. */
const SECRETS = 2;
/** How long the stand-in keeps a deleted connector's references to its secrets (its default). */
const RELEASE_MS = 1500;

export interface HarnessBenchContext {
    target: ConnectionTarget;
    runs: number;
    log: (l: string) => void;
}

export async function benchHarnessSection(ctx: HarnessBenchContext): Promise<Section> {
    const standIn = await startHarnessStandIn({ referenceReleaseMs: RELEASE_MS });
    const title = "4c. Harness registration: 50 connectors registered in Harness (stand-in) vs not";
    try {
        const plain = connectorsVariant(ctx.target, { key: "plain50", label: "connectors, not registered" });
        const base = connectorsVariant(ctx.target);
        const registered: Variant = {
            ...base,
            key: "harness50",
            label: "connectors registered in Harness",
            config: (n) => ({ ...base.config(n), harness: { value: "true" } }),
            env: standIn.env,
        };
        const phases: { up: number; preview: number; destroy: number; refused: number; standInMs: number }[] = [];
        const matrix = new Matrix(ctx.log);
        try {
            await matrix.prepare([
                [plain, N],
                [registered, N],
            ]);
            for (let rep = 0; rep < ctx.runs; rep++) {
                await matrix.repetition(plain, N);
                const started = standIn.requests.length;
                // Where the last (successful) up ended: an attempt that failed and ran again counts once.
                let upEnded = started;
                const variant: Variant = {
                    ...registered,
                    afterUp: async () => {
                        upEnded = standIn.requests.length;
                    },
                };
                // The preview's requests: those between the end of up and the start of destroy.
                await matrix.repetition(variant, N);
                const all = standIn.requests.slice(started);
                const upCount = upEnded - started;
                const rest = standIn.requests.slice(upEnded);
                const previewCount = Math.max(
                    0,
                    rest.findIndex((r) => r.method === "DELETE"),
                );
                const destroy = rest.slice(previewCount);
                // A secret's delete refused while Harness still holds the deleted connector's references.
                const refused = destroy.filter((r) => r.code === "ENTITY_REFERENCE_EXCEPTION").length;
                phases.push({
                    up: upCount,
                    preview: previewCount,
                    destroy: destroy.length - refused,
                    refused,
                    standInMs: all.reduce((sum, r) => sum + (r.ms ?? 0), 0),
                });
            }
        } finally {
            await matrix.dispose();
        }
        const p = matrix.summary(plain, N);
        const h = matrix.summary(registered, N);
        if (!p || !h) throw new Error("a variant produced no successful run");
        const ms = (s: Summary) => `${duration(s.median)} (${duration(s.min)}–${duration(s.max)})`;
        const perConnector = (f: (x: (typeof phases)[number]) => number) => summarize(phases.map((x) => f(x) / N));
        const upReq = perConnector((x) => x.up);
        const previewReq = perConnector((x) => x.preview);
        const destroyReq = perConnector((x) => x.destroy);
        const refusedReq = perConnector((x) => x.refused);
        const standInMs = summarize(phases.map((x) => x.standInMs));
        const upMin = SECRETS + 2;
        const destroyMin = SECRETS + 1;
        const verdicts: Verdict[] = [
            {
                target: "Harness registration: requests per connector at the minimum: on up one per secret, one connector, one test; none on a no-op preview; on destroy one connector and one per secret, besides the deletes Harness refuses while it releases the connector's references",
                met: upReq.max <= upMin && previewReq.max === 0 && destroyReq.max <= destroyMin,
                detail: `up ${upReq.median} per connector (max ${upReq.max}) vs ${upMin}; preview ${previewReq.max}; destroy ${destroyReq.median} (max ${destroyReq.max}) vs ${destroyMin}, and ${refusedReq.median} refused (ENTITY_REFERENCE_EXCEPTION) while the references were released`,
            },
        ];
        return {
            title,
            body: [
                `Both variants run the full connection test; the registered one also creates ${SECRETS} text secrets and the K8sCluster connector per connector and runs Harness's test (gate) on the stand-in's delegate, which talks to the same cluster. The stand-in runs in the bench's own process (its time below is included in the registered variant's wall time).`,
                "",
                table(
                    ["N=50", "not registered", "registered in Harness", "ratio"],
                    [
                        ["up", ms(p.up), ms(h.up), fmtRatio(ratioOf(h.up, p.up))],
                        ["no-op preview", ms(p.preview), ms(h.preview), fmtRatio(ratioOf(h.preview, p.preview))],
                        ["destroy", ms(p.destroy), ms(h.destroy), fmtRatio(ratioOf(h.destroy, p.destroy))],
                        [
                            "provider peak memory",
                            `${(p.peakRss.median / 2 ** 20).toFixed(0)} MB`,
                            `${(h.peakRss.median / 2 ** 20).toFixed(0)} MB`,
                            "",
                        ],
                    ],
                ),
                "",
                table(
                    ["requests to Harness per connector", "measured (median, max)", "minimum"],
                    [
                        ["up", `${upReq.median} (${upReq.max})`, String(upMin)],
                        ["no-op preview", `${previewReq.median} (${previewReq.max})`, "0"],
                        ["destroy, accepted", `${destroyReq.median} (${destroyReq.max})`, String(destroyMin)],
                        [
                            "destroy, refused while Harness releases the references",
                            `${refusedReq.median} (${refusedReq.max})`,
                            "—",
                        ],
                    ],
                ),
                "",
                `Harness releases a deleted connector's references to its secrets asynchronously (harness-core's ConnectorEntityReferenceHelper, through the event framework; the stand-in after ${RELEASE_MS} ms), and until then refuses to delete those secrets (ENTITY_REFERENCE_EXCEPTION). Each connector's destroy therefore waits about that long (its secret deletes retried at 250, 500, 1000 ms), which is most of the destroy's ratio above: Harness's pace, not requests of ours.`,
                "",
                `The stand-in's own time answering one repetition's requests (up, preview, destroy of 50; its delegate's test connections included): ${ms(standInMs)}.`,
            ],
            verdicts,
        };
    } finally {
        await standIn.stop();
    }
}
