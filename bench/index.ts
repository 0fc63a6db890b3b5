// `npm run bench`: measures the connector against floors measured in the same run, on a local
// control plane, and writes the tables to stdout, bench/results/<date>.md and
// bench/results/latest.md. Every figure is the median (with min and max) of at least 5 runs, but
// for the two whose figures stay within a few percent and cost the most (section 4 at N=500 and
// section 4b: 3 runs each). Progress goes to stderr. PKC_BENCH_BUDGET_SECONDS (default
// BUDGET_SECONDS) is what a full run plans for: the one section it can skip (4b) runs right after 4.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../tools/binaries";
import { type ControlPlane, startControlPlane } from "../tools/controlPlane";
import { adminClients } from "../tools/identities";
import { benchConnection, connectionTarget } from "./connectionBench";
import { benchControlPlane } from "./controlPlaneBench";
import { benchDelegateSection, type DelegatePreflight, delegatePreflight } from "./delegateBench";
import { benchDelegateInstallSection } from "./delegateInstallBench";
import { benchDelegatePodsSection } from "./delegatePodsBench";
import { benchHarnessSection } from "./harnessBench";
import { machineInfo } from "./machine";
import { duration, renderSection, type Section, table, type Verdict, verdictLine } from "./markdown";
import { benchPluginSection, PLUGIN_TITLE, pluginVariantAt } from "./pluginBench";
import { benchPulumi, LARGE_RUNS, type PulumiResult } from "./pulumiBench";
import { measureStateSizes, stateSizeReport } from "./stateSize";
import { writeSummary } from "./summary";
import { benchTools } from "./toolsBench";

/** PKC_BENCH_RUNS lowers it for a partial run that checks the bench itself (the report says so). */
const MIN_RUNS = Number(process.env.PKC_BENCH_RUNS ?? 5);
/**
 * Repetitions of section 4b (delegates against @pulumi/kubernetes at N=50): its figures stayed within
 * 7 % of their median over 5 runs (bench/results/2026-11-29.md), and each repetition waits about a
 * minute for @pulumi/kubernetes's namespaces to go.
 */
const DELEGATE_RUNS = Math.min(3, MIN_RUNS);
/**
 * The default time budget of a full run, in seconds: every section at the repetitions above takes
 * about 42 minutes on 2 idle cores and about 60 on 2 loaded ones (per-section estimates in
 * docs/performance.md; each report lists what each section took). 1500 s held section 4 alone on a
 * loaded machine, so 4b was skipped.
 */
const BUDGET_SECONDS = 4200;
/** PKC_BENCH_SECTIONS="3,4b": run only these sections (a partial report goes to bench/results/partial.md). */
const ONLY = process.env.PKC_BENCH_SECTIONS?.split(",").map((x) => x.trim());
const wanted = (id: string) => !ONLY || ONLY.includes(id);
const log = (line: string) => console.error(line);

function failedSection(title: string, e: unknown): Section {
    const msg = (e as Error)?.stack ?? String(e);
    return { title, body: [`not measured: failed: ${msg.split("\n").slice(0, 12).join(" / ")}`], verdicts: [] };
}

/** A guess of what the delegate section needs, from the first up of 50 plain connectors. */
function delegateEstimateMs(pre: DelegatePreflight, firstUp50Ms: number): number {
    const variants = (pre.connectorBlocked ? 0 : 1) + (pre.pluginBlocked ? 0 : 1);
    // up + preview + destroy of 50 objects-making resources, and waiting for their namespaces to go.
    return variants * DELEGATE_RUNS * (firstUp50Ms * 2 * 2.5 + 10_000);
}

/** A guess of what the plugin section (4d) needs: three programs of 50, up + preview + destroy each. */
function pluginEstimateMs(firstUp50Ms: number): number {
    return MIN_RUNS * 3 * firstUp50Ms * 2.5;
}

