// 3. Connection test latency: our runConnectionTest (requiredPermissions "deployments": GET
// /version, the four controller lists of default, the permissions) on a fresh client each run,
// against a single GET /version on a fresh connection with the same library (undici), and against
// kubectl processes doing the same checks as a pipeline would.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { Agent } from "undici";
import { connect } from "../provider/credentials";
import { connectorInputsSchema } from "../provider/inputs/schema";
import { CONTROLLER_KINDS, runConnectionTest } from "../provider/parts/connectionTest/runConnectionTest";
import { DEPLOYMENTS_RULES, expandRules } from "../provider/permissions";
import { closeSharedSessions } from "../provider/transport/sessionPool";
import { toolPath } from "../tools/binaries";
import { type ControlPlane, kubeconfigFor } from "../tools/controlPlane";
import { type AdminClients, createServiceAccountWithToken, grantInNamespace } from "../tools/identities";
import { duration, type Section, table } from "./markdown";
import { fmtRatio, ratioOf, type Summary, summarize, timed } from "./stats";

/** The cluster and identity the connection tests use. */
export interface ConnectionTarget {
    server: string;
    caPem: string;
    /** Token of a ServiceAccount with DEPLOYMENTS_RULES (and list on the controllers) in default. */
    token: string;
    /** A kubeconfig file for that ServiceAccount. */
    kubeconfigPath: string;
}

/**
 * The identity the benchmarks connect as: a ServiceAccount token with DEPLOYMENTS_RULES and list on
 * the controllers in default, and a kubeconfig file for it in `workDir`.
 */
/** The connection test against its own requests sent raw (undici, nothing of ours): our code's share. */
export const RAW_TARGET = 1.05;

export async function connectionTarget(
    cp: ControlPlane,
    admin: AdminClients,
    workDir: string,
): Promise<ConnectionTarget> {
    const sa = await createServiceAccountWithToken(admin, "benchmark", "connector");
    await grantInNamespace(admin, sa, "default", DEPLOYMENTS_RULES, "bench-deployments");
    await grantInNamespace(
        admin,
        sa,
        "default",
        [{ apiGroups: ["apps"], resources: [...CONTROLLER_KINDS], verbs: ["list"] }],
        "bench-list-controllers",
    );
    const kubeconfigPath = path.join(workDir, "connector.kubeconfig");
    fs.writeFileSync(
        kubeconfigPath,
        kubeconfigFor(cp.server, cp.ca.certPem, { name: "bench-connector", token: sa.token }),
        { mode: 0o600 },
    );
    return { server: cp.server, caPem: cp.ca.certPem, token: sa.token, kubeconfigPath };
}

function run(
    file: string,
    args: string[],
    env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(file, args, { env, encoding: "utf8", maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
            resolve({
                code: err ? (typeof (err as any).code === "number" ? (err as any).code : -1) : 0,
                stdout,
                stderr,
            });
        });
    });
}

/** The commands a pipeline author would script for the same checks. */
export function kubectlCommands(kubeconfigPath: string, cacheDir: string): string[][] {
    const common = ["--kubeconfig", kubeconfigPath, "--cache-dir", cacheDir, "-n", "default"];
    return [
        ["get", "deployments,replicasets,statefulsets,daemonsets", ...common],
        ...expandRules(DEPLOYMENTS_RULES, "default").map((c) => ["auth", "can-i", c.verb, c.resource, ...common]),
    ];
}

export interface ConnectionResult {
    section: Section;
    /** One connection test on a fresh client (ms). */
    ours: Summary;
    /** 50 connection tests on 50 fresh clients, `concurrency` at a time (ms). */
    concurrent50?: Summary;
    /** How many ran at once: the engine's default --parallel (4 × cores). */
    concurrency: number;
    concurrentError?: string;
}

