// `node dist/bench/loadedModules.js [N]`: which modules the dynamic provider process loads for an
// up, a no-op preview and a destroy of N connectors (default 2), for plain connectors, connectors
// with a delegate and connectors registered in Harness (the stand-in). Every Node.js process the
// engine starts runs with loadHook.js, which dumps require.cache at exit; the provider processes'
// dumps are summarised: modules of this package, of other packages, and the heavy packages among them.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startControlPlane } from "../tools/controlPlane";
import { startHarnessStandIn } from "../tools/harness";
import { adminClients } from "../tools/identities";
import { createTestStack } from "../tools/pulumiHarness";
import { connectionTarget } from "./connectionBench";
import { table } from "./markdown";
import { connectorsVariant } from "./pulumiBench";

/** The packages a path that needs none of them must not load. */
const HEAVY = ["undici", "js-yaml", "@kubernetes/client-node", "zod"];

/** The package of a module path: a package under node_modules, else this repo's folder. */
function packageOf(file: string): string {
    const nm = file.lastIndexOf("node_modules/");
    if (nm < 0) return "(this package)";
    const rest = file.slice(nm + "node_modules/".length).split("/");
    if (rest[0] === "pulumi-kubernetes-connector") return "(this package)";
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
}

/** What one operation's provider processes loaded. */
export interface LoadSummary {
    modules: number;
    ours: string[];
    packages: Map<string, number>;
}

function summarise(dir: string): LoadSummary {
    const modules = new Set<string>();
    for (const f of fs.readdirSync(dir)) {
        const dump = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as { argv: string[]; modules: string[] };
        if (!dump.argv.some((a) => a.includes("dynamic-provider"))) continue;
        for (const m of dump.modules) modules.add(m);
    }
    const packages = new Map<string, number>();
    const ours: string[] = [];
    for (const m of modules) {
        const p = packageOf(m);
        packages.set(p, (packages.get(p) ?? 0) + 1);
        if (p === "(this package)") ours.push(m.replace(/.*\/dist\//, ""));
    }
    return { modules: modules.size, ours: ours.sort(), packages };
}

async function main(): Promise<void> {
    const n = Number(process.argv[2] ?? 2);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-loads-"));
    const cp = await startControlPlane({ log: (l) => console.error(l) });
    const standIn = await startHarnessStandIn();
    const rows: string[][] = [];
    const details: string[] = [];
    try {
        const target = await connectionTarget(cp, adminClients(cp), work);
        const base = connectorsVariant(target);
        const variants = [
            { key: "plain", config: base.config(n), env: {} },
            {
                key: "delegate",
                config: connectorsVariant(target, { delegate: { provisionerKubeconfig: cp.kubeconfig } }).config(n),
                env: {},
            },
            { key: "harness", config: { ...base.config(n), harness: { value: "true" } }, env: standIn.env },
        ];
        for (const v of variants) {
            const stack = await createTestStack({ programDir: base.programDir, config: v.config, env: v.env });
            try {
                for (const op of ["up", "preview", "destroy"] as const) {
                    const dir = path.join(work, `${v.key}-${op}`);
                    fs.mkdirSync(dir);
                    stack.stack.workspace.envVars.NODE_OPTIONS = `--require ${path.join(__dirname, "loadHook.js")}`;
                    stack.stack.workspace.envVars.PKC_LOAD_DIR = dir;
                    await stack[op]();
                    const s = summarise(dir);
                    const heavy = HEAVY.filter((h) => s.packages.has(h));
                    rows.push([
                        v.key,
                        op,
                        String(s.modules),
                        String(s.ours.length),
                        String(s.packages.size - 1),
                        heavy.join(", ") || "none",
                    ]);
                    details.push(`${v.key} ${op}: ${s.ours.join(" ")}`);
                }
            } finally {
                await stack.dispose();
            }
        }
        console.log(
            table(["connectors", "operation", "modules", "of this package", "other packages", "heavy loaded"], rows),
        );
        console.log("");
        for (const d of details) console.log(d, "\n");
    } finally {
        await standIn.stop();
        await cp.stop();
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
