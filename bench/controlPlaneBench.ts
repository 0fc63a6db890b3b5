// 2. Control plane: time from start to kube-apiserver's /readyz and to ready for use (when
// startControlPlane() resolves: the controller manager is ready), and each component's resident
// memory right after.
import { type ControlPlane, startControlPlane } from "../tools/controlPlane";
import { bytes, duration, type Section, table } from "./markdown";
import { vmRssBytes } from "./proc";
import { msSince, type Summary, summarize } from "./stats";

export async function benchControlPlane(runs: number, log: (l: string) => void): Promise<Section> {
    const readyz: number[] = [];
    const usable: number[] = [];
    const rss: Record<string, number[]> = {};
    const totals: number[] = [];
    const failures: string[] = [];
    for (let i = 0; i < runs; i++) {
        const start = process.hrtime.bigint();
        let readyzMs: number | undefined;
        let cp: ControlPlane | undefined;
        try {
            cp = await startControlPlane({
                // startControlPlane starts the controller manager right after kube-apiserver's /readyz answered 200.
                log: (line) => {
                    if (readyzMs === undefined && line.startsWith("[cluster] starting kube-controller-manager"))
                        readyzMs = msSince(start);
                },
            });
        } catch (e) {
            // Recorded and run again (at most twice in all): one failed start should not lose the section.
            const msg = (e as Error).message.split("\n")[0];
            failures.push(msg);
            log(`[bench] control plane ${i + 1}/${runs} failed to start, running it again: ${msg}`);
            if (failures.length > 2) throw e;
            i--;
            continue;
        }
        try {
            const readyMs = msSince(start);
            if (readyzMs === undefined)
                throw new Error(
                    "startControlPlane did not log the start of kube-controller-manager: cannot tell when /readyz answered",
                );
            readyz.push(readyzMs);
            usable.push(readyMs);
            let total = 0;
            for (const [component, pid] of Object.entries(cp.pids)) {
                const b = vmRssBytes(pid) ?? NaN;
                rss[component] ??= [];
                rss[component].push(b);
                total += b;
            }
            totals.push(total);
            log(
                `[bench] control plane ${i + 1}/${runs}: /readyz after ${duration(readyzMs)}, ready for use after ${duration(readyMs)}, ${bytes(total)} resident`,
            );
        } finally {
            await cp.stop();
        }
    }
    const r = summarize(readyz);
    const u = summarize(usable);
    const row = (what: string, s: Summary, f: (n: number) => string) => [
        what,
        String(s.runs),
        f(s.median),
        f(s.min),
        f(s.max),
    ];
    const memRows = [
        ...Object.entries(rss).map(([c, v]) => row(`VmRSS ${c}`, summarize(v), bytes)),
        row("VmRSS total", summarize(totals), bytes),
    ];
    return {
        title: "2. Control plane",
        body: [
            `${runs} fresh control planes (etcd, kube-apiserver, kube-controller-manager on loopback), each stopped before the next; memory is VmRSS from /proc/<pid>/status right after it was ready.`,
            table(
                ["measurement", "runs", "median", "min", "max"],
                [
                    row("start → kube-apiserver /readyz 200", r, duration),
                    row("start → ready for use (startControlPlane() resolved: controller manager ready)", u, duration),
                    ...memRows,
                ],
            ),
            ...failures.map((f) => `Failed start (run again, not counted): ${f}`),
        ],
        verdicts: [
            {
                target: "control plane ready < 10 s",
                met: u.median < 10_000,
                detail: `median ${duration(u.median)} to ready for use (${duration(r.median)} to /readyz)`,
            },
        ],
    };
}
