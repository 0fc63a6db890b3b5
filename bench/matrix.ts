// Runs Pulumi programs through the real engine, one stack per (program, N), repetition after
// repetition: up → no-op preview → destroy, timing each and following the peak resident memory
// of the provider process. Variants are interleaved inside a repetition so that any drift of the
// machine touches all of them alike.
import { createTestStack, type TestStack } from "../tools/pulumiHarness";
import { PeakRssPoller } from "./proc";
import { type Summary, summarize, timed } from "./stats";

export type ConfigMap = Record<string, { value: string; secret?: boolean }>;

/** A program measured at several N. */
export interface Variant {
    key: string;
    label: string;
    programDir: string;
    config(n: number): ConfigMap;
    env?: Record<string, string>;
    /** Resources the engine counts for N (the stack itself included). */
    resources(n: number): number;
    /** Command-line substring of the provider process whose memory is followed. */
    providerNeedle: string;
    /** Called after each successful up (not timed), e.g. to export the state or check the cluster. */
    afterUp?(n: number, stack: TestStack): Promise<void>;
    /** Called after each destroy (not timed), e.g. to wait until namespaces are gone. */
    afterDestroy?(n: number): Promise<void>;
}

/** Everything measured for one (variant, N). */
export interface Cell {
    up: number[];
    preview: number[];
    destroy: number[];
    /** Peak VmRSS of the provider process over a whole repetition (up, preview, destroy). */
    peakRss: number[];
    /** JSON of each no-op preview's changeSummary. */
    previewSummaries: string[];
    /** Whether each no-op preview reported only `same`, for every resource. */
    noop: boolean[];
    /** Attempts that failed and were run again, with why. */
    failures: string[];
}

export interface CellSummary {
    up: Summary;
    preview: Summary;
    destroy: Summary;
    peakRss: Summary;
    noopRuns: number;
    runs: number;
    previewSummaries: string[];
    failures: string[];
}

/** An error that running the repetition again cannot fix. */
export class FatalError extends Error {}

function tail(e: unknown): string {
    const err = e as any;
    const text = [err?.message, err?.stderr, err?.stdout].filter(Boolean).join("\n");
    return text.trim().split("\n").slice(-25).join("\n");
}

export class Matrix {
    private stacks = new Map<string, TestStack>();
    /** Stacks that may hold resources (an up started and no destroy finished since). */
    private dirty = new Set<TestStack>();
    readonly cells = new Map<string, Cell>();

    constructor(private readonly log: (l: string) => void) {}

    private key(v: Variant, n: number): string {
        return `${v.key}@${n}`;
    }

    private async stack(v: Variant, n: number): Promise<TestStack> {
        const k = this.key(v, n);
        let s = this.stacks.get(k);
        if (!s) {
            s = await createTestStack({
                programDir: v.programDir,
                config: v.config(n),
                env: v.env,
                stackName: `bench-${v.key}-${n}-${Date.now().toString(36)}`,
            });
            this.stacks.set(k, s);
        }
        return s;
    }

    cell(v: Variant, n: number): Cell {
        const k = this.key(v, n);
        let c = this.cells.get(k);
        if (!c) {
            c = { up: [], preview: [], destroy: [], peakRss: [], previewSummaries: [], noop: [], failures: [] };
            this.cells.set(k, c);
        }
        return c;
    }

    /** Creates the stack of each (variant, N) ahead of the timed runs. */
    async prepare(pairs: readonly [Variant, number][]): Promise<void> {
        for (const [v, n] of pairs) await this.stack(v, n);
    }

    /**
     * One repetition of one (variant, N): up, no-op preview, destroy. Returns its wall time. A
     * failed attempt is recorded, cleaned up and run again (at most `retries` times).
     */
    async repetition(v: Variant, n: number, retries = 2): Promise<{ ms: number; upMs: number }> {
        for (let attempt = 0; ; attempt++) {
            try {
                return await this.attempt(v, n);
            } catch (e) {
                if (e instanceof FatalError || attempt >= retries) throw e;
                const msg = (e as Error).message;
                const lines = msg.split("\n").map((l) => l.trim());
                const cause = lines
                    .slice(1)
                    .find((l) => /error:/.test(l))
                    ?.replace(/^.*?error: /, "");
                this.cell(v, n).failures.push([lines[0], cause].filter(Boolean).join(" "));
                this.log(`[bench] ${v.label} N=${n}: attempt failed, cleaning up and running it again: ${msg}`);
                const s = await this.stack(v, n);
                if (this.dirty.has(s)) {
                    await s.destroy().catch(() => undefined);
                    this.dirty.delete(s);
                }
                if (v.afterDestroy) await v.afterDestroy(n).catch(() => undefined);
            }
        }
    }

