// 4d. The provider plugin (bin/pulumi-resource-kubernetes-connector): up, no-op preview and destroy
// of 50 connectors from a Pulumi YAML program through the plugin, against the same 50 through the
// dynamic resource (bench/programs/connectors) and against the floor (test/fixtures/trivial-dynamic),
// interleaved in the same run; and the plugin's start-up time and resident memory.
//
// Alone (without the rest of `npm run bench`): `npm run build && node dist/bench/pluginBench.js`
// starts its own control plane and prints the section (PKC_BENCH_PLUGIN_RUNS sets the repetitions).
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../tools/binaries";
import { startControlPlane } from "../tools/controlPlane";
import { adminClients } from "../tools/identities";
import { yamlHostDir } from "../tools/languageHosts";
import { PLUGIN_EXECUTABLE } from "../tools/packagePlugin";
import { enginePath } from "../tools/pulumiHarness";
import { type ConnectionTarget, connectionTarget } from "./connectionBench";
import { bytes, duration, renderSection, type Section, table, type Verdict } from "./markdown";
import { type CellSummary, Matrix, type Variant } from "./matrix";
import { vmRssBytes } from "./proc";
import { connectorsVariant, floorVariant } from "./pulumiBench";
import { fmtRatio, ratioOf, type Summary, summarize } from "./stats";

export const PLUGIN_N = 50;
export const PLUGIN_TITLE = "4d. Pulumi: 50 connectors through the provider plugin (YAML) vs the dynamic resource";

/** The command-line part of the plugin's process (bin/ execs Node on it): whose memory is followed. */
const PLUGIN_NEEDLE = path.join("dist", "provider", "plugin", "main.js");

/**
 * A Pulumi YAML program of `n` connectors like bench/programs/connectors's (same names, credential
 * and "deployments" test), through the plugin in this repository (plugins.providers). YAML has no
 * loops: the program is written out with `n` resources.
 */
export function writeYamlProgram(dir: string, n: number): string {
    const resources = Array.from({ length: n }, (_, i) =>
        [
            `  bench-${i}:`,
            "    type: kubernetes-connector:index:KubernetesClusterConnector",
            "    properties:",
            `      name: Bench cluster ${i}`,
            "      credential:",
            "        type: ManualConfig",
            "        masterUrl: ${masterUrl}",
            "        caCert: ${caCert}",
            "        auth:",
            "          type: ServiceAccount",
            "          token: ${token}",
            "      connectionTest:",
            "        requiredPermissions: ${requiredPermissions}",
        ].join("\n"),
    );
    const text = [
        "name: bench-plugin-connectors",
        "runtime: yaml",
        `description: ${n} KubernetesClusterConnector resources through the provider plugin, for npm run bench.`,
        "plugins:",
        "  providers:",
        "    - name: kubernetes-connector",
        `      path: ${path.join(repoRoot(), "bin")}`,
        "config:",
        "  masterUrl:",
        "    type: string",
        "  caCert:",
        "    type: string",
        "  token:",
        "    type: string",
        "    secret: true",
        "  requiredPermissions:",
        "    type: string",
        "resources:",
        ...resources,
        "outputs:",
        "  status0: ${bench-0.connectionTest.status}",
        "",
    ].join("\n");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), text);
    return dir;
}

function pluginVariant(target: ConnectionTarget, programDir: string, yamlDir: string): Variant {
    const connectors = connectorsVariant(target);
    return {
        key: "plugin",
        label: "connectors (plugin, YAML)",
        programDir,
        config: (n) => {
            const { count: _count, ...rest } = connectors.config(n);
            return rest;
        },
        // The YAML language host before the engine's PATH (createTestStack's env wins over its own PATH).
        env: { PATH: [yamlDir, enginePath()].join(path.delimiter) },
        resources: (n) => n + 1,
        providerNeedle: PLUGIN_NEEDLE,
    };
}

/**
 * The plugin's variant for section 4's growth at `n`: a YAML program of `n` connectors written
 * under `dir`, or why it cannot run (the YAML language host is missing).
 */
export function pluginVariantAt(target: ConnectionTarget, n: number, dir: string): Variant | string {
    let yamlDir: string;
    try {
        yamlDir = yamlHostDir();
    } catch (e) {
        return `the YAML language host is missing: ${(e as Error).message.split("\n")[0]}`;
    }
    return pluginVariant(target, writeYamlProgram(path.join(dir, `plugin-${n}`), n), yamlDir);
}

