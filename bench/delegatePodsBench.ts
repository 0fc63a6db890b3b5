// 4f. The installed delegate as REAL pods (kubelet, containerd; the project's delegate stand-in
// image): `up` of examples/delegate-install, split from the stand-in's own request log into our
// steps before the wait (engine, identity, token, objects), the pod's start (objects written → the
// pod's first accepted heartbeat: scheduling, sandbox, container, the process), the poll's latency
// (that heartbeat → the provider's look that saw it) and our steps after (the connector, its test,
// Harness's gated test); against the same objects (rendered by delegateManifest) applied with
// @pulumi/kubernetes without its wait (skipAwait), whose pods' start is read the same way.
import * as path from "node:path";
import * as tls from "node:tls";
import { harnessClientFor } from "../provider/harness/client";
import { mintDelegateToken, revokeDelegateToken } from "../provider/parts/install/harnessDelegates";
import { repoRoot } from "../tools/binaries";
import { type ControlPlane, startControlPlane } from "../tools/controlPlane";
import { type HarnessStandIn, startHarnessStandIn } from "../tools/harness";
import type { LoggedRequest } from "../tools/harness/server";
import { adminClients } from "../tools/identities";
import { createTestStack, enginePath } from "../tools/pulumiHarness";
import { duration, type Section, table, type Verdict } from "./markdown";
import { fmtRatio, ratioOf, summarize } from "./stats";

const EXAMPLE = path.join(repoRoot(), "examples", "delegate-install");
const KUBERNETES_PROGRAM = path.join(repoRoot(), "bench", "programs", "kubernetes-delegate-install");

export interface DelegatePodsBenchContext {
    runs: number;
    /** Folder holding pulumi-resource-kubernetes, when it could be built; else why not. */
    pluginDir?: string;
    pluginBlocked?: string;
    log: (l: string) => void;
}

/** Where one `up` spent its time, from the stand-in's log (ms). */
interface UpTimeline {
    total: number;
    /** Up's start → the first look for the delegate (the objects are written by then). */
    before: number;
    /** The objects written → the pod's first accepted heartbeat. */
    podStart: number;
    /** That heartbeat → the provider's first look after it. */
    poll: number;
    /** The rest of up (the connector, its test, Harness's gated test, the engine's end). */
    after: number;
}

const isHeartbeat = (r: LoggedRequest) => r.path.startsWith("/standin/delegate/heartbeat") && r.status === 200;
const isLook = (r: LoggedRequest) => r.path.endsWith("/delegate-setup/listDelegates");

function timeline(log: readonly LoggedRequest[], started: number, ended: number): UpTimeline {
    const firstLook = log.find(isLook);
    const firstBeat = log.find(isHeartbeat);
    if (!firstLook || !firstBeat) throw new Error("the stand-in's log holds no look for the delegate or no heartbeat");
    const seen = log.find((r) => isLook(r) && r.at >= firstBeat.at) ?? firstLook;
    return {
        total: ended - started,
        before: firstLook.at - started,
        podStart: Math.max(0, firstBeat.at - firstLook.at),
        poll: Math.max(0, seen.at - firstBeat.at),
        after: ended - seen.at,
    };
}

async function waitUntil(what: string, seconds: number, done: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    while (!(await done())) {
        if (Date.now() > deadline) throw new Error(`${what} within ${seconds} s`);
        await new Promise((r) => setTimeout(r, 250));
    }
}

