// A TEST-ONLY agent that plays the Harness delegate's pod, since no kubelet runs pods on the local
// control plane. It is not a delegate: it runs no tasks. `startDelegateAgent` polls the real
// cluster for Deployments labelled `harness.io/name`, and for each one does what the kubelet and
// the delegate process would: resolves the pod template's environment through the API exactly as
// the container would get it (envFrom ConfigMaps and Secrets, env values and valueFrom keys; a
// missing object or key that is not optional stops the container, as CreateContainerConfigError
// does), checks the pod's ServiceAccount (absent or `default` is refused here: the rule;
// one that does not exist is refused by the ServiceAccount admission), gets that ServiceAccount's
// token by the TokenRequest API (what the projected token of the pod would be; InheritFromDelegate
// connectors use it), and registers and heartbeats with the Harness stand-in at
// MANAGER_HOST_AND_PORT (only when that is the stand-in's URL: a token is never sent elsewhere)
// with ACCOUNT_ID, DELEGATE_NAME, DELEGATE_TAGS and DELEGATE_TOKEN. The environment is read when
// the "pod" starts: a change of the pod template (e.g. a token checksum annotation) rolls it (a new
// host name, the env read again); a changed Secret alone does not, as with real pods. A refused
// heartbeat is a crashed container: the env is read again at the next poll (a restart does). One
// instance per Deployment whatever its replicas (0 replicas: none). It stops heartbeating for a
// Deployment that goes.
import { createHash } from "node:crypto";
import * as k8s from "@kubernetes/client-node";
import * as undici from "undici";
import { commaList } from "./delegate";

/** Options of {@link startDelegateAgent}. */
export interface DelegateAgentOptions {
    /** The cluster, as a client configuration; or give {@link kubeconfig}. */
    kubeClient?: k8s.KubeConfig;
    /** The cluster, as a kubeconfig document (used when kubeClient is absent). */
    kubeconfig?: string;
    /** The Harness stand-in's manager URL (HarnessStandIn.managerUrl): the only MANAGER_HOST_AND_PORT the agent talks to. */
    harnessUrl: string;
    /** CAs to trust for the stand-in (its caCertPem); default the system's. */
    trustedCaPems?: string[];
    /** Only Deployments of this namespace; default all namespaces. */
    namespace?: string;
    /** How often the cluster is read and each connected delegate heartbeats, ms; default 500. */
    pollMs?: number;
    /** Lifetime asked of the ServiceAccount token (TokenRequest expirationSeconds); default 3600. */
    tokenExpirationSeconds?: number;
}

/** What the agent knows of one Deployment's delegate. */
export interface AgentDelegate {
    namespace: string;
    /** The Deployment's name. */
    deployment: string;
    /** DELEGATE_NAME, once read. */
    delegateName?: string;
    /** The "pod" (its host name): the Deployment's name and a hash of its pod template. */
    hostName?: string;
    /** Whether its last heartbeat was accepted. */
    connected: boolean;
    /** Why it is not connected (a missing ConfigMap key, a refused token, the ServiceAccount...); absent when connected. */
    reason?: string;
    /** When the stand-in last accepted a heartbeat (ms since the epoch). */
    lastHeartbeatAt?: number;
    /** A short hash of the DELEGATE_TOKEN in use (never the token), to see a switch. */
    tokenHash?: string;
    /** The ServiceAccount it runs as. */
    serviceAccount?: string;
}

/** A running agent. */
export interface DelegateAgent {
    /** Per Deployment seen (labelled `harness.io/name`): connected, or the reason why not. */
    agents(): AgentDelegate[];
    /** Resolves once every poll so far has finished and one more has (a fresh view). */
    settled(): Promise<void>;
    /** Stops polling and heartbeating. Safe to call twice. */
    stop(): Promise<void>;
}

/** The label the agent looks for (the chart puts it on its Deployment). */
export const DELEGATE_LABEL = "harness.io/name";

/** Environment keys a delegate cannot start without. */
const REQUIRED_ENV = ["ACCOUNT_ID", "MANAGER_HOST_AND_PORT", "DELEGATE_NAME", "DELEGATE_TOKEN"] as const;

interface Pod {
    templateHash: string;
    hostName: string;
    env?: Record<string, string>;
    saToken?: string;
}

const is404 = (e: unknown) => (e as { code?: number })?.code === 404;
const shortHash = (v: string) => createHash("sha256").update(v).digest("hex").slice(0, 12);

