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

/**
 * The N measured: 50 carries the main targets, 200 and 500 show how the cost grows.
 * PKC_BENCH_SIZES="1,50" measures only those (a partial run; the growth target then needs 50, 200 and 500).
 */
export const SIZES: readonly number[] = process.env.PKC_BENCH_SIZES?.split(",").map(Number) ?? [1, 10, 50, 200, 500];
/** The N whose state section 5 reads: 10, or the smallest measured in a partial run. */
const STATE_N_PREFERRED = 10;
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

/**
 * Repetitions at the largest N (500): its figures stay within about 10 % of their median over 5
 * runs (bench/results/2026-11-29.md: up 45.2–50.2 s, floor 14.1–14.9 s), and it is where the time
 * goes (two thirds of a repetition), so it runs 3 times while the smaller N run `minRuns` times.
 * PKC_BENCH_LARGE_RUNS sets it.
 */
export const LARGE_RUNS = Number(process.env.PKC_BENCH_LARGE_RUNS ?? 3);

/**
 * Growth at the largest N is judged against the state's bytes: the DIY backend rewrites the whole
 * snapshot after every step, so up and destroy of N resources cost about N² × one resource's
 * bytes. The target: their time over the floor's ≤ this × the ratio of the bytes per resource.
 */
export const GROWTH_SLACK = 1.15;

/** The same variant with the engine's checkpoints off (PULUMI_SKIP_CHECKPOINTS=true: the state written once, at the end). */
export function skipCheckpoints(v: Variant): Variant {
    return {
        ...v,
        key: `${v.key}-skip`,
        label: `${v.label}, PULUMI_SKIP_CHECKPOINTS=true`,
        env: { ...v.env, PULUMI_SKIP_CHECKPOINTS: "true" },
    };
}

export interface PulumiContext {
    target: ConnectionTarget;
    /** Milliseconds (Date.now()) by which the whole bench should be done. */
    deadline: number;
    /** Time to keep for what comes after this section, given the first repetition's wall time. */
    reserveMs(firstRepetitionMs: number, firstUp50Ms: number): number;
    minRuns: number;
    maxRuns: number;
    /**
     * The plugin's variant (a YAML program of `n` connectors) for the growth at the largest N, or
     * why it cannot run (no YAML host).
     */
    pluginAt?(n: number): Variant | string;
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
    const big = SIZES[SIZES.length - 1];
    // The growth is judged at the largest N when it is beyond 200 (500 in a full run).
    const growthN = big > 200 ? big : undefined;
    // At the largest N, beside the two: the plugin (the path that keeps the credential once) and both
    // with the engine's checkpoints off.
    const plugin = growthN && ctx.pluginAt ? ctx.pluginAt(growthN) : "not asked for";
    const extras: Variant[] = growthN
        ? [...(typeof plugin === "string" ? [] : [plugin]), skipCheckpoints(connectors), skipCheckpoints(floor)]
        : [];
    const states: Record<string, StateSample[]> = { connectors: [], floor: [] };
    const bigBytes: Record<string, number> = {};
    for (const v of [connectors, floor, ...extras]) {
        v.afterUp = async (n, stack) => {
            if (n === STATE_N && v.key in states) states[v.key].push(await sampleState(stack, n));
            // The snapshot the engine rewrote after each step: its bytes per resource, once.
            if (n === growthN && bigBytes[v.key] === undefined)
                bigBytes[v.key] = Buffer.byteLength(await stack.exportState()) / n;
        };
    }
    try {
        await matrix.prepare([
            ...SIZES.flatMap(
                (n) =>
                    [
                        [connectors, n],
                        [floor, n],
                    ] as [Variant, number][],
            ),
            ...extras.map((v) => [v, growthN!] as [Variant, number]),
        ]);

        // Repetition 1 starts with an up of 50 connectors: how long that takes sets how many repetitions fit.
        let runs = ctx.minRuns;
        let firstRepetitionMs = 0;
        let firstUp50Ms = 0;
        for (let rep = 0; rep < runs; rep++) {
            const started = Date.now();
            const sizes = (rep % 2 === 0 ? [...SIZES].reverse() : [...SIZES]).filter(
                (n) => n !== growthN || rep < LARGE_RUNS,
            );
            const base = rep % 2 === 0 ? [connectors, floor] : [floor, connectors];
            for (const n of sizes) {
                const variants = n === growthN ? rotate([...base, ...extras], rep) : base;
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
                    `[bench] one repetition (up, preview, destroy of connectors and floor at N=${SIZES.join(", ")}${growthN ? `; at ${growthN} also ${extras.map((v) => v.label).join(", ")}` : ""}) took ${duration(firstRepetitionMs)}: ${fit} fit in the time left, running ${runs}${growthN ? ` (N=${growthN}: ${Math.min(runs, LARGE_RUNS)})` : ""}`,
                );
            }
        }
        const growth = growthN
            ? { n: growthN, bytes: bigBytes, extras, pluginMissing: typeof plugin === "string" ? plugin : undefined }
            : undefined;
        return { ...render(matrix, connectors, floor, states, ctx, runs, firstRepetitionMs, firstUp50Ms, growth) };
    } finally {
        await matrix.dispose();
    }
}

