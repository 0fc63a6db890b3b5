// Markdown pieces of the bench report: tables and target verdicts.

/** A Markdown table; cells are escaped for `|`. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
    const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
    return [
        `| ${headers.map(cell).join(" | ")} |`,
        `| ${headers.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
        ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
    ].join("\n");
}

/** The result of checking one target. */
export interface Verdict {
    target: string;
    /** true: met; false: missed; undefined: not measured. */
    met: boolean | undefined;
    detail: string;
}

export function verdictLine(v: Verdict): string {
    const word = v.met === undefined ? "**NOT MEASURED**" : v.met ? "**met**" : "**MISSED**";
    return `- Target: ${v.target} — ${word}: ${v.detail}`;
}

/** A section of the report: a heading, its body and the targets checked under it. */
export interface Section {
    title: string;
    body: string[];
    verdicts: Verdict[];
}

export function renderSection(s: Section): string {
    return [`## ${s.title}`, "", ...s.body.flatMap((b) => [b, ""]), ...s.verdicts.map(verdictLine), ""]
        .join("\n")
        .replace(/\n{3,}/g, "\n\n");
}

/** `0.8 ms`, `1.23 s` or `2.1 min`, whichever reads best. */
export function duration(ms: number): string {
    if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
    if (ms < 120_000) return `${(ms / 1000).toFixed(2)} s`;
    return `${(ms / 60_000).toFixed(1)} min`;
}

/** Bytes as `812 B`, `3.4 KB` (1024) or `210 MB`. */
export function bytes(n: number): string {
    if (n < 1024) return `${Math.round(n)} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
    return `${(n / 1024 / 1024).toFixed(0)} MB`;
}