async function main(): Promise<number> {
    const started = Date.now();
    const budgetMs = Number(process.env.PKC_BENCH_BUDGET_SECONDS ?? BUDGET_SECONDS) * 1000;
    const deadline = started + budgetMs;
    const sections: Section[] = [];
    /** What each section took (wall time, in the order they ran). */
    const took: [string, number][] = [];
    let failures = 0;
    const emit = (s: Section) => {
        sections.push(s);
        console.log(renderSection(s));
    };
    const guarded = async (title: string, fn: () => Promise<Section | Section[]>) => {
        const t0 = Date.now();
        try {
            const r = await fn();
            for (const s of Array.isArray(r) ? r : [r]) emit(s);
        } catch (e) {
            failures++;
            log(`[bench] ${title} failed: ${(e as Error).stack ?? e}`);
            emit(failedSection(title, e));
        } finally {
            took.push([title, Date.now() - t0]);
        }
    };

    log("[bench] 1. tools");
    if (wanted("1")) await guarded("1. Tools", () => benchTools(MIN_RUNS));
    log("[bench] 2. control plane");
    if (wanted("2")) await guarded("2. Control plane", () => benchControlPlane(MIN_RUNS, log));

    log("[bench] starting the control plane for the rest");
    const cp: ControlPlane = await startControlPlane({ log });
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-bench-"));
    try {
        const admin = adminClients(cp);
        const target = await connectionTarget(cp, admin, work);

        log("[bench] delegate preflight: the `delegate` input and pulumi-resource-kubernetes");
        const pre = delegatePreflight(cp.kubeconfig, log);
        if (pre.connectorBlocked) log(`[bench] connectors with a delegate: not measured: ${pre.connectorBlocked}`);
        if (pre.pluginBlocked) log(`[bench] @pulumi/kubernetes: not measured: ${pre.pluginBlocked}`);

        log("[bench] 3. connection test latency");
        if (wanted("3"))
            await guarded(
                "3. Connection test latency",
                async () =>
                    (await benchConnection(target, { fast: 11, kubectl: MIN_RUNS, concurrent: MIN_RUNS }, log)).section,
            );

        log("[bench] 4. pulumi");
        let pulumi: PulumiResult | undefined;
        if (wanted("4") || wanted("5"))
            await guarded("4. Pulumi: N connectors vs the floor", async () => {
                pulumi = await benchPulumi({
                    target,
                    deadline,
                    // + about 75 s for section 5 per credential kind and the plugin (bench/stateSize.ts),
                    // and about 9 min for 4c, 4e and 4f.
                    reserveMs: (_rep, up50) =>
                        delegateEstimateMs(pre, up50) + pluginEstimateMs(up50) + 6 * 75_000 + 540_000,
                    minRuns: MIN_RUNS,
                    // No more than the minimum: the figures are stable at 5, and a full run already takes 40 minutes.
                    maxRuns: MIN_RUNS,
                    pluginAt: (n) => pluginVariantAt(target, n, work),
                    log,
                });
                return pulumi.sections;
            });

        log("[bench] 4b. with a delegate");
        if (wanted("4b"))
            await guarded("4b. Pulumi: 50 connectors with a delegate vs @pulumi/kubernetes", async () => {
                const need = delegateEstimateMs(pre, pulumi?.firstUp50Ms ?? 15_000);
                const left = deadline - Date.now();
                const timeBlocked =
                    need > 0 && need > left
                        ? `the time budget: about ${duration(need)} needed, ${duration(Math.max(0, left))} left (PKC_BENCH_BUDGET_SECONDS)`
                        : undefined;
                return benchDelegateSection({
                    target,
                    admin,
                    adminKubeconfig: cp.kubeconfig,
                    preflight: pre,
                    runs: DELEGATE_RUNS,
                    timeBlocked,
                    plainAt50: pulumi?.connectorsAt50,
                    log,
                });
            });

        log("[bench] 4c. Harness registration");
        if (wanted("4c"))
            await guarded("4c. Harness registration", () => benchHarnessSection({ target, runs: MIN_RUNS, log }));

        log("[bench] 4e. the installed delegate");
        if (wanted("4e"))
            await guarded("4e. The installed delegate", () =>
                benchDelegateInstallSection({
                    adminKubeconfig: cp.kubeconfig,
                    adminKubeConfig: admin.kubeConfig,
                    runs: MIN_RUNS,
                    log,
                }),
            );

        log("[bench] 4f. the installed delegate as real pods");
        if (wanted("4f"))
            await guarded("4f. The installed delegate as real pods", () =>
                benchDelegatePodsSection({
                    runs: MIN_RUNS,
                    pluginDir: pre.pluginDir,
                    pluginBlocked: pre.pluginBlocked,
                    log,
                }),
            );

        log("[bench] 4d. the provider plugin");
        if (wanted("4d")) await guarded(PLUGIN_TITLE, () => benchPluginSection({ target, runs: MIN_RUNS, log }));

        // Last: its own control plane and OIDC issuer, one stack per credential kind; no time guard.
        log("[bench] 5. state per credential kind");
        if (wanted("5"))
            await guarded("5. State, per credential kind", async () => {
                // Joins section 5 (from section 4's stacks) when it is there.
                const r = stateSizeReport(await measureStateSizes({ log }));
                const s5 = sections.find((s) => s.title === "5. State");
                if (!s5) return { title: "5. State", ...r };
                s5.body.push(...r.body);
                s5.verdicts.push(...r.verdicts);
                return [];
            });
    } finally {
        await cp.stop();
        fs.rmSync(work, { recursive: true, force: true });
    }

    // Report order: sections by number, 4b after 5 is confusing, so after 4.
    const order = (s: Section) =>
        parseFloat(s.title) +
        (s.title.startsWith("4b")
            ? 0.5
            : s.title.startsWith("4c")
              ? 0.6
              : s.title.startsWith("4d")
                ? 0.7
                : s.title.startsWith("4e")
                  ? 0.8
                  : s.title.startsWith("4f")
                    ? 0.85
                    : 0);
    sections.sort((a, b) => order(a) - order(b));
    const elapsed = Date.now() - started;
    const report = portable(renderReport(sections, elapsed, took, budgetMs));
    const dir = path.join(repoRoot(), "bench", "results");
    fs.mkdirSync(dir, { recursive: true });
    const date = new Date();
    const day = `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
    // A run of some sections or some sizes is partial: it never replaces the dated and latest results.
    const partial = !!ONLY || process.env.PKC_BENCH_SIZES !== undefined;
    for (const file of partial ? ["partial.md"] : [`${day}.md`, "latest.md"]) {
        const tmp = path.join(dir, `${file}.tmp`);
        fs.writeFileSync(tmp, report);
        fs.renameSync(tmp, path.join(dir, file));
    }
    // A full run's figures are the docs' figures: the summary block of docs/performance.md follows it.
    if (!partial) writeSummary();
    console.log(
        `\nBench wall time: ${duration(elapsed)}. Written to ${partial ? "bench/results/partial.md" : `bench/results/${day}.md and bench/results/latest.md`}.`,
    );
    return failures ? 1 : 0;
}

/** Results are committed: no home folder of this machine and no remote address in them. */
function portable(text: string): string {
    return text
        .split(os.homedir())
        .join("~")
        .replace(/https?:\/\/(?!127\.0\.0\.1|localhost)[^\s)]+/g, "(remote address)");
}

function renderReport(sections: Section[], elapsedMs: number, took: [string, number][], budgetMs: number): string {
    const m = machineInfo();
    const verdicts: Verdict[] = sections.flatMap((s) => s.verdicts);
    const count = (met: boolean | undefined) => verdicts.filter((v) => v.met === met).length;
    const fewer = [
        ...(LARGE_RUNS < MIN_RUNS ? [`section 4 at its largest N (${LARGE_RUNS})`] : []),
        ...(DELEGATE_RUNS < MIN_RUNS ? [`section 4b (${DELEGATE_RUNS})`] : []),
    ].join(" and ");
    return [
        "# pulumi-kubernetes-connector benchmark",
        "",
        `Measured ${new Date().toISOString()} by \`npm run bench\` (bench/index.ts) in ${duration(elapsedMs)} (after \`npm run setup\`; budget ${duration(budgetMs)}${elapsedMs > budgetMs ? ": **over it**" : ""}). Every figure is the median (min–max) of ${MIN_RUNS} runs${fewer ? `, but ${fewer}, whose figures stay within a few percent` : ""}; every ratio compares figures measured in this same run.`,
        "",
        table(
            ["machine and tools", ""],
            [
                ["CPU", `${m.cpuModel} (${m.cores} cores)`],
                ["memory", `${m.memoryGiB.toFixed(1)} GiB`],
                ["OS", m.kernel],
                ["Node.js", m.node],
                ...m.tools.map((t) => [t.name, `${t.version}${t.present ? "" : " (not built)"}`]),
            ],
        ),
        "",
        `Targets: ${count(true)} met, ${count(false)} missed, ${count(undefined)} not measured.`,
        "",
        ...verdicts.map(verdictLine),
        "",
        table(
            ["section, in the order run", "wall time"],
            took.map(([t, ms]) => [t, duration(ms)]),
        ),
        "",
        ...sections.map(renderSection),
    ].join("\n");
}

main().then(
    (code) => process.exit(code),
    (e) => {
        console.error(`[bench] failed: ${(e as Error).stack ?? e}`);
        process.exit(1);
    },
);
