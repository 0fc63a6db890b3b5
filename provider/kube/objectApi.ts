// Read, create, replace and delete of one of the delegate's objects, with the client's deadline. A
// create or replace that Kubernetes refuses for RBAC escalation becomes RBAC_ESCALATION here, so
// no caller has to explain it.

import { type ConnectorError, connectorError } from "../errors";
import type { KubeClient } from "../transport/kubeClient";
import type { LiveObject } from "./objects";
import { describeRef, type ObjectRef } from "./refs";

/** The API path of a kind's collection (namespaced kinds in `namespace`). */
function collectionPath(kind: ObjectRef["kind"], namespace?: string): string {
    const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
    switch (kind) {
        case "Namespace":
            return "/api/v1/namespaces";
        case "ServiceAccount":
            return `/api/v1${ns}/serviceaccounts`;
        case "Secret":
            return `/api/v1${ns}/secrets`;
        case "ConfigMap":
            return `/api/v1${ns}/configmaps`;
        case "Deployment":
            return `/apis/apps/v1${ns}/deployments`;
        case "CronJob":
            return `/apis/batch/v1${ns}/cronjobs`;
        case "HorizontalPodAutoscaler":
            return `/apis/autoscaling/v2${ns}/horizontalpodautoscalers`;
        case "Role":
            return `/apis/rbac.authorization.k8s.io/v1${ns}/roles`;
        case "RoleBinding":
            return `/apis/rbac.authorization.k8s.io/v1${ns}/rolebindings`;
        case "ClusterRole":
            return "/apis/rbac.authorization.k8s.io/v1/clusterroles";
        case "ClusterRoleBinding":
            return "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings";
    }
}

const objectPath = (ref: ObjectRef) => `${collectionPath(ref.kind, ref.namespace)}/${encodeURIComponent(ref.name)}`;

function is404(e: unknown): boolean {
    return (e as ConnectorError)?.httpStatus === 404;
}

const ESCALATION =
    /attempting to grant RBAC permissions not currently held|attempt to grant extra privileges|cannot bind|escalat/i;

/** A refused write of a role or binding, as the escalation error that names what to grant; other errors as they are. */
function explainRefusal(e: unknown, ref: ObjectRef): unknown {
    const err = e as ConnectorError;
    const said = err.kubernetesMessage ?? "";
    if (err.code !== "FORBIDDEN_NAMESPACE" || !ESCALATION.test(said)) return e;
    const binding = ref.kind.endsWith("Binding");
    return connectorError(
        "RBAC_ESCALATION",
        `the provisioner may not create ${describeRef(ref)}: Kubernetes refuses to let an identity grant rights it does not hold (RBAC escalation prevention)`,
        { kubernetesMessage: said },
    );
}

/** The object operations of the delegate's executor. */
export interface ObjectApi {
    /** The live object, or undefined when there is none. */
    read(ref: ObjectRef): Promise<LiveObject | undefined>;
    create(ref: ObjectRef, body: unknown): Promise<unknown>;
    replace(ref: ObjectRef, body: unknown): Promise<unknown>;
    /** Deletes the object; one already gone is fine. */
    remove(ref: ObjectRef): Promise<void>;
    /** Lists a core kind (`pods`, `secrets`…) in a namespace. */
    list(kind: string, namespace: string): Promise<LiveObject[]>;
    /** Lists the objects of `kind` (in `namespace` for a namespaced kind) that `labelSelector` selects. */
    listSelected(kind: ObjectRef["kind"], namespace: string | undefined, labelSelector: string): Promise<LiveObject[]>;
}

/** The object API over one client. */
export function objectApi(client: KubeClient): ObjectApi {
    return {
        async read(ref) {
            try {
                return await client.request<LiveObject>(`get ${describeRef(ref)}`, "GET", objectPath(ref));
            } catch (e) {
                if (is404(e)) return undefined;
                throw e;
            }
        },
        create(ref, body) {
            return client
                .request(`create ${describeRef(ref)}`, "POST", collectionPath(ref.kind, ref.namespace), body)
                .catch((e) => Promise.reject(explainRefusal(e, ref)));
        },
        replace(ref, body) {
            return client
                .request(`update ${describeRef(ref)}`, "PUT", objectPath(ref), body)
                .catch((e) => Promise.reject(explainRefusal(e, ref)));
        },
        async remove(ref) {
            try {
                await client.request(`delete ${describeRef(ref)}`, "DELETE", objectPath(ref));
            } catch (e) {
                if (!is404(e)) throw e;
            }
        },
        async list(kind, namespace) {
            const list = await client.request<{ items: LiveObject[] }>(
                `list ${kind} in ${namespace}`,
                "GET",
                `/api/v1/namespaces/${encodeURIComponent(namespace)}/${kind}`,
            );
            return list.items;
        },
        async listSelected(kind, namespace, labelSelector) {
            const list = await client.request<{ items: LiveObject[] }>(
                `list ${kind} selected by ${labelSelector}${namespace ? ` in ${namespace}` : ""}`,
                "GET",
                `${collectionPath(kind, namespace)}?labelSelector=${encodeURIComponent(labelSelector)}`,
            );
            return list.items;
        },
    };
}