/** Spawns the plugin as the engine does (no engine address needed to serve) and waits for its port. */
function startPlugin(timeoutMs = 60_000): Promise<{ ms: number; child: ChildProcess; port: number }> {
    const exe = path.join(repoRoot(), "bin", PLUGIN_EXECUTABLE);
    const started = process.hrtime.bigint();
    const child = spawn(exe, [], { stdio: ["ignore", "pipe", "pipe"] });
    return new Promise((resolve, reject) => {
        let out = "";
        let err = "";
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`the plugin printed no port in ${timeoutMs} ms: ${err.slice(-500)}`));
        }, timeoutMs);
        child.stderr!.on("data", (d) => {
            err += d;
        });
        child.stdout!.on("data", (d) => {
            out += d;
            const m = /^(\d+)\s*$/m.exec(out);
            if (!m) return;
            clearTimeout(timer);
            resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, child, port: Number(m[1]) });
        });
        child.on("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`the plugin exited (${code}) before printing its port: ${err.slice(-500)}`));
        });
    });
}

async function stopPlugin(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null) return;
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
}

/** Start-up to the printed port, and resident memory once it serves (idle). */
export async function benchPluginStartup(runs: number): Promise<{ startup: Summary; idleRss: Summary }> {
    const times: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < runs; i++) {
        const { ms, child } = await startPlugin();
        try {
            times.push(ms);
            // Let the event loop settle after the port (lazy requires on the first request are not counted here).
            await new Promise((r) => setTimeout(r, 500));
            rss.push(vmRssBytes(child.pid!) ?? 0);
        } finally {
            await stopPlugin(child);
        }
    }
    return { startup: summarize(times), idleRss: summarize(rss) };
}

export interface PluginBenchContext {
    target: ConnectionTarget;
    runs: number;
    log(l: string): void;
}

/** The section: the three programs at N=50, interleaved, then the plugin's start-up. */
export async function benchPluginSection(ctx: PluginBenchContext): Promise<Section> {
    const n = PLUGIN_N;
    const { startup, idleRss } = await benchPluginStartup(ctx.runs);
    ctx.log(`[bench] plugin start-up ${duration(startup.median)}, idle RSS ${bytes(idleRss.median)}`);

    let yamlDir: string | undefined;
    let yamlMissing: string | undefined;
    try {
        yamlDir = yamlHostDir();
    } catch (e) {
        yamlMissing = (e as Error).message.split("\n")[0];
        ctx.log(`[bench] the YAML language host is missing: ${yamlMissing}`);
    }
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-bench-plugin-"));
    const matrix = new Matrix(ctx.log);
    const dynamic = connectorsVariant(ctx.target);
    const floor = floorVariant();
    const plugin = yamlDir ? pluginVariant(ctx.target, writeYamlProgram(work, n), yamlDir) : undefined;
    const variants = [plugin, dynamic, floor].filter((v): v is Variant => v !== undefined);
    try {
        await matrix.prepare(variants.map((v) => [v, n] as [Variant, number]));
        for (let rep = 0; rep < ctx.runs; rep++) {
            // Rotate the order so that no program always runs first (or last) in a repetition.
            const order = variants.map((_, i) => variants[(i + rep) % variants.length]);
            for (const v of order) await matrix.repetition(v, n);
        }
        return render(
            {
                plugin: plugin && matrix.summary(plugin, n),
                dynamic: matrix.summary(dynamic, n)!,
                floor: matrix.summary(floor, n)!,
            },
            { startup, idleRss, yamlMissing, runs: ctx.runs },
        );
    } finally {
        await matrix.dispose();
        fs.rmSync(work, { recursive: true, force: true });
    }
}

