// Removing the delegate's identity: only what this connector owns, newest first; its namespace
// only when it made it and nothing else lives there.

import { type ObjectApi, objectApi } from "../../kube/objectApi";
import { ownerAnnotation } from "../../kube/objects";
import { removeOwned } from "../../kube/owned";
import type { KubeClient } from "../../transport/kubeClient";
import type { IdentityState } from "./record";

/** What Kubernetes puts in every namespace: it does not make a namespace "in use". */
const NAMESPACE_CONTENT = ["pods", "services", "configmaps", "secrets", "serviceaccounts"] as const;
const isBuiltIn = (kind: string, name: string | undefined) =>
    (kind === "configmaps" && name === "kube-root-ca.crt") || (kind === "serviceaccounts" && name === "default");

/** Deletes a namespace this connector made, only when nothing else lives in it. */
export async function removeNamespaceIfEmpty(api: ObjectApi, namespace: string, owner: string): Promise<boolean> {
    const ns = await api.read({ kind: "Namespace", name: namespace });
    if (!ns || ownerAnnotation(ns) !== owner) return false;
    const lists = await Promise.all(NAMESPACE_CONTENT.map((kind) => api.list(kind, namespace)));
    if (lists.some((items, i) => items.some((o) => !isBuiltIn(NAMESPACE_CONTENT[i], o.metadata?.name)))) return false;
    await api.remove({ kind: "Namespace", name: namespace });
    return true;
}

/** Removes the delegate's objects in reverse order; objects already gone or not this connector's are left alone. */
export async function removeDelegate(client: KubeClient, state: IdentityState, owner: string): Promise<void> {
    const api = objectApi(client);
    for (const ref of [...state.objects].reverse()) await removeOwned(api, ref, owner);
    if (state.createdNamespace) await removeNamespaceIfEmpty(api, state.namespace, owner);
}
