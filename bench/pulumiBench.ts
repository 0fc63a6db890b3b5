// 4. Pulumi: up, no-op preview and destroy of N connectors against the floor (the same N of an
// empty dynamic resource), and 5. the state a connector leaves.
import * as path from "node:path";
import { repoRoot } from "../tools/binaries";
import type { TestStack } from "../tools/pulumiHarness";
import type { ConnectionTarget } from "./connectionBench";
import { bytes, duration, type Section, table, type Verdict } from "./markdown";
import { type CellSummary, Matrix, type Variant } from "./matrix";
import { exportedResource } from "./stateExport";
import { fmtRatio, ratioOf, type Summary, summarize } from "./stats";

/** The N measured: 50 carries the main targets, 200 and 500 show how the cost grows. */
/** PKC_BENCH_SIZES="1,50" measures only those (a partial run; the growth target then needs 50, 200 and 500). */
/** The N whose state section 5 reads: 10, or the smallest measured in a partial run. */
const STATE_N_PREFERRED = 10;
export const SIZES: readonly number[] = process.env.PKC_BENCH_SIZES?.split(",").map(Number) ?? [1, 10, 50, 200, 500];
const STATE_N = SIZES.includes(STATE_N_PREFERRED) ? STATE_N_PREFERRED : SIZES[0];

/** The connectors program (bench/programs/connectors) with the token of `target`. */
export function connectorsVariant(
    target: ConnectionTarget,
    extra: { key?: string; label?: string; delegate?: { provisionerKubeconfig: string } } = {},
): Variant {
    return {
        key: extra.key ?? "connectors",
        label: extra.label ?? "connectors",
        programDir: path.join(repoRoot(), "bench", "programs", "connectors"),
        config: (n) => ({
            count: { value: String(n) },
            masterUrl: { value: target.server },
            caCert: { value: target.caPem },
            token: { value: target.token, secret: true },
            requiredPermissions: { value: "deployments" },
            ...(extra.delegate
                ? {
                      delegate: { value: "true" },
                      provisionerKubeconfig: { value: extra.delegate.provisionerKubeconfig, secret: true },
                  }
                : {}),
        }),
        resources: (n) => n + 1,
        providerNeedle: "dynamic-provider",
    };
}

export function floorVariant(): Variant {
    return {
        key: "floor",
        label: "floor (trivial-dynamic)",
        programDir: path.join(repoRoot(), "test", "fixtures", "trivial-dynamic"),
        config: (n) => ({ count: { value: String(n) } }),
        resources: (n) => n + 1,
        providerNeedle: "dynamic-provider",
    };
}

interface StateSample {
    exportBytes: number;
    perResourceShare: number;
    resourceJson: number;
    provider: number;
    /** Compact JSON bytes of each field of one resource (`inputs.x`, `outputs.x`, and the rest). */
    fields: Record<string, number>;
}

async function sampleState(stack: TestStack, n: number): Promise<StateSample> {
    const r = exportedResource(await stack.exportState(), n, "the state export");
    return {
        fields: r.fields,
        exportBytes: r.exportBytes,
        perResourceShare: r.share,
        resourceJson: r.resourceJson,
        provider: Buffer.byteLength(String(r.one.outputs?.__provider ?? "")),
    };
}

type Op = "up" | "preview" | "destroy";
const OPS: readonly Op[] = ["up", "preview", "destroy"];
const opLabel = (op: Op) => (op === "preview" ? "no-op preview" : op);

export interface PulumiContext {
    target: ConnectionTarget;
    /** Milliseconds (Date.now()) by which the whole bench should be done. */
    deadline: number;
    /** Time to keep for what comes after this section, given the first repetition's wall time. */
    reserveMs(firstRepetitionMs: number, firstUp50Ms: number): number;
    minRuns: number;
    maxRuns: number;
    log(l: string): void;
}

export interface PulumiResult {
    sections: Section[];
    runs: number;
    connectorsAt50?: CellSummary;
    firstRepetitionMs: number;
    firstUp50Ms: number;
}