/** `xs` rotated by `k`: no variant always runs first (or last) in a repetition. */
const rotate = <T>(xs: T[], k: number): T[] => xs.map((_, i) => xs[(i + k) % xs.length]);

/** What the largest N measured beside the two programs. */
interface Growth {
    n: number;
    /** Bytes per resource of each variant's export at n (by key). */
    bytes: Record<string, number>;
    extras: Variant[];
    pluginMissing?: string;
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
    grown: Growth | undefined,
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
    const growthMeasured = !!grown && [50, 200, big].every((n) => SIZES.includes(n)) && big > 200;
    const flatUp = growthMeasured ? flat("up") : { early: 0, late: 0, ok: false };
    const flatPv = growthMeasured ? flat("preview") : { early: 0, late: 0, ok: false };
    const growthRows: string[][] = [];
    const growthVerdicts: Verdict[] = [];
    const pluginTarget = `cost growth at ${big} through the plugin (the credential kept once): up and destroy over the floor ≤ ${GROWTH_SLACK}× the ratio of state bytes per resource`;
    if (grown && growthMeasured) {
        const fb = grown.bytes[floor.key];
        const byKey = (key: string) => [connectors, floor, ...grown.extras].find((v) => v.key === key)!;
        const timeRatio = (v: Variant, op: Op, f: Variant) => ratioOf(s(v, big)[op], s(f, big)[op]).median;
        const bytesRatio = (v: Variant) => grown.bytes[v.key] / fb;
        const skipF = byKey(`${floor.key}-skip`);
        const skipC = byKey(`${connectors.key}-skip`);
        for (const v of [floor, connectors, ...grown.extras]) {
            const f = v.key.endsWith("-skip") ? skipF : floor;
            const x = s(v, big);
            growthRows.push([
                v.label,
                `${Math.round(grown.bytes[v.key] ?? 0)} B`,
                `${bytesRatio(v).toFixed(2)}×`,
                ...OPS.flatMap((op) => [d(x[op]), v === f ? "–" : `${timeRatio(v, op, f).toFixed(2)}×`]),
                `${x.noopRuns}/${x.runs}`,
            ]);
        }
        const skipped = `with PULUMI_SKIP_CHECKPOINTS=true (the state written once): up ${timeRatio(skipC, "up", skipF).toFixed(2)}× (${duration(s(skipC, big).up.median)} vs ${duration(s(skipF, big).up.median)}), destroy ${timeRatio(skipC, "destroy", skipF).toFixed(2)}×`;
        const judged = (v: Variant) => {
            const limit = GROWTH_SLACK * bytesRatio(v);
            const up = timeRatio(v, "up", floor);
            const destroy = timeRatio(v, "destroy", floor);
            return {
                ok: up <= limit && destroy <= limit && s(v, big).noopRuns === s(v, big).runs,
                text: `at ${big}: up ${up.toFixed(2)}× the floor (${duration(s(v, big).up.median)} vs ${duration(s(floor, big).up.median)}), destroy ${destroy.toFixed(2)}×, against ${GROWTH_SLACK} × its state's ${bytesRatio(v).toFixed(2)}× the floor's bytes per resource (${Math.round(grown.bytes[v.key])} vs ${Math.round(fb)} B) = ${limit.toFixed(2)}×; no-op previews only \`same\`: ${s(v, big).noopRuns}/${s(v, big).runs}`,
            };
        };
        const dyn = judged(connectors);
        growthVerdicts.push({
            target: `cost growth at ${big} (dynamic path): up and destroy over the floor ≤ ${GROWTH_SLACK}× the ratio of state bytes per resource (the engine rewrites the whole snapshot per step); no-op preview's marginal cost flat`,
            met: dyn.ok && flatPv.ok && allNoop,
            detail: `${dyn.text}; ${skipped}; no-op preview per connector ${duration(flatPv.early)} (50→200) then ${duration(flatPv.late)} (200→${big}) ("flat": the second ≤ 1.25× the first); up per connector ${duration(flatUp.early)} then ${duration(flatUp.late)}`,
        });
        const plugin = grown.extras.find((v) => !v.key.endsWith("-skip"));
        if (plugin) {
            const p = judged(plugin);
            growthVerdicts.push({
                target: pluginTarget,
                met: p.ok,
                detail: `${p.text}; the dynamic path: up ${timeRatio(connectors, "up", floor).toFixed(2)}×`,
            });
        } else
            growthVerdicts.push({
                target: pluginTarget,
                met: undefined,
                detail: `not measured: ${grown.pluginMissing}`,
            });
    } else {
        growthVerdicts.push({
            target: `cost growth at 500 (dynamic path): up and destroy over the floor ≤ ${GROWTH_SLACK}× the ratio of state bytes per resource`,
            met: undefined,
            detail: notMeasured,
        });
        growthVerdicts.push({ target: pluginTarget, met: undefined, detail: notMeasured });
    }

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
        ...growthVerdicts,
    ];

    const section4: Section = {
        title: "4. Pulumi: N connectors vs the floor",
        body: [
            `Each connector runs the full connection test ("deployments") on create. The floor is the same N of test/fixtures/trivial-dynamic (a dynamic resource that does nothing). One stack per program and N; each repetition is up → no-op preview → destroy, programs and N interleaved. ${runs} repetitions (at N=${big}: ${growthMeasured ? Math.min(runs, LARGE_RUNS) : runs}): the first up of 50 connectors took ${duration(firstUp50Ms)} and the first repetition ${duration(firstRepetitionMs)}, so ${runs} fit the bench's time budget. Wall time of the Automation API call (the \`pulumi\` CLI, the Node.js language host with ts-node, the dynamic provider).`,
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
            ...(growthRows.length
                ? [
                      `Growth at N=${big}, judged against the state's bytes: a DIY backend rewrites the whole snapshot after every step, so up and destroy of N resources cost about N² × one resource's bytes. Beside the dynamic path: the plugin (a YAML program of ${big} connectors through bin/pulumi-resource-kubernetes-connector, which keeps the credential once), and both programs with PULUMI_SKIP_CHECKPOINTS=true (the state written once, at the end; each ratio against the floor run the same way). "state / N": \`pulumi stack export\` at N=${big} / N, after the first up. ${Math.min(runs, LARGE_RUNS)} repetitions at N=${big} (its figures stay within about 10 %; the smaller N run ${runs}).${grown?.pluginMissing ? ` The plugin: not measured (${grown.pluginMissing}).` : ""}`,
                      table(
                          [
                              `N=${big}`,
                              "state / N",
                              "bytes / floor's",
                              "up",
                              "/ floor",
                              "no-op preview",
                              "/ floor",
                              "destroy",
                              "/ floor",
                              "only `same`",
                          ],
                          growthRows,
                      ),
                  ]
                : []),
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
