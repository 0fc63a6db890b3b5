// `npm run bench:profile [-- N]`: where the time of `pulumi up`, a no-op `pulumi preview` and
// `pulumi destroy` of N connectors (default 50) goes, next to the floor (the same N of an empty
// dynamic resource). Every Node.js process the engine starts (the program under ts-node, the
// dynamic provider) runs with --cpu-prof; each profile is summarised by self time per package.
// The .cpuprofile files are kept (the path is printed) for Chrome DevTools or speedscope.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startControlPlane } from "../tools/controlPlane";
import { adminClients } from "../tools/identities";
import { createTestStack } from "../tools/pulumiHarness";
import { connectionTarget } from "./connectionBench";
import { table } from "./markdown";
import { connectorsVariant, floorVariant } from "./pulumiBench";

interface ProfileNode {
    id: number;
    callFrame: { functionName: string; url: string };
    children?: number[];
}
interface CpuProfile {
    nodes: ProfileNode[];
    startTime: number;
    endTime: number;
    samples: number[];
    timeDeltas: number[];
}

/** Which part of the code a frame belongs to: a package, a folder of this repo, or V8/Node itself. */
function bucketOf(url: string, functionName: string): string {
    if (!url) return functionName.startsWith("(") ? functionName : "(native)";
    const p = url.replace(/^file:\/\//, "");
    const nm = p.lastIndexOf("node_modules/");
    if (nm >= 0) {
        const rest = p.slice(nm + "node_modules/".length).split("/");
        return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
    }
    if (p.startsWith("node:")) return "node:internal";
    const root = path.resolve(__dirname, "..", "..");
    if (p.startsWith(root)) return `repo:${path.relative(root, p).split(path.sep).slice(0, 2).join("/")}`;
    return p.includes("/") ? "(other file)" : "node:internal";
}

interface ProfileSummary {
    file: string;
    role: string;
    wallMs: number;
    byBucket: Map<string, number>;
}

function summarise(file: string): ProfileSummary {
    const prof = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const byBucket = new Map<string, number>();
    for (let i = 0; i < prof.samples.length; i++) {
        const n = byId.get(prof.samples[i])!;
        const b = bucketOf(n.callFrame.url, n.callFrame.functionName);
        byBucket.set(b, (byBucket.get(b) ?? 0) + (prof.timeDeltas[i] ?? 0) / 1000);
    }
    const urls = prof.nodes.map((n) => n.callFrame.url).join("\n");
    const role =
        urls.includes("dynamic-provider") || urls.includes("dynamic/provider")
            ? "dynamic provider"
            : urls.includes("cmd/run")
              ? "program"
              : "other";
    return { file, role, wallMs: (prof.endTime - prof.startTime) / 1000, byBucket };
}

function render(title: string, profiles: ProfileSummary[]): string {
    const out: string[] = [`### ${title}`, ""];
    for (const role of ["program", "dynamic provider", "other"]) {
        const ps = profiles.filter((p) => p.role === role);
        if (!ps.length) continue;
        const total = new Map<string, number>();
        for (const p of ps) for (const [b, ms] of p.byBucket) total.set(b, (total.get(b) ?? 0) + ms);
        const rows = [...total.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
        const wall = ps.reduce((s, p) => s + p.wallMs, 0);
        out.push(`${role}: ${ps.length} process(es), ${wall.toFixed(0)} ms profiled`, "");
        out.push(
            table(
                ["self time in", "ms"],
                rows.map(([b, ms]) => [b, ms.toFixed(0)]),
            ),
            "",
        );
    }
    return out.join("\n");
}

async function main(): Promise<void> {
    const n = Number(process.argv[2] ?? 50);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-profile-"));
    const cp = await startControlPlane({ log: (l) => console.error(l) });
    try {
        const target = await connectionTarget(cp, adminClients(cp), work);
        for (const variant of [floorVariant(), connectorsVariant(target)]) {
            const dirs: Record<string, string> = {};
            const stack = await createTestStack({ programDir: variant.programDir, config: variant.config(n) });
            try {
                for (const op of ["up", "preview", "destroy"] as const) {
                    const dir = path.join(work, `${variant.key}-${op}`);
                    dirs[op] = dir;
                    fs.mkdirSync(dir);
                    stack.stack.workspace.envVars.NODE_OPTIONS = `--disable-warning=ExperimentalWarning --cpu-prof --cpu-prof-dir=${dir} --require ${path.join(__dirname, "profileHook.js")}`;
                    const t0 = performance.now();
                    await stack[op]();
                    const ms = performance.now() - t0;
                    const profiles = fs
                        .readdirSync(dir)
                        .filter((f) => f.endsWith(".cpuprofile"))
                        .map((f) => summarise(path.join(dir, f)));
                    console.log(
                        render(
                            `${variant.label}, N=${n}: ${op} took ${ms.toFixed(0)} ms (with profiling on)`,
                            profiles,
                        ),
                    );
                }
            } finally {
                await stack.dispose();
            }
        }
        console.log(`Profiles kept in ${work}`);
    } finally {
        await cp.stop();
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
