// What the delegate tests share: a real control plane, the Harness stand-in, and the test-only
// agent playing the delegate's pods (tools/harness/delegateAgent.ts), started for one describe
// block and stopped after it, with the stand-in's contract checked on the way out.
import * as assert from "node:assert/strict";
import * as tls from "node:tls";
import * as k8s from "@kubernetes/client-node";
import { type HarnessClient, harnessClientFor } from "../provider/harness/client";
import { type ControlPlane, startControlPlane } from "../tools/controlPlane";
import { type HarnessStandIn, startHarnessStandIn } from "../tools/harness";
import { type DelegateAgent, startDelegateAgent } from "../tools/harness/delegateAgent";
import { type AdminClients, adminClients, ensureNamespace } from "../tools/identities";

/** The parts a delegate test talks to. */
export interface DelegateRig {
    cp: ControlPlane;
    admin: AdminClients;
    apps: k8s.AppsV1Api;
    h: HarnessStandIn;
    agent: DelegateAgent;
    /** Runs `use` with a Harness client of the stand-in's account (as the user's own tooling would), closed after. */
    withHarness<T>(use: (client: HarnessClient) => Promise<T>): Promise<T>;
    /** Stops the agent, the stand-in (asserting every answer kept Harness's contract) and the control plane. */
    stop(): Promise<void>;
}

/** How the rig starts. */
export interface DelegateRigOptions {
    /** How long the stand-in counts a delegate live after its last heartbeat. */
    heartbeatExpiryMs: number;
    /** How often the agent looks for delegate Deployments. */
    pollMs: number;
    /** A namespace made before the tests (with `serviceAccount` in it, when given). */
    namespace?: string;
    serviceAccount?: string;
    /** Where the agent looks for Deployments; every namespace when not given. */
    agentNamespace?: string;
    /** Trusts the stand-in's CA in this process (for in-process Harness clients); default true. */
    trustStandIn?: boolean;
}

/** Starts the rig; a part that fails to start stops what started before it. */
export async function startDelegateRig(options: DelegateRigOptions): Promise<DelegateRig> {
    const cp = await startControlPlane();
    let h: HarnessStandIn | undefined;
    try {
        const admin = adminClients(cp);
        if (options.namespace) {
            await ensureNamespace(admin, options.namespace);
            if (options.serviceAccount)
                await admin.core.createNamespacedServiceAccount({
                    namespace: options.namespace,
                    body: { metadata: { name: options.serviceAccount } },
                });
        }
        h = await startHarnessStandIn({ delegates: [], heartbeatExpiryMs: options.heartbeatExpiryMs });
        if (options.trustStandIn ?? true)
            tls.setDefaultCACertificates([...tls.getCACertificates("default"), h.caCertPem]);
        const agent = startDelegateAgent({
            kubeClient: admin.kubeConfig,
            harnessUrl: h.managerUrl,
            trustedCaPems: [h.caCertPem],
            ...(options.agentNamespace ? { namespace: options.agentNamespace } : {}),
            pollMs: options.pollMs,
        });
        const standIn = h;
        return {
            cp,
            admin,
            apps: admin.kubeConfig.makeApiClient(k8s.AppsV1Api),
            h: standIn,
            agent,
            async withHarness(use) {
                const client = harnessClientFor({
                    endpoint: standIn.url,
                    accountId: standIn.accountId,
                    apiKey: standIn.apiKey,
                    timeoutMs: 10_000,
                });
                try {
                    return await use(client);
                } finally {
                    await client.close();
                }
            },
            async stop() {
                await agent.stop();
                try {
                    assert.deepEqual(
                        standIn.contractViolations,
                        [],
                        "every answer of the stand-in kept Harness's contract",
                    );
                } finally {
                    await standIn.stop();
                    await cp.stop();
                }
            },
        };
    } catch (e) {
        await h?.stop();
        await cp.stop();
        throw e;
    }
}
