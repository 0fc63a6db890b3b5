// `node dist/bench/checkpointCost.js [N] [repetitions]` (after `npm run setup`): how much of `up` and
// `destroy` of N connectors (default 200) and of the floor is the engine rewriting the whole state
// after each step. The DIY backends of pulumi CLI 3.259 (the file backend the tests use, S3, …)
// write the whole snapshot after every step, indented (pkg/backend/diy: backend.NewSnapshotManager;
// encoding.JSON); journaling (one entry per step instead) is the Pulumi Cloud backend's only. So the
// same stacks run again with what a DIY backend offers: PULUMI_SKIP_CHECKPOINTS=true (the state is
// written once, at the end: a crash mid-update loses what it made) and PULUMI_DIY_BACKEND_ZSTD=true
// (each write compressed). Prints medians; alone, not part of `npm run bench`.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startControlPlane } from "../tools/controlPlane";
import { adminClients } from "../tools/identities";
import { createTestStack } from "../tools/pulumiHarness";
import { connectionTarget } from "./connectionBench";
import { duration, table } from "./markdown";
import { connectorsVariant, floorVariant } from "./pulumiBench";
import { summarize } from "./stats";

async function main(): Promise<void> {
    const n = Number(process.argv[2] ?? 200);
    const reps = Number(process.argv[3] ?? 3);
    const cp = await startControlPlane({ log: (l) => console.error(l) });
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-checkpoints-"));
    try {
        const target = await connectionTarget(cp, adminClients(cp), work);
        const rows: string[][] = [];
        const settings: [string, Record<string, string>][] = [
            ["", {}],
            [", PULUMI_SKIP_CHECKPOINTS=true", { PULUMI_SKIP_CHECKPOINTS: "true" }],
            [", PULUMI_DIY_BACKEND_ZSTD=true", { PULUMI_DIY_BACKEND_ZSTD: "true" }],
        ];
        for (const [suffix, env] of settings) {
            for (const v of [floorVariant(), connectorsVariant(target)]) {
                const stack = await createTestStack({ programDir: v.programDir, config: v.config(n), env });
                const up: number[] = [];
                const destroy: number[] = [];
                try {
                    for (let r = 0; r < reps; r++) {
                        let t = Date.now();
                        await stack.up();
                        up.push(Date.now() - t);
                        t = Date.now();
                        await stack.destroy();
                        destroy.push(Date.now() - t);
                    }
                } finally {
                    await stack.dispose();
                }
                const label = `${v.label}${suffix}`;
                rows.push([label, duration(summarize(up).median), duration(summarize(destroy).median)]);
                console.error(`[checkpoints] ${label}: up ${up.join(", ")} ms; destroy ${destroy.join(", ")} ms`);
            }
        }
        console.log(table([`N=${n}, ${reps} runs each`, "up", "destroy"], rows));
    } finally {
        await cp.stop();
        fs.rmSync(work, { recursive: true, force: true });
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
