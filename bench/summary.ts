// The summary of a full bench run in docs/performance.md, between `<!-- bench-summary -->` and
// `<!-- /bench-summary -->`: the run's date, duration and counts, one row per target (its verdict
// and figures as the report words them) and what each section took. `npm run bench` rewrites it
// after a full run; `node dist/bench/summary.js [report]` rewrites it from a report (default
// bench/results/latest.md). Everything else in docs/performance.md is kept by hand.
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../tools/binaries";
import { table } from "./markdown";

/** The markers of the generated block in docs/performance.md. */
export const SUMMARY_START = "<!-- bench-summary -->";
/** The end marker of the generated block. */
export const SUMMARY_END = "<!-- /bench-summary -->";

/** The summary block (markers excluded) of a report written by bench/index.ts; `reportPath` names it in the text. */
export function summaryOf(report: string, reportPath: string): string {
    const lines = report.split("\n");
    const measured = /^Measured (\S+) by .*? in ([\d.]+ (?:min|s))/.exec(
        lines.find((l) => l.startsWith("Measured ")) ?? "",
    );
    const cores = /\((\d+) cores\)/.exec(report)?.[1];
    const counts = lines.find((l) => l.startsWith("Targets: "));
    if (!measured || !counts)
        throw new Error(`${reportPath}: not a report of bench/index.ts (no "Measured" or "Targets:" line)`);
    // The verdicts before the first section: one per target, in the order the report lists them.
    const firstSection = lines.findIndex((l) => l.startsWith("## "));
    const verdicts = lines
        .slice(0, firstSection < 0 ? lines.length : firstSection)
        .map((l) => /^- Target: (.*?) — \*\*(met|MISSED|NOT MEASURED)\*\*: (.*)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1], `${m[2] === "met" ? "met" : `**${m[2].toLowerCase()}**`}: ${m[3]}`]);
    const tookStart = lines.findIndex((l) => l.startsWith("| section, in the order run"));
    const took: string[][] = [];
    for (let i = tookStart < 0 ? lines.length : tookStart + 2; i < lines.length && lines[i].startsWith("|"); i++)
        took.push(lines[i].slice(2, -2).split(" | "));
    return [
        `Last full run: ${measured[1].slice(0, 10)}, ${cores ?? "?"} cores, \`npm run bench\`, ${measured[2]} (${reportPath}). ${counts}`,
        "",
        table(["target", "measured"], verdicts),
        "",
        ...(took.length ? [table(["section, in the order run", "wall time"], took), ""] : []),
    ].join("\n");
}

/** Replaces the summary block of `doc` (the text of docs/performance.md) with `summary`. */
export function withSummary(doc: string, summary: string): string {
    const a = doc.indexOf(SUMMARY_START);
    const b = doc.indexOf(SUMMARY_END);
    if (a < 0 || b < a) throw new Error(`docs/performance.md has no ${SUMMARY_START} … ${SUMMARY_END} block`);
    return `${doc.slice(0, a + SUMMARY_START.length)}\n${summary}${doc.slice(b)}`;
}

/** Rewrites docs/performance.md's summary block from the report at `reportPath` (relative to the repository). */
export function writeSummary(reportPath = path.join("bench", "results", "latest.md")): void {
    const root = repoRoot();
    const doc = path.join(root, "docs", "performance.md");
    const text = withSummary(
        fs.readFileSync(doc, "utf8"),
        summaryOf(fs.readFileSync(path.join(root, reportPath), "utf8"), reportPath),
    );
    fs.writeFileSync(doc, text);
}

if (require.main === module) {
    writeSummary(process.argv[2]);
    console.log("docs/performance.md: summary rewritten");
}
