// `npm run demo`: runs the root Pulumi program (examples/demo) through the real engine. With no
// KUBECONFIG it starts a local control plane with a kubelet (real pods) and uses its admin; with
// KUBECONFIG it uses that cluster. The connector is registered in Harness: a real account when
// HARNESS_ACCOUNT_ID, HARNESS_PLATFORM_API_KEY and HARNESS_ENDPOINT are all set, otherwise a local
// stand-in of Harness's API (tools/harness), which the demo says it is. The delegate is installed
// with the connector: Harness's image on your cluster and account; locally, the project's stand-in
// image (Harness's cannot be pulled here) as a real pod that connects to the stand-in. It prints
// `pulumi up`'s output, the delegate connected and Harness's test on it, then destroys what it made.
import * as fs from "node:fs";
import { repoRoot } from "../tools/binaries";
import { type ControlPlane, startControlPlane } from "../tools/controlPlane";
import { type HarnessStandIn, startHarnessStandIn } from "../tools/harness";
import { type DelegateAgent, startDelegateAgent } from "../tools/harness/delegateAgent";
import { createTestStack } from "../tools/pulumiHarness";

async function main(): Promise<void> {
    let cp: ControlPlane | undefined;
    let kubeconfig: string;
    const config: Record<string, { value: string; secret?: boolean }> = {};
    if (process.env.KUBECONFIG) {
        console.log(`[demo] using the cluster of KUBECONFIG=${process.env.KUBECONFIG}`);
        kubeconfig = fs.readFileSync(process.env.KUBECONFIG.split(":")[0], "utf8");
        if (process.env.KUBE_CONTEXT) config.context = { value: process.env.KUBE_CONTEXT };
    } else {
        console.log(
            "[demo] no KUBECONFIG: starting a local cluster (etcd, kube-apiserver, kube-controller-manager on 127.0.0.1; a kubelet, kube-scheduler and containerd running pods on the bridge pkc0)",
        );
        try {
            cp = await startControlPlane({ pods: true, log: (l) => console.log(l) });
        } catch (e) {
            console.log(
                `[demo] a kubelet cannot run pods here (${(e as Error).message.split("\n")[0]}): starting the control plane without one; a test agent plays the delegate's pod`,
            );
            cp = await startControlPlane({ log: (l) => console.log(l) });
        }
        kubeconfig = cp.kubeconfig;
    }
    config.kubeconfig = { value: kubeconfig, secret: true };
    const env: Record<string, string> = {};
    let standIn: HarnessStandIn | undefined;
    let agent: DelegateAgent | undefined;
    let closeExposure: (() => Promise<void>) | undefined;
    if (process.env.HARNESS_ACCOUNT_ID && process.env.HARNESS_PLATFORM_API_KEY && process.env.HARNESS_ENDPOINT) {
        console.log(
            `[demo] registering in the Harness account ${process.env.HARNESS_ACCOUNT_ID} at ${process.env.HARNESS_ENDPOINT}`,
        );
    } else {
        standIn = await startHarnessStandIn();
        Object.assign(env, {
            HARNESS_ACCOUNT_ID: standIn.accountId,
            HARNESS_PLATFORM_API_KEY: standIn.apiKey,
            HARNESS_ENDPOINT: standIn.url,
            NODE_EXTRA_CA_CERTS: standIn.caCertFile,
        });
        console.log(
            `[demo] HARNESS_* not all set: registering in a local STAND-IN of Harness's NG API at ${standIn.url} (not Harness: it keeps Harness's OpenAPI contract and server rules, for tests and this demo)`,
        );
        if (cp?.pods) {
            // The delegate's pod reaches the stand-in on the node's bridge, and trusts its CA through
            // the install's customCaBundle, where the delegate's start script loads certificates.
            const exposed = await cp.pods.exposeToPods(Number(new URL(standIn.managerUrl).port));
            closeExposure = exposed.close;
            config.delegateImage = { value: cp.pods.images.delegateStandIn };
            config.delegateManagerUrl = { value: `https://${exposed.host}:${exposed.port}` };
            config.delegateCaBundle = { value: standIn.caCertPem };
            console.log(
                `[demo] the delegate runs as a real pod of ${cp.pods.images.delegateStandIn}: the project's STAND-IN for Harness's delegate image (which cannot be pulled here); it heartbeats to the stand-in at ${config.delegateManagerUrl.value}`,
            );
        } else if (cp) {
            agent = startDelegateAgent({
                kubeconfig: cp.kubeconfig,
                harnessUrl: standIn.managerUrl,
                trustedCaPems: [standIn.caCertPem],
            });
            config.delegateImage = { value: "harness/delegate:26.02.88404" };
            config.delegateManagerUrl = { value: standIn.managerUrl };
        } else {
            console.log(
                "[demo] your cluster's pods cannot reach this machine's Harness stand-in: the delegate is not installed (set HARNESS_* to install it into your account)",
            );
            config.installDelegate = { value: "false" };
        }
    }
    const stack = await createTestStack({ programDir: repoRoot(), stackName: "demo", config, env });
    try {
        console.log("[demo] pulumi up");
        const up = await stack.up({ onOutput: (s) => process.stdout.write(s) });
        const d = up.outputs.delegate.value;
        console.log(
            `[demo] connector ${up.outputs.ref.value}: connection test ${up.outputs.connectionTest.value.status} against ${up.outputs.masterUrl.value} (${up.outputs.serverVersion.value}) as ServiceAccount ${d.namespace}/${d.serviceAccountName} (${d.roleKind} ${d.roleNames.join(", ")})`,
        );
        const install = d.install;
        if (install)
            console.log(
                `[demo] delegate ${install.name} (${install.image}) in ${install.namespace}: ${install.connected ? "connected" : "NOT connected"} to Harness, last heartbeat ${install.lastHeartbeat}, token ${install.tokenName}; the connector's selectors ${JSON.stringify(install.tags)}`,
            );
        const h = up.outputs.harness.value;
        console.log(
            `[demo] in Harness: ${h.connectorRef} (${h.url}), secrets ${Object.values(h.secretRefs).join(", ")}; Harness's test ${h.connectionTest.status}${h.connectionTest.delegateId ? ` on delegate ${h.connectionTest.delegateId}` : ""}`,
        );
        console.log("[demo] pulumi preview (expect no changes)");
        const preview = await stack.preview();
        console.log(`[demo] ${JSON.stringify(preview.changeSummary)}`);
        console.log("[demo] pulumi destroy");
        await stack.destroy();
    } finally {
        await stack.dispose();
        await agent?.stop();
        await closeExposure?.();
        await standIn?.stop();
        await cp?.stop();
    }
}

main().catch((e) => {
    console.error(`[demo] failed: ${(e as Error).message}`);
    process.exit(1);
});
