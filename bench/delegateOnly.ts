// `npm run bench:delegate`: section 4b alone (50 connectors with a delegate vs the same objects
// declared with @pulumi/kubernetes), on its own control plane, printed to stdout; bench/results is
// not written. PKC_BENCH_RUNS (default 5) sets the repetitions. Without section 4 there is no
// "connectors without a delegate" column.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startControlPlane } from "../tools/controlPlane";
import { adminClients } from "../tools/identities";
import { connectionTarget } from "./connectionBench";
import { benchDelegateSection, delegatePreflight } from "./delegateBench";
import { duration, renderSection } from "./markdown";

const log = (line: string) => console.error(line);

async function main(): Promise<number> {
    const started = Date.now();
    const runs = Number(process.env.PKC_BENCH_RUNS ?? 5);
    const cp = await startControlPlane({ log });
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-bench-"));
    try {
        const admin = adminClients(cp);
        const target = await connectionTarget(cp, admin, work);
        const preflight = delegatePreflight(cp.kubeconfig, log);
        const section = await benchDelegateSection({
            target,
            admin,
            adminKubeconfig: cp.kubeconfig,
            preflight,
            runs,
            log,
        });
        console.log(renderSection(section));
        console.log(`\n4b alone: ${runs} runs in ${duration(Date.now() - started)}.`);
        return section.verdicts.some((v) => v.met === undefined) ? 1 : 0;
    } finally {
        await cp.stop();
        fs.rmSync(work, { recursive: true, force: true });
    }
}

main().then(
    (code) => process.exit(code),
    (e) => {
        console.error(`[bench] failed: ${(e as Error).stack ?? e}`);
        process.exit(1);
    },
);