export async function benchPulumi(ctx: PulumiContext): Promise<PulumiResult> {
    const matrix = new Matrix(ctx.log);
    const connectors = connectorsVariant(ctx.target);
    const floor = floorVariant();
    const states: Record<string, StateSample[]> = { connectors: [], floor: [] };
    for (const v of [connectors, floor]) {
        v.afterUp = async (n, stack) => {
            if (n === STATE_N) states[v.key].push(await sampleState(stack, n));
        };
    }
    try {
        await matrix.prepare(
            SIZES.flatMap(
                (n) =>
                    [
                        [connectors, n],
                        [floor, n],
                    ] as [Variant, number][],
            ),
        );

        // Repetition 1 starts with an up of 50 connectors: how long that takes sets how many repetitions fit.
        let runs = ctx.minRuns;
        let firstRepetitionMs = 0;
        let firstUp50Ms = 0;
        for (let rep = 0; rep < runs; rep++) {
            const started = Date.now();
            const sizes = rep % 2 === 0 ? [...SIZES].reverse() : [...SIZES];
            const variants = rep % 2 === 0 ? [connectors, floor] : [floor, connectors];
            for (const n of sizes) {
                for (const v of variants) {
                    const r = await matrix.repetition(v, n);
                    if (rep === 0 && v === connectors && n === 50) {
                        firstUp50Ms = r.upMs;
                        ctx.log(`[bench] the first up of 50 connectors took ${duration(r.upMs)}`);
                    }
                }
            }
            if (rep === 0) {
                firstRepetitionMs = Date.now() - started;
                const left = ctx.deadline - Date.now() - ctx.reserveMs(firstRepetitionMs, firstUp50Ms);
                const fit = 1 + Math.floor(left / firstRepetitionMs);
                runs = Math.max(ctx.minRuns, Math.min(ctx.maxRuns, fit));
                ctx.log(
                    `[bench] one repetition (up, preview, destroy of connectors and floor at N=${SIZES.join(", ")}) took ${duration(firstRepetitionMs)}: ${fit} fit in the time left, running ${runs}`,
                );
            }
        }
        return { ...render(matrix, connectors, floor, states, ctx, runs, firstRepetitionMs, firstUp50Ms) };
    } finally {
        await matrix.dispose();
    }
}

