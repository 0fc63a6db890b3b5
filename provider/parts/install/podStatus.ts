// Why the delegate's pods are not running, read from the pods' own status when the wait for Harness
// ends without a connection: a user then reads "ImagePullBackOff" or "CrashLoopBackOff" in the
// error, as `kubectl get pods` would show it, instead of being sent to look. The summary is pure;
// the one read of the pods is the shell below it.
import type { KubeClient } from "../../transport/kubeClient";
import { selectorLabels } from "./plan";

/** The parts of a pod (core/v1 Pod) this reads. */
export interface PodView {
    metadata?: { name?: string };
    status?: {
        phase?: string;
        reason?: string;
        message?: string;
        conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
        containerStatuses?: ContainerStatusView[];
        initContainerStatuses?: ContainerStatusView[];
    };
}

interface ContainerStatusView {
    name?: string;
    ready?: boolean;
    restartCount?: number;
    state?: {
        waiting?: { reason?: string; message?: string };
        terminated?: { reason?: string; exitCode?: number; message?: string };
        running?: unknown;
    };
    lastState?: { terminated?: { reason?: string; exitCode?: number } };
}

/** Kubernetes' own wording can be long (a pull error repeats the image's whole resolution): keep the start. */
const clip = (s: string, max = 160) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

function containerProblem(c: ContainerStatusView): string | undefined {
    const waiting = c.state?.waiting;
    const last = c.lastState?.terminated;
    const restarts = c.restartCount ? `, ${c.restartCount} restart${c.restartCount === 1 ? "" : "s"}` : "";
    const exited = last ? `, last exit code ${last.exitCode ?? "?"}${last.reason ? ` (${last.reason})` : ""}` : "";
    if (waiting?.reason && waiting.reason !== "ContainerCreating")
        return `container ${c.name} ${waiting.reason}${waiting.message ? `: ${clip(waiting.message)}` : ""}${restarts}${exited}`;
    const ended = c.state?.terminated;
    if (ended) return `container ${c.name} terminated (${ended.reason ?? `exit code ${ended.exitCode}`})${restarts}`;
    return undefined;
}

/**
 * One line per pod that is not running well, in Kubernetes' words: a container waiting for a reason
 * other than being created (ImagePullBackOff, ErrImageNeverPull, CrashLoopBackOff,
 * CreateContainerConfigError…, with restarts and the last exit code), a pod the scheduler cannot
 * place (Unschedulable), or a failed pod. Pods that run, or are being created, give no line.
 */
export function podProblems(pods: PodView[]): string[] {
    const out: string[] = [];
    for (const pod of pods) {
        const name = pod.metadata?.name ?? "(unnamed)";
        const s = pod.status ?? {};
        const containers = [...(s.initContainerStatuses ?? []), ...(s.containerStatuses ?? [])]
            .map(containerProblem)
            .filter((p): p is string => p !== undefined);
        const unschedulable = s.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
        if (containers.length) out.push(`pod ${name}: ${containers.join("; ")}`);
        else if (unschedulable)
            out.push(
                `pod ${name}: not scheduled (${unschedulable.reason ?? "Unschedulable"}${unschedulable.message ? `: ${clip(unschedulable.message)}` : ""})`,
            );
        else if (s.phase === "Failed")
            out.push(
                `pod ${name}: Failed${s.reason ? ` (${s.reason}${s.message ? `: ${clip(s.message)}` : ""})` : ""}`,
            );
    }
    return out;
}

/**
 * The delegate's pods' problems (see {@link podProblems}), read with the install's client. An
 * identity that may not list pods, or a cluster that does not answer, gives one line saying so:
 * this only explains a failure, it never causes one.
 */
export async function readPodProblems(kube: KubeClient, namespace: string, delegateName: string): Promise<string[]> {
    const selector = Object.entries(selectorLabels(delegateName))
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
    try {
        const list = await kube.request<{ items?: PodView[] }>(
            `listing the pods of delegate "${delegateName}"`,
            "GET",
            `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?labelSelector=${encodeURIComponent(selector)}`,
        );
        const items = list.items ?? [];
        if (!items.length) return [`no pod of the Deployment exists in ${namespace}`];
        return podProblems(items);
    } catch (e) {
        return [`the pods could not be read (${(e as Error).message})`];
    }
}
