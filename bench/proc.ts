// What /proc says about processes: resident memory (VmRSS) and command lines, and a poller that
// follows the peak resident memory of processes whose command line matches.
import * as fs from "node:fs";

/** VmRSS of a process in bytes, or undefined when it is gone. */
export function vmRssBytes(pid: number): number | undefined {
    try {
        const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
        return m ? Number(m[1]) * 1024 : undefined;
    } catch {
        return undefined;
    }
}

/** The command line of a process (arguments joined by spaces), or undefined when it is gone. */
export function cmdline(pid: number): string | undefined {
    try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
    } catch {
        return undefined;
    }
}

/** Every process id in /proc. */
export function allPids(): number[] {
    return fs
        .readdirSync("/proc")
        .filter((n) => /^\d+$/.test(n))
        .map(Number);
}

/** Follows the peak VmRSS of processes whose command line contains `needle`, sampled every `intervalMs`. */
export class PeakRssPoller {
    private timer: NodeJS.Timeout | undefined;
    private peak = 0;
    private seen = new Set<number>();
    constructor(
        private readonly needle: string,
        private readonly intervalMs = 100,
    ) {}

    private sample(): void {
        for (const pid of allPids()) {
            if (pid === process.pid) continue;
            const cmd = cmdline(pid);
            if (!cmd || !cmd.includes(this.needle)) continue;
            const rss = vmRssBytes(pid);
            if (rss === undefined) continue;
            this.seen.add(pid);
            if (rss > this.peak) this.peak = rss;
        }
    }

    start(): this {
        this.sample();
        this.timer = setInterval(() => this.sample(), this.intervalMs);
        return this;
    }

    /** Stops sampling; returns the peak in bytes (0 when no process matched) and how many matched. */
    stop(): { peakBytes: number; processes: number } {
        if (this.timer) clearInterval(this.timer);
        this.timer = undefined;
        return { peakBytes: this.peak, processes: this.seen.size };
    }
}