export async function benchConnection(
    target: ConnectionTarget,
    runs: { fast: number; kubectl: number; concurrent: number },
    log: (l: string) => void,
): Promise<ConnectionResult> {
    const inputs = connectorInputsSchema.parse({
        name: "bench",
        credential: {
            type: "ManualConfig",
            masterUrl: target.server,
            caCert: target.caPem,
            auth: { type: "ServiceAccount", token: target.token },
        },
        connectionTest: { requiredPermissions: "deployments" },
    });
    const timeoutMs = inputs.connectionTest.timeoutSeconds * 1000;

    const ourTest = async () => {
        const client = await connect(inputs.credential, timeoutMs);
        try {
            const report = await runConnectionTest(client, inputs.connectionTest);
            if (report.status !== "SUCCESS")
                throw new Error(`the connection test did not pass: ${report.error?.code} ${report.error?.message}`);
            return report;
        } finally {
            await client.close();
        }
    };
    // The baseline: one GET /version on a fresh connection with the library the connector uses
    // (undici), the same TLS options and the same token.
    const bareVersion = async () => {
        const agent = new Agent({ connect: { ca: target.caPem }, allowH2: true });
        try {
            const res = await agent.request({
                origin: target.server,
                path: "/version",
                method: "GET",
                headers: { authorization: `Bearer ${target.token}`, accept: "application/json" },
                signal: AbortSignal.timeout(timeoutMs),
            });
            const v = (await res.body.json()) as { gitVersion?: string };
            if (res.statusCode !== 200 || !v.gitVersion)
                throw new Error(`GET /version answered ${res.statusCode} without gitVersion`);
        } finally {
            await agent.destroy();
        }
    };
    // The test's own requests with nothing of ours: a fresh undici Agent (one connection, HTTP/2),
    // the same requests sent at once, answers read and dropped. What is above it is our code; what
    // is between it and the bare GET /version is the API server's work on the test's requests.
    const ssrr = {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SelfSubjectRulesReview",
        spec: { namespace: "default" },
    };
    const rawRequests = async () => {
        const agent = new Agent({ connect: { ca: target.caPem }, allowH2: true, connections: 1 });
        const send = async (p: string, body?: unknown) => {
            const res = await agent.request({
                origin: target.server,
                path: p,
                method: body ? "POST" : "GET",
                headers: {
                    authorization: `Bearer ${target.token}`,
                    accept: "application/json",
                    ...(body ? { "content-type": "application/json" } : {}),
                },
                body: body ? JSON.stringify(body) : undefined,
                signal: AbortSignal.timeout(timeoutMs),
            });
            await res.body.text();
            if (res.statusCode >= 300) throw new Error(`${p} answered ${res.statusCode}`);
        };
        try {
            await Promise.all([
                send("/version"),
                ...CONTROLLER_KINDS.map((k) => send(`/apis/apps/v1/namespaces/default/${k}?limit=1&resourceVersion=0`)),
                send("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", ssrr),
            ]);
        } finally {
            await agent.destroy();
        }
    };
    // For reference: the same request through @kubernetes/client-node (what the connector used before).
    const clientNodeVersion = async () => {
        const kc = new k8s.KubeConfig();
        kc.loadFromOptions({
            clusters: [
                {
                    name: "cluster",
                    server: target.server,
                    caData: Buffer.from(target.caPem).toString("base64"),
                    skipTLSVerify: false,
                },
            ],
            users: [{ name: "sa", token: target.token }],
            contexts: [{ name: "ctx", cluster: "cluster", user: "sa" }],
            currentContext: "ctx",
        });
        const v = await kc.makeApiClient(k8s.VersionApi).getCode({});
        if (!v.gitVersion) throw new Error("GET /version answered without gitVersion");
    };

    // One of each first, not counted: loads the modules and warms the JIT.
    const first = await ourTest();
    await bareVersion();
    await rawRequests();
    await clientNodeVersion();
    const verbs = expandRules(DEPLOYMENTS_RULES, "default").length;
    const permissions = first.checks.find((c) => c.name.startsWith("permissions"))?.message ?? "";
    const reviews = permissions.includes("SelfSubjectRulesReview")
        ? "1 SelfSubjectRulesReview"
        : `${verbs} SelfSubjectAccessReviews`;
    const requests = 1 + 4 + (permissions.includes("SelfSubjectRulesReview") ? 1 : verbs);

    const ours: number[] = [];
    const oursShared: number[] = [];
    const version: number[] = [];
    const raw: number[] = [];
    const viaClientNode: number[] = [];
    for (let i = 0; i < runs.fast; i++) {
        version.push((await timed(bareVersion)).ms);
        // A fresh connection, as the first connector of a provider process has; then a second
        // connector with the same credential, over the connection the first one left open.
        closeSharedSessions();
        ours.push((await timed(ourTest)).ms);
        oursShared.push((await timed(ourTest)).ms);
        raw.push((await timed(rawRequests)).ms);
        viaClientNode.push((await timed(clientNodeVersion)).ms);
    }

    const kubectl = toolPath("kubectl");
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-bench-kubectl-"));
    const kubectlRuns: number[] = [];
    const oursBesideKubectl: number[] = [];
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home };
    let commands = 0;
    try {
        for (let i = 0; i < runs.kubectl; i++) {
            // A fresh discovery cache per run, as a pipeline step in a new container would have.
            const cache = path.join(home, `cache-${i}`);
            const cmds = kubectlCommands(target.kubeconfigPath, cache);
            commands = cmds.length;
            const t = await timed(async () => {
                for (const args of cmds) {
                    const r = await run(kubectl, args, env);
                    const can = args[0] === "auth";
                    if (r.code !== 0 || (can && r.stdout.trim() !== "yes"))
                        throw new Error(
                            `kubectl ${args.slice(0, 4).join(" ")} failed (exit ${r.code}): ${(r.stdout + r.stderr).trim().slice(0, 300)}`,
                        );
                }
            });
            kubectlRuns.push(t.ms);
            closeSharedSessions();
            oursBesideKubectl.push((await timed(ourTest)).ms);
            log(`[bench] kubectl run ${i + 1}/${runs.kubectl}: ${commands} processes in ${duration(t.ms)}`);
        }
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }

    // What the API round trips of 50 creates cost when the tests run as the engine runs creates:
    // `pulumi up` runs at most 4 × GOMAXPROCS (the cores) resource operations at once by default.
    const engineParallel = 4 * os.availableParallelism();
    const pool = async (count: number, width: number) => {
        let next = 0;
        await Promise.all(
            Array.from({ length: Math.min(width, count) }, async () => {
                while (next < count) {
                    next++;
                    await ourTest();
                }
            }),
        );
    };
    let concurrent50: Summary | undefined;
    let concurrentError: string | undefined;
    let concurrency = engineParallel;
    for (const width of [engineParallel, 1]) {
        concurrency = width;
        try {
            const c: number[] = [];
            for (let i = 0; i < runs.concurrent; i++) {
                closeSharedSessions();
                c.push((await timed(() => pool(50, width))).ms);
            }
            concurrent50 = summarize(c);
            break;
        } catch (e) {
            // Kept for the report: e.g. 429 when the tests' access reviews exceed the server's in-flight limit.
            concurrentError = `${width} at a time (\`pulumi up\`'s default parallelism here): ${(e as Error).message}`;
            log(`[bench] 50 connection tests ${width} at a time failed: ${(e as Error).message}`);
        }
    }

    const o = summarize(ours);
    const v = summarize(version);
    const kc = summarize(kubectlRuns);
    const ok = summarize(oursBesideKubectl);
    const r = summarize(raw);
    const rVersion = ratioOf(o, v);
    const rOursRaw = ratioOf(o, r);
    const rRawVersion = ratioOf(r, v);
    const rKubectl = ratioOf(ok, kc);
    const row = (what: string, s: Summary) => [
        what,
        String(s.runs),
        duration(s.median),
        duration(s.min),
        duration(s.max),
    ];
    const rows = [
        row(
            `ours: connect() + runConnectionTest("deployments") on a fresh connection (${requests} requests: GET /version, 4 lists, ${reviews} for ${verbs} verbs; ${first.checks.length} checks reported)`,
            o,
        ),
        row(
            "ours, a second connector with the same credential in the same process (the HTTP/2 connection the first left open)",
            summarize(oursShared),
        ),
        row("bare GET /version: fresh undici Agent (same TLS options and token) + one request", v),
        row(
            `the test's ${requests} requests with nothing of ours: fresh undici Agent (one HTTP/2 connection), all sent at once, answers dropped`,
            r,
        ),
        row(
            "for reference: GET /version with @kubernetes/client-node (fresh KubeConfig + VersionApi.getCode)",
            summarize(viaClientNode),
        ),
        row(`kubectl: ${commands} processes in sequence (1 \`get\` + ${verbs} \`auth can-i\`)`, kc),
        row("ours, in the same repetitions as kubectl", ok),
    ];
    if (concurrent50)
        rows.push(
            row(
                `50 connection tests with one credential, starting with no connection, ${concurrency === 1 ? "one after another" : `${concurrency} at a time (\`pulumi up\`'s default parallelism here)`}: the API round trips of 50 creates`,
                concurrent50,
            ),
        );
    return {
        ours: o,
        concurrent50,
        concurrency,
        concurrentError,
        section: {
            title: "3. Connection test latency",
            body: [
                `Identity: a ServiceAccount token with the "deployments" rules and list on the controllers in default. Ours and the bare GET /version alternate (${runs.fast} pairs, after one uncounted run of each); kubectl alternates with ours (${runs.kubectl} pairs), each kubectl run with a fresh discovery cache.`,
                table(["measurement", "runs", "median", "min", "max"], rows),
                table(
                    ["ratio (same bench run)", "median (min–max of per-run ratios)"],
                    [
                        ["ours / bare GET /version", fmtRatio(rVersion)],
                        ["ours / the same requests with nothing of ours (our code's share)", fmtRatio(rOursRaw)],
                        [
                            "the same requests / bare GET /version (the API server's work on them)",
                            fmtRatio(rRawVersion),
                        ],
                        ["ours / kubectl processes", fmtRatio(rKubectl)],
                    ],
                ),
                ...(concurrentError
                    ? [
                          `50 connection tests ${concurrentError.startsWith("1 ") ? "" : "run "}${concurrentError}${concurrent50 ? " — so the API round trips were measured one test after another" : ""}`,
                      ]
                    : []),
            ],
            verdicts: [
                // Against the same requests sent raw, not one GET /version: the test is 6 requests, and
                // the API server's work on the lists and the SelfSubjectRulesReview is not ours to cut.
                {
                    target: `connection test ≤ ${RAW_TARGET}× the same ${requests} requests sent raw`,
                    met: rOursRaw.median <= RAW_TARGET,
                    detail:
                        `${rOursRaw.median.toFixed(2)}× (${duration(o.median)} vs ${duration(r.median)}, nothing of ours: a fresh undici Agent, all sent at once); ` +
                        `for reference, a bare GET /version: ours ${rVersion.median.toFixed(2)}×, the raw requests ${rRawVersion.median.toFixed(2)}× (${duration(v.median)}), ` +
                        `the API server's work on the test's requests`,
                },
                {
                    target: "connection test faster than the kubectl processes",
                    met: rKubectl.median < 1,
                    detail: `${rKubectl.median.toFixed(3)}× (${duration(ok.median)} vs ${duration(kc.median)})`,
                },
            ],
        },
    };
}
