// `npm run cluster`: starts a local control plane by hand and keeps it up until Ctrl-C. `--pods`
// also runs a node with real pods (root; one per machine); other arguments go to kube-apiserver.
import { startControlPlane } from "./controlPlane";

async function main(): Promise<void> {
    const started = Date.now();
    const args = process.argv.slice(2);
    const cp = await startControlPlane({
        log: (l) => console.error(l),
        keepDir: true,
        pods: args.includes("--pods"),
        apiserverFlags: args.filter((a) => a !== "--pods"),
    });
    console.log(`kube-apiserver ${cp.server} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(`export KUBECONFIG=${cp.kubeconfigPath}`);
    if (cp.pods)
        console.log(
            `pods: node at ${cp.pods.gatewayIp}; images ${cp.pods.images.delegateStandIn} (a test stand-in for harness/delegate), ${cp.pods.images.pause}`,
        );
    console.log(`processes: ${JSON.stringify(cp.pids)}; logs in ${cp.dir}. Ctrl-C stops everything.`);
    const stop = async () => {
        await cp.stop();
        process.exit(0);
    };
    process.removeAllListeners("SIGINT");
    process.removeAllListeners("SIGTERM");
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    if (process.env.PKC_CLUSTER_EXIT_AFTER_READY) await stop();
}

main().catch((e) => {
    console.error(`[cluster] ${(e as Error).message}`);
    process.exit(1);
});
