// 1. Tools: what the cold builds of the Go modules cost (recorded by tools/binaries.ts in
// <cacheDir>/build-<module>.json) and what a warm ensureTools() costs (the cache is used).
import * as fs from "node:fs";
import * as path from "node:path";
import { cacheDir, ensureTools, TOOLS } from "../tools/binaries";
import { duration, type Section, table } from "./markdown";
import { summarize, timed } from "./stats";

interface BuildRecord {
    module: string;
    tools?: string[];
    seconds?: number;
    goVersion?: string;
    builtAt?: string;
    note?: string;
}

export async function benchTools(runs: number): Promise<Section> {
    const modules = [...new Set(TOOLS.map((t) => t.module))];
    const rows: string[][] = [];
    let totalSeconds = 0;
    let missing = 0;
    for (const mod of modules) {
        const specs = TOOLS.filter((t) => t.module === mod);
        const file = path.join(cacheDir(), `build-${mod}.json`);
        let rec: BuildRecord | undefined;
        try {
            rec = JSON.parse(fs.readFileSync(file, "utf8"));
        } catch {
            rec = undefined;
        }
        const binaries = specs.map((s) => `${s.name} ${s.version}`).join(", ");
        const optional = specs.every((s) => s.optional) ? " (optional: built when a test or the bench needs it)" : "";
        if (rec && typeof rec.seconds === "number") {
            totalSeconds += rec.seconds;
            rows.push([
                `tools/${mod}${optional}`,
                binaries,
                `${rec.seconds.toFixed(0)} s`,
                [rec.goVersion, rec.builtAt, rec.note].filter(Boolean).join("; "),
            ]);
        } else {
            missing++;
            rows.push([
                `tools/${mod}${optional}`,
                binaries,
                "not recorded",
                `no ${path.basename(file)} in ${cacheDir()}`,
            ]);
        }
    }
    rows.push([
        "**total**",
        "",
        `**${(totalSeconds / 60).toFixed(1)} min**`,
        missing ? `${missing} module(s) not recorded, not counted` : "",
    ]);

    // Warm: every default tool is in the cache, so this only checks that the files exist.
    ensureTools(undefined, () => undefined);
    const warm = [];
    for (let i = 0; i < runs; i++) warm.push((await timed(() => ensureTools(undefined, () => undefined))).ms);
    const w = summarize(warm);
    return {
        title: "1. Tools",
        body: [
            `Cold builds (one \`go build\` per Go module, recorded when it ran) and a warm \`ensureTools()\` (${TOOLS.filter((t) => !t.optional).length} default tools already in ${cacheDir()}).`,
            table(["Go module", "binaries", "cold build", "recorded"], rows),
            table(
                ["measurement", "runs", "median", "min", "max"],
                [["warm `ensureTools()`", String(w.runs), duration(w.median), duration(w.min), duration(w.max)]],
            ),
        ],
        verdicts: [{ target: "warm tools < 5 s", met: w.median < 5000, detail: `median ${duration(w.median)}` }],
    };
}
