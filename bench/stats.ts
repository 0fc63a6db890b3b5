// Repeated measurements and how the bench summarises them: median, min and max of each figure.

/** A figure measured several times. */
export interface Summary {
    runs: number;
    median: number;
    min: number;
    max: number;
    values: number[];
}

/** Median (mean of the two middle values for an even count), min and max. */
export function summarize(values: readonly number[]): Summary {
    if (values.length === 0) throw new Error("no measurement to summarise");
    const s = [...values].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
    return { runs: s.length, median, min: s[0], max: s[s.length - 1], values: [...values] };
}

/** Milliseconds since `start` (process.hrtime.bigint()). */
export function msSince(start: bigint): number {
    return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs `fn` and returns how long it took in milliseconds, with its result. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
    const start = process.hrtime.bigint();
    const value = await fn();
    return { ms: msSince(start), value };
}

/** Rounds to `digits` significant-looking decimals for a table cell. */
export function fmt(n: number, digits = 2): string {
    if (!Number.isFinite(n)) return String(n);
    return n.toFixed(digits);
}

/** `median (min–max)` in the unit given, e.g. `1.23 s (1.10–1.40)`. */
export function fmtSummary(s: Summary, unit: string, scale = 1, digits = 2): string {
    return `${fmt(s.median * scale, digits)} ${unit} (${fmt(s.min * scale, digits)}–${fmt(s.max * scale, digits)})`;
}

/** The ratio of two summaries: of medians, with the range of per-run ratios when paired runs exist. */
export function ratioOf(a: Summary, b: Summary): { median: number; min: number; max: number } {
    if (a.values.length === b.values.length) {
        const r = summarize(a.values.map((v, i) => v / b.values[i]));
        return { median: a.median / b.median, min: r.min, max: r.max };
    }
    return { median: a.median / b.median, min: a.min / b.max, max: a.max / b.min };
}

export function fmtRatio(r: { median: number; min: number; max: number }): string {
    return `${fmt(r.median)}× (${fmt(r.min)}–${fmt(r.max)})`;
}