function render(
    matrix: Matrix,
    connectors: Variant,
    floor: Variant,
    states: Record<string, StateSample[]>,
    ctx: PulumiContext,
    runs: number,
    firstRepetitionMs: number,
    firstUp50Ms: number,
): PulumiResult {
    const s = (v: Variant, n: number) => matrix.summary(v, n)!;
    const cell = (v: Variant, n: number) => matrix.cell(v, n);
    const d = (x: Summary) => `${duration(x.median)} (${duration(x.min)}–${duration(x.max)})`;
    const rows: string[][] = [];
    for (const n of SIZES) {
        for (const op of OPS) {
            const c = s(connectors, n)[op];
            const f = s(floor, n)[op];
            rows.push([String(n), opLabel(op), d(f), d(c), fmtRatio(ratioOf(c, f))]);
        }
    }
    // Marginal cost of one more resource between two N: per repetition (t_b − t_a) / (b − a).
    const marginal = (v: Variant, op: Op, a: number, b: number) =>
        summarize(cell(v, b)[op].map((tb, i) => (tb - cell(v, a)[op][i]) / (b - a)));
    const intervals = SIZES.slice(1).map((b, i) => [SIZES[i], b] as const);
    const marginalRows = intervals.flatMap(([a, b]) =>
        OPS.map((op) => {
            const c = marginal(connectors, op, a, b);
            const f = marginal(floor, op, a, b);
            return [`${a} → ${b}`, opLabel(op), d(f), d(c), duration(c.median - f.median)];
        }),
    );
    const growth = (v: Variant, op: Op) => SIZES.map((n) => `N=${n}: ${duration(s(v, n)[op].median)}`).join(" → ");
    const noopRows = SIZES.flatMap((n) =>
        [floor, connectors].map((v) => {
            const x = s(v, n);
            return [v.label, String(n), `${x.noopRuns}/${x.runs}`, x.previewSummaries.join(" ")];
        }),
    );
    const rssRows = SIZES.flatMap((n) =>
        [floor, connectors].map((v) => {
            const x = s(v, n).peakRss;
            return [v.label, String(n), bytes(x.median), bytes(x.min), bytes(x.max)];
        }),
    );

    const failureLines = SIZES.flatMap((n) =>
        [floor, connectors].flatMap((v) =>
            s(v, n).failures.map(
                (f) => `Failed attempt (cleaned up and run again, not counted): ${v.label} N=${n}: ${f}`,
            ),
        ),
    );
    const ratio50 = (op: Op) => ratioOf(s(connectors, 50)[op], s(floor, 50)[op]);
    const vs = (op: Op, n: number) =>
        `${ratioOf(s(connectors, n)[op], s(floor, n)[op]).median.toFixed(2)}× (${duration(s(connectors, n)[op].median)} vs ${duration(s(floor, n)[op].median)})`;
    const allNoop = SIZES.every((n) => s(connectors, n).noopRuns === s(connectors, n).runs);
    // A partial run (PKC_BENCH_SIZES without 50) has no N=50 figures: those targets are then not measured.
    const has50 = SIZES.includes(50);
    const notMeasured = `not measured: this run measured N = ${SIZES.join(", ")} (PKC_BENCH_SIZES)`;
    const at50 = (target: string, met: () => boolean, detail: () => string): Verdict =>
        has50 ? { target, met: met(), detail: detail() } : { target, met: undefined, detail: notMeasured };
    const rss50 = () => s(connectors, 50).peakRss;
    const floorRss50 = () => s(floor, 50).peakRss;
    const big = SIZES[SIZES.length - 1];
    // Flat: the marginal cost per connector from 200 to 500 is no more than 1.25× that from 50 to 200.
    const flat = (op: Op) => {
        const early = marginal(connectors, op, 50, 200).median;
        const late = marginal(connectors, op, 200, big).median;
        return { early, late, ok: late <= 1.25 * Math.max(early, 0.5) };
    };
    const growthMeasured = [50, 200, big].every((n) => SIZES.includes(n)) && big > 200;
    const flatUp = growthMeasured ? flat("up") : { early: 0, late: 0, ok: false };
    const flatPv = growthMeasured ? flat("preview") : { early: 0, late: 0, ok: false };
    const at500 = (op: Op) => ratioOf(s(connectors, big)[op], s(floor, big)[op]).median;

    const verdicts: Verdict[] = [
        at50(
            "up of 50 connectors ≤ 1.15× the floor",
            () => ratio50("up").median <= 1.15,
            () => vs("up", 50),
        ),
        at50(
            "no-op preview of 50 ≤ 1.05× the floor, 0 changes",
            () => ratio50("preview").median <= 1.05 && s(connectors, 50).noopRuns === s(connectors, 50).runs,
            () =>
                `${vs("preview", 50)}; only \`same\` in ${s(connectors, 50).noopRuns}/${s(connectors, 50).runs} runs (${s(connectors, 50).previewSummaries.join(" ")})`,
        ),
        at50(
            "destroy of 50 ≤ 1.15× the floor",
            () => ratio50("destroy").median <= 1.15,
            () => vs("destroy", 50),
        ),
        at50(
            "provider process peak memory at N=50 ≤ the floor's + 25 MB",
            () => rss50().median <= floorRss50().median + 25 * 2 ** 20,
            () =>
                `peak VmRSS of the dynamic provider over up, preview and destroy: median ${bytes(rss50().median)} (max ${bytes(rss50().max)}) vs the floor's ${bytes(floorRss50().median)} + 25 MB`,
        ),
        growthMeasured
            ? {
                  target: `cost growth: marginal cost per connector flat from 50 to ${big}, and up and no-op preview at ${big} ≤ 1.15× the floor`,
                  met: flatUp.ok && flatPv.ok && at500("up") <= 1.15 && at500("preview") <= 1.15 && allNoop,
                  detail:
                      `per connector, up: ${duration(flatUp.early)} (50→200) then ${duration(flatUp.late)} (200→${big}); no-op preview: ${duration(flatPv.early)} then ${duration(flatPv.late)} ("flat": the second ≤ 1.25× the first); ` +
                      `at ${big}: up ${vs("up", big)}, no-op preview ${vs("preview", big)}; no-op previews only \`same\` at every N: ${allNoop ? "yes" : "no"}`,
              }
            : {
                  target: "cost growth: marginal cost per connector flat from 50 to 500",
                  met: undefined,
                  detail: notMeasured,
              },
    ];

    const section4: Section = {
        title: "4. Pulumi: N connectors vs the floor",
        body: [
            `Each connector runs the full connection test ("deployments") on create. The floor is the same N of test/fixtures/trivial-dynamic (a dynamic resource that does nothing). One stack per program and N; each repetition is up → no-op preview → destroy, programs and N interleaved. ${runs} repetitions: the first up of 50 connectors took ${duration(firstUp50Ms)} and the first repetition ${duration(firstRepetitionMs)}, so ${runs} fit the bench's time budget. Wall time of the Automation API call (the \`pulumi\` CLI, the Node.js language host with ts-node, the dynamic provider).`,
            table(["N", "operation", "floor", "connectors", "connectors / floor"], rows),
            `Marginal cost per resource between two N, (t_b − t_a) / (b − a) per repetition:`,
            table(["N", "operation", "floor", "connectors", "connector − floor"], marginalRows),
            ...OPS.map(
                (op) =>
                    `Cost growth of ${opLabel(op)} — connectors: ${growth(connectors, op)}; floor: ${growth(floor, op)}.`,
            ),
            `No-op preview right after up (resources the engine reports, stack included):`,
            table(["program", "N", "only `same`", "changeSummary"], noopRows),
            ...failureLines,
            `Peak VmRSS of the provider process (command line containing "dynamic-provider", /proc polled every 100 ms) over a repetition:`,
            table(["program", "N", "median", "min", "max"], rssRows),
        ],
        verdicts,
    };

    const st = (key: string) => {
        const x = states[key];
        return {
            share: summarize(x.map((v) => v.perResourceShare)),
            json: summarize(x.map((v) => v.resourceJson)),
            provider: summarize(x.map((v) => v.provider)),
            total: summarize(x.map((v) => v.exportBytes)),
        };
    };
    const c = st("connectors");
    const f = st("floor");
    const b = (x: Summary) => `${bytes(x.median)} (${bytes(x.min)}–${bytes(x.max)})`;
    const section5: Section = {
        title: "5. State",
        body: [
            `\`pulumi stack export\` of the N=${STATE_N} stacks right after each up (${c.total.runs} samples each).`,
            table(
                ["measurement", "floor (trivial-dynamic)", "connectors"],
                [
                    [`whole export, N=${STATE_N}`, b(f.total), b(c.total)],
                    ["export / N (per resource, with its share of the stack)", b(f.share), b(c.share)],
                    ["one resource's JSON (compact)", b(f.json), b(c.json)],
                    ["its `__provider`", b(f.provider), b(c.provider)],
                ],
            ),
            `Largest fields of one connector in the export (compact JSON bytes; secrets are ciphertext):`,
            table(
                ["field", "bytes"],
                Object.entries(states.connectors[0]?.fields ?? {})
                    .sort((x, y) => y[1] - x[1])
                    .slice(0, 10)
                    .map(([k, v]) => [`\`${k}\``, String(v)]),
            ),
        ],
        verdicts: [
            // The per-credential-kind 8 KB targets follow (bench/stateSize.ts).
            { target: "__provider < 1 KB", met: c.provider.max < 1024, detail: `${c.provider.max} bytes` },
        ],
    };
    return {
        sections: [section4, section5],
        runs,
        connectorsAt50: has50 ? s(connectors, 50) : undefined,
        firstRepetitionMs,
        firstUp50Ms,
    };
}