/** Starts the agent; see {@link DelegateAgent}. */
export function startDelegateAgent(opts: DelegateAgentOptions): DelegateAgent {
    const kc = opts.kubeClient ?? new k8s.KubeConfig();
    if (!opts.kubeClient) {
        if (!opts.kubeconfig) throw new Error("startDelegateAgent needs kubeClient or kubeconfig");
        kc.loadFromString(opts.kubeconfig);
    }
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const cluster = kc.getCurrentCluster();
    const pollMs = opts.pollMs ?? 500;
    const manager = new URL(opts.harnessUrl).origin;
    const dispatcher = new undici.Agent({ connect: opts.trustedCaPems ? { ca: opts.trustedCaPems } : {} });
    const pods = new Map<string, Pod>();
    const seen = new Map<string, AgentDelegate>();
    let stopped = false;
    let running: Promise<void> = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;

    /** Reads a ConfigMap's or Secret's data as the kubelet would (Secrets decoded), or undefined when it is missing. */
    async function source(kind: "ConfigMap" | "Secret", ns: string, name: string) {
        try {
            if (kind === "ConfigMap") return (await core.readNamespacedConfigMap({ name, namespace: ns })).data ?? {};
            const s = await core.readNamespacedSecret({ name, namespace: ns });
            return Object.fromEntries(
                Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
            );
        } catch (e) {
            if (is404(e)) return undefined;
            throw e;
        }
    }

    /** The container's environment, or why the kubelet would not start it. */
    async function resolveEnv(ns: string, c: k8s.V1Container): Promise<Record<string, string> | string> {
        const env: Record<string, string> = {};
        for (const from of c.envFrom ?? []) {
            const ref = from.configMapRef ?? from.secretRef;
            if (!ref?.name) continue;
            const kind = from.configMapRef ? "ConfigMap" : "Secret";
            const data = await source(kind, ns, ref.name);
            if (!data) {
                if (ref.optional) continue;
                return `${kind.toLowerCase()} "${ref.name}" not found (CreateContainerConfigError)`;
            }
            for (const [k, v] of Object.entries(data)) env[`${from.prefix ?? ""}${k}`] = v;
        }
        for (const e of c.env ?? []) {
            if (e.value !== undefined || !e.valueFrom) {
                env[e.name] = e.value ?? "";
                continue;
            }
            const ref = e.valueFrom.configMapKeyRef ?? e.valueFrom.secretKeyRef;
            if (!ref) continue; // fieldRef, resourceFieldRef: not needed by the delegate's env.
            const kind = e.valueFrom.configMapKeyRef ? "ConfigMap" : "Secret";
            const data = await source(kind, ns, ref.name ?? "");
            const v = data?.[ref.key];
            if (v === undefined) {
                if (ref.optional) continue;
                return data
                    ? `couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name} (CreateContainerConfigError)`
                    : `${kind.toLowerCase()} "${ref.name}" not found (CreateContainerConfigError)`;
            }
            env[e.name] = v;
        }
        return env;
    }

    /** Starts the "pod": its env and ServiceAccount token, or why it does not start. */
    async function startPod(d: k8s.V1Deployment, pod: Pod): Promise<string | undefined> {
        const ns = d.metadata!.namespace!;
        const spec = d.spec!.template.spec!;
        const sa = spec.serviceAccountName || spec.serviceAccount || "default";
        if (sa === "default")
            return "the pod runs as the namespace's default ServiceAccount: give it the delegate's own (serviceAccountName)";
        try {
            await core.readNamespacedServiceAccount({ name: sa, namespace: ns });
        } catch (e) {
            if (is404(e)) return `serviceaccount "${sa}" not found: the ReplicaSet cannot create the pod`;
            throw e;
        }
        const container = spec.containers[0];
        const env = await resolveEnv(ns, container);
        if (typeof env === "string") return env;
        const missing = REQUIRED_ENV.filter((k) => !env[k]);
        if (missing.length) return `the delegate exits: ${missing.join(", ")} missing from its environment`;
        if (new URL(env.MANAGER_HOST_AND_PORT).origin !== manager)
            return `MANAGER_HOST_AND_PORT ${env.MANAGER_HOST_AND_PORT} is not the Harness stand-in (${manager}): the delegate would not reach it`;
        const tr = await core.createNamespacedServiceAccountToken({
            name: sa,
            namespace: ns,
            body: { spec: { audiences: [], expirationSeconds: opts.tokenExpirationSeconds ?? 3600 } },
        });
        pod.env = env;
        pod.saToken = tr.status?.token;
        return undefined;
    }

    async function heartbeat(d: k8s.V1Deployment, pod: Pod): Promise<string | undefined> {
        const env = pod.env!;
        const spec = d.spec!.template.spec!;
        const body = {
            accountId: env.ACCOUNT_ID,
            token: env.DELEGATE_TOKEN,
            delegateName: env.DELEGATE_NAME,
            hostName: pod.hostName,
            tags: commaList(env.DELEGATE_TAGS ?? ""),
            description: env.DELEGATE_DESCRIPTION,
            delegateType: env.DELEGATE_TYPE,
            namespace: d.metadata!.namespace,
            serviceAccount: spec.serviceAccountName,
            inheritCredential: pod.saToken
                ? {
                      masterUrl: cluster!.server,
                      token: pod.saToken,
                      caCertPem: cluster?.caData ? Buffer.from(cluster.caData, "base64").toString("utf8") : undefined,
                  }
                : undefined,
        };
        const res = await undici.fetch(`${manager}/standin/delegate/heartbeat`, {
            method: "POST",
            dispatcher,
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
        });
        if (res.ok) {
            await res.body?.cancel();
            return undefined;
        }
        const answer = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
        return `the manager refused the delegate: HTTP ${res.status} ${answer.code ?? ""}: ${answer.message ?? ""}`;
    }

    async function visit(d: k8s.V1Deployment): Promise<void> {
        const ns = d.metadata!.namespace!;
        const name = d.metadata!.name!;
        const key = `${ns}/${name}`;
        const view: AgentDelegate = seen.get(key) ?? { namespace: ns, deployment: name, connected: false };
        seen.set(key, view);
        if ((d.spec?.replicas ?? 1) === 0) {
            pods.delete(key);
            Object.assign(view, { connected: false, reason: "the Deployment is scaled to 0 replicas" });
            return;
        }
        const templateHash = shortHash(JSON.stringify(d.spec!.template));
        let pod = pods.get(key);
        if (!pod || pod.templateHash !== templateHash) {
            // A new pod template rolls the pods: a new host name, the environment read afresh.
            pod = { templateHash, hostName: `${name}-${templateHash.slice(0, 10)}` };
            pods.set(key, pod);
        }
        view.hostName = pod.hostName;
        view.serviceAccount = d.spec!.template.spec?.serviceAccountName;
        if (!pod.env) {
            const why = await startPod(d, pod);
            if (why) {
                Object.assign(view, { connected: false, reason: why, delegateName: undefined, tokenHash: undefined });
                return;
            }
        }
        view.delegateName = pod.env!.DELEGATE_NAME;
        view.tokenHash = shortHash(pod.env!.DELEGATE_TOKEN);
        const refused = await heartbeat(d, pod);
        if (refused) {
            // The delegate process exits; its container restarts and reads the env again.
            pod.env = undefined;
            Object.assign(view, { connected: false, reason: refused });
            return;
        }
        Object.assign(view, { connected: true, reason: undefined, lastHeartbeatAt: Date.now() });
    }

    async function poll(): Promise<void> {
        const labelSelector = DELEGATE_LABEL;
        const list = opts.namespace
            ? await apps.listNamespacedDeployment({ namespace: opts.namespace, labelSelector })
            : await apps.listDeploymentForAllNamespaces({ labelSelector });
        const present = new Set<string>();
        for (const d of list.items) {
            const key = `${d.metadata!.namespace}/${d.metadata!.name}`;
            present.add(key);
            try {
                await visit(d);
            } catch (e) {
                const view = seen.get(key);
                if (view)
                    Object.assign(view, { connected: false, reason: `the agent failed: ${(e as Error).message}` });
            }
        }
        // A Deployment that went takes its pods with it: no more heartbeats.
        for (const key of [...seen.keys()])
            if (!present.has(key)) {
                seen.delete(key);
                pods.delete(key);
            }
    }

    const loop = () => {
        if (stopped) return;
        running = poll()
            .catch(() => undefined)
            .finally(() => {
                if (!stopped) timer = setTimeout(loop, pollMs);
            });
    };
    loop();

    return {
        agents: () => [...seen.values()].map((v) => ({ ...v })),
        async settled() {
            await running;
            await new Promise<void>((resolve) => {
                const wait = () => (stopped ? resolve() : running.then(() => resolve()));
                setTimeout(wait, pollMs + 10);
            });
        },
        async stop() {
            if (stopped) return;
            stopped = true;
            clearTimeout(timer);
            await running.catch(() => undefined);
            await dispatcher.close().catch(() => undefined);
        },
    };
}