    private async attempt(v: Variant, n: number): Promise<{ ms: number; upMs: number }> {
        const s = await this.stack(v, n);
        const c = this.cell(v, n);
        const expected = v.resources(n);
        const poller = new PeakRssPoller(v.providerNeedle).start();
        const started = process.hrtime.bigint();
        this.dirty.add(s);
        try {
            const up = await timed(() => s.up()).catch((e) => {
                throw new Error(`pulumi up of ${v.label} at N=${n} failed:\n${tail(e)}`);
            });
            const created = up.value.summary.resourceChanges?.create ?? 0;
            if (up.value.summary.result !== "succeeded" || created !== expected) {
                throw new Error(
                    `pulumi up of ${v.label} at N=${n}: ${up.value.summary.result}, ${JSON.stringify(up.value.summary.resourceChanges)} (expected create: ${expected})`,
                );
            }
            if (v.afterUp) await v.afterUp(n, s);
            const preview = await timed(() => s.preview()).catch((e) => {
                throw new Error(`pulumi preview of ${v.label} at N=${n} failed:\n${tail(e)}`);
            });
            const summary = preview.value.changeSummary as Record<string, number>;
            const noop =
                Object.entries(summary).every(([k, count]) => k === "same" || count === 0) && summary.same === expected;
            const destroy = await timed(() => s.destroy()).catch((e) => {
                throw new Error(`pulumi destroy of ${v.label} at N=${n} failed:\n${tail(e)}`);
            });
            const deleted = destroy.value.summary.resourceChanges?.delete ?? 0;
            if (destroy.value.summary.result !== "succeeded" || deleted !== expected) {
                throw new Error(
                    `pulumi destroy of ${v.label} at N=${n}: ${destroy.value.summary.result}, ${JSON.stringify(destroy.value.summary.resourceChanges)} (expected delete: ${expected})`,
                );
            }
            this.dirty.delete(s);
            const rss = poller.stop();
            c.up.push(up.ms);
            c.preview.push(preview.ms);
            c.destroy.push(destroy.ms);
            c.peakRss.push(rss.peakBytes);
            c.previewSummaries.push(JSON.stringify(summary));
            c.noop.push(noop);
            this.log(
                `[bench] ${v.label} N=${n}: up ${(up.ms / 1000).toFixed(2)} s, preview ${(preview.ms / 1000).toFixed(2)} s ${JSON.stringify(summary)}, destroy ${(destroy.ms / 1000).toFixed(2)} s, provider peak ${(rss.peakBytes / 2 ** 20).toFixed(0)} MB`,
            );
            if (v.afterDestroy) await v.afterDestroy(n);
            return { ms: Number(process.hrtime.bigint() - started) / 1e6, upMs: up.ms };
        } finally {
            poller.stop();
        }
    }

    summary(v: Variant, n: number): CellSummary | undefined {
        const c = this.cells.get(this.key(v, n));
        if (!c || c.up.length === 0) return undefined;
        return {
            up: summarize(c.up),
            preview: summarize(c.preview),
            destroy: summarize(c.destroy),
            peakRss: summarize(c.peakRss),
            noopRuns: c.noop.filter(Boolean).length,
            runs: c.up.length,
            previewSummaries: [...new Set(c.previewSummaries)],
            failures: [...c.failures],
        };
    }

    /** Destroys what is left and removes every stack and its folders. */
    async dispose(): Promise<void> {
        for (const s of this.stacks.values()) {
            if (this.dirty.has(s)) await s.destroy().catch(() => undefined);
            await s.dispose().catch(() => undefined);
        }
        this.stacks.clear();
    }
}