export async function benchDelegatePodsSection(ctx: DelegatePodsBenchContext): Promise<Section> {
    const title =
        "4f. The installed delegate as real pods: up to connected, and the same objects with @pulumi/kubernetes";
    let cp: ControlPlane | undefined;
    let h: HarnessStandIn | undefined;
    const ours: UpTimeline[] = [];
    const theirs: { up: number; podStart: number }[] = [];
    try {
        cp = await startControlPlane({ pods: true, log: ctx.log });
        const pods = cp.pods!;
        const admin = adminClients(cp);
        h = await startHarnessStandIn({ delegates: [], heartbeatExpiryMs: 4000 });
        const standIn = h;
        const exposed = await pods.exposeToPods(Number(new URL(h.managerUrl).port));
        const managerUrl = `https://${exposed.host}:${exposed.port}`;
        const common = {
            image: pods.images.delegateStandIn,
            managerUrl,
            caBundle: h.caCertPem,
        };
        const podsGone = (namespace: string) =>
            waitUntil(`the pods of ${namespace} were not gone`, 120, async () => {
                const list = await admin.core.listNamespacedPod({ namespace }).catch(() => ({ items: [] }));
                return list.items.length === 0;
            });

        const t = await createTestStack({
            programDir: EXAMPLE,
            config: {
                adminKubeconfig: { value: cp.kubeconfig, secret: true },
                delegateNamespace: { value: "bench-pods" },
                delegateName: { value: "bench-pods" },
                delegateImage: { value: common.image },
                delegateManagerUrl: { value: common.managerUrl },
                delegateCaBundle: { value: common.caBundle },
                delegateWaitSeconds: { value: "300" },
            },
            env: h.env,
        });
        try {
            for (let rep = 0; rep < ctx.runs; rep++) {
                ctx.log(`[bench] 4f. connector with its delegate as pods ${rep + 1}/${ctx.runs}`);
                const from = standIn.requests.length;
                const started = Date.now();
                await t.up();
                ours.push(timeline(standIn.requests.slice(from), started, Date.now()));
                await t.destroy();
                await podsGone("bench-pods");
            }
        } finally {
            await t.dispose();
        }

        if (ctx.pluginDir) {
            // This process mints the other side's tokens: it trusts the stand-in's CA as the engine's processes do (h.env).
            tls.setDefaultCACertificates([...tls.getCACertificates("default"), standIn.caCertPem]);
            const client = harnessClientFor({
                endpoint: h.url,
                accountId: h.accountId,
                apiKey: h.apiKey,
                timeoutMs: 10_000,
            });
            const k = await createTestStack({
                programDir: KUBERNETES_PROGRAM,
                config: {
                    kubeconfig: { value: cp.kubeconfig, secret: true },
                    namespace: { value: "bench-pods-k8s" },
                    delegateName: { value: "bench-pods-k8s" },
                    tags: { value: '["bench-pods-k8s"]' },
                    accountId: { value: h.accountId },
                    ...Object.fromEntries(Object.entries(common).map(([key, value]) => [key, { value }])),
                },
                env: { ...h.env, PATH: `${ctx.pluginDir}${path.delimiter}${enginePath()}` },
            });
            try {
                for (let rep = 0; rep < ctx.runs; rep++) {
                    ctx.log(`[bench] 4f. the same objects with @pulumi/kubernetes ${rep + 1}/${ctx.runs}`);
                    const token = await mintDelegateToken(client, {}, `bench-pods-k8s-${rep}`);
                    await k.stack.setConfig("delegateToken", { value: token.value!, secret: true });
                    const from = standIn.requests.length;
                    const started = Date.now();
                    await k.up();
                    const up = Date.now() - started;
                    await waitUntil("the @pulumi/kubernetes delegate did not connect", 300, async () =>
                        standIn.requests.slice(from).some(isHeartbeat),
                    );
                    const beat = standIn.requests.slice(from).find(isHeartbeat)!;
                    theirs.push({ up, podStart: beat.at - started });
                    await k.destroy();
                    await revokeDelegateToken(client, {}, token.name);
                    await podsGone("bench-pods-k8s");
                }
            } finally {
                await k.dispose();
                await client.close();
            }
        }
        await exposed.close();
    } finally {
        await h?.stop();
        await cp?.stop();
    }

    const med = (pick: (t: UpTimeline) => number) => summarize(ours.map(pick)).median;
    const rows = [
        ["up, in all", duration(med((t) => t.total))],
        ["  our steps before the wait (engine, identity, token, objects)", duration(med((t) => t.before))],
        [
            "  the wait for the pod (every object written → its first accepted heartbeat; the Deployment goes before the upgrader's objects, so the pod starts a little earlier)",
            duration(med((t) => t.podStart)),
        ],
        ["  the poll's latency (that heartbeat → the look that saw it)", duration(med((t) => t.poll))],
        ["  our steps after (connector, connection test, Harness's gated test, engine)", duration(med((t) => t.after))],
    ];
    const body = [
        `${ctx.runs} runs, medians. One connector of examples/delegate-install whose delegate runs as a real pod (the project's stand-in image: Node, the in-pod agent) on the local kubelet; times from the Harness stand-in's own request log.`,
        table(["phase of up", "time"], rows),
    ];
    const verdicts: Verdict[] = [];
    if (theirs.length) {
        const withoutWait = summarize(ours.map((t) => t.total - t.podStart - t.poll));
        const k8sUp = summarize(theirs.map((x) => x.up));
        body.push(
            "The same objects (delegateManifest's rendering: Namespace, ServiceAccount, Role, RoleBinding, token Secret, the install's objects) applied with @pulumi/kubernetes's yaml/v2 ConfigGroup, skipAwait; ours without the wait (up − pod start − poll). Ours also mints the token, registers the connector and runs both connection tests, which the other side does not.",
            table(
                ["", "ours, wait excluded", "@pulumi/kubernetes (skipAwait)", "ratio"],
                [["up", duration(withoutWait.median), duration(k8sUp.median), fmtRatio(ratioOf(withoutWait, k8sUp))]],
            ),
            `The @pulumi/kubernetes delegate's pod start (up's start → its first heartbeat): ${duration(summarize(theirs.map((x) => x.podStart)).median)}.`,
        );
    } else {
        verdicts.push({
            target: "the same objects with @pulumi/kubernetes",
            met: undefined,
            detail: ctx.pluginBlocked ?? "pulumi-resource-kubernetes is not built",
        });
    }
    return { title, body, verdicts };
}
