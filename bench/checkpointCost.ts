// `node dist/bench/checkpointCost.js [N] [repetitions]` (after `npm run setup`): how much of `up` and
// `destroy` of N connectors (default 200) and of the floor is the engine rewriting the whole state
// after each step, measured by running the same stacks again with PULUMI_SKIP_CHECKPOINTS=true (the
// engine then writes the state once, at the end). Prints medians; alone, not part of `npm run bench`.
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
        for (const skip of [false, true]) {
            for (const v of [floorVariant(), connectorsVariant(target)]) {
                const stack = await createTestStack({
                    programDir: v.programDir,
                    config: v.config(n),
                    env: skip ? { PULUMI_SKIP_CHECKPOINTS: "true" } : {},
                });
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
                const label = `${v.label}${skip ? ", PULUMI_SKIP_CHECKPOINTS=true" : ""}`;
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