function render(
    s: { plugin?: CellSummary; dynamic: CellSummary; floor: CellSummary },
    x: { startup: Summary; idleRss: Summary; yamlMissing?: string; runs: number },
): Section {
    const d = (v: Summary) => `${duration(v.median)} (${duration(v.min)}–${duration(v.max)})`;
    const b = (v: Summary) => `${bytes(v.median)} (${bytes(v.min)}–${bytes(v.max)})`;
    const notMeasured = `not measured: ${x.yamlMissing}`;
    const ops = ["up", "preview", "destroy"] as const;
    const rows = ops.map((op) => {
        const f = s.floor[op];
        const c = s.dynamic[op];
        const p = s.plugin?.[op];
        return [
            op === "preview" ? "no-op preview" : op,
            d(f),
            d(c),
            p ? d(p) : notMeasured,
            p ? fmtRatio(ratioOf(p, c)) : "—",
            p ? fmtRatio(ratioOf(p, f)) : "—",
            fmtRatio(ratioOf(c, f)),
        ];
    });
    const noop = (label: string, c?: CellSummary) =>
        c ? [label, `${c.noopRuns}/${c.runs}`, c.previewSummaries.join(" ")] : [label, "—", notMeasured];
    const verdicts: Verdict[] = [
        {
            target: "no-op preview of 50 connectors through the plugin: 0 changes",
            met: s.plugin ? s.plugin.noopRuns === s.plugin.runs : undefined,
            detail: s.plugin
                ? `only \`same\` in ${s.plugin.noopRuns}/${s.plugin.runs} runs (${s.plugin.previewSummaries.join(" ")})`
                : notMeasured,
        },
        {
            target: "provider plugin process < 200 MB at N=50",
            met: s.plugin ? s.plugin.peakRss.max < 200 * 2 ** 20 : undefined,
            detail: s.plugin
                ? `peak VmRSS over up, preview and destroy: median ${bytes(s.plugin.peakRss.median)}, max ${bytes(s.plugin.peakRss.max)} (the dynamic provider's: ${bytes(s.dynamic.peakRss.median)})`
                : notMeasured,
        },
    ];
    const failures = (
        [
            ["plugin", s.plugin],
            ["dynamic", s.dynamic],
            ["floor", s.floor],
        ] as const
    ).flatMap(([label, c]) =>
        (c?.failures ?? []).map((f) => `Failed attempt (run again, not counted): ${label}: ${f}`),
    );
    return {
        title: PLUGIN_TITLE,
        body: [
            `The same ${PLUGIN_N} connectors (ServiceAccount token, the full "deployments" connection test on create) from a Pulumi YAML program through the provider plugin (bin/${PLUGIN_EXECUTABLE}, pulumi-language-yaml) and from the TypeScript program through the dynamic resource (bench/programs/connectors, Node.js host with ts-node); the floor is ${PLUGIN_N} of test/fixtures/trivial-dynamic. One stack each; each repetition is up → no-op preview → destroy, the three programs interleaved (order rotated), ${x.runs} repetitions. Wall time of the Automation API call. The YAML host has no TypeScript to compile, which the Node.js host (ts-node) of the other two does on every run: the plugin can come out below the floor, which measures the TypeScript path.`,
            table(
                [
                    "operation",
                    "floor (trivial-dynamic)",
                    "dynamic resource",
                    "plugin (YAML)",
                    "plugin / dynamic",
                    "plugin / floor",
                    "dynamic / floor",
                ],
                rows,
            ),
            "No-op preview right after up:",
            table(
                ["program", "only `same`", "changeSummary"],
                [noop("plugin (YAML)", s.plugin), noop("dynamic resource", s.dynamic), noop("floor", s.floor)],
            ),
            ...failures,
            `Peak VmRSS of the provider process (/proc polled every 100 ms) over a repetition at N=${PLUGIN_N}:`,
            table(
                ["provider", "peak VmRSS"],
                [
                    ["plugin (node dist/provider/plugin/main.js)", s.plugin ? b(s.plugin.peakRss) : notMeasured],
                    ["dynamic provider (connectors)", b(s.dynamic.peakRss)],
                    ["dynamic provider (floor)", b(s.floor.peakRss)],
                ],
            ),
            `Plugin start-up: bin/${PLUGIN_EXECUTABLE} spawned until it prints its port (${x.startup.runs} runs), and its VmRSS 0.5 s later, serving and idle:`,
            table(
                ["measurement", "median (min–max)"],
                [
                    ["start-up to the port", d(x.startup)],
                    ["VmRSS once serving", b(x.idleRss)],
                ],
            ),
        ],
        verdicts,
    };
}

/** Alone: its own control plane and target; prints the section. */
async function standalone(): Promise<void> {
    const log = (l: string) => console.error(l);
    const runs = Number(process.env.PKC_BENCH_PLUGIN_RUNS ?? 5);
    const cp = await startControlPlane({ log });
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-bench-"));
    try {
        const target = await connectionTarget(cp, adminClients(cp), work);
        console.log(renderSection(await benchPluginSection({ target, runs, log })));
    } finally {
        await cp.stop();
        fs.rmSync(work, { recursive: true, force: true });
    }
}

if (require.main === module) {
    standalone().then(
        () => process.exit(0),
        (e) => {
            console.error(`[bench] failed: ${(e as Error).stack ?? e}`);
            process.exit(1);
        },
    );
}
