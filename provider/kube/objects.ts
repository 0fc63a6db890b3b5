// The delegate's objects as the API server holds them: the live shape the code reads, the manifest
// of a desired object, and what differs between the two. Pure.

import type { PolicyRule } from "../permissions";
import {
    type DesiredObject,
    describeRef,
    MANAGED_BY,
    MANAGED_BY_LABEL,
    type ObjectRef,
    OWNER_ANNOTATION,
    sameRules,
} from "./refs";

/** The fields of a live object the delegate code reads. */
export interface LiveObject {
    metadata?: { name?: string; annotations?: Record<string, string> };
    status?: { phase?: string };
    rules?: PolicyRule[];
    roleRef?: { kind: string; name: string };
    subjects?: { kind: string; name: string; namespace?: string }[];
    data?: Record<string, string>;
}

/** The connector a live object belongs to (its owner annotation), if any. */
export function ownerAnnotation(o: LiveObject | undefined): string | undefined {
    return o?.metadata?.annotations?.[OWNER_ANNOTATION];
}

/** Metadata of an object this tool makes: the managed-by label and the owner annotation. */
export function metadataFor(ref: ObjectRef, owner: string, extra: Record<string, string> = {}) {
    return {
        name: ref.name,
        ...(ref.namespace ? { namespace: ref.namespace } : {}),
        labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
        annotations: { [OWNER_ANNOTATION]: owner, ...extra },
    };
}

/** The full manifest of a desired object. */
export function manifest(d: DesiredObject, owner: string): any {
    const apiVersion = d.kind.includes("Role") ? "rbac.authorization.k8s.io/v1" : "v1";
    const base = { apiVersion, kind: d.kind };
    if (d.kind === "Namespace") return { ...base, metadata: metadataFor(d, owner) };
    if (d.kind === "Secret") {
        return {
            ...base,
            type: "kubernetes.io/service-account-token",
            metadata: metadataFor(d, owner, { "kubernetes.io/service-account.name": d.serviceAccount! }),
        };
    }
    const body: any = { ...base, metadata: metadataFor(d, owner) };
    if (d.rules) body.rules = d.rules;
    if (d.roleRef) body.roleRef = { apiGroup: "rbac.authorization.k8s.io", ...d.roleRef };
    if (d.subjects) body.subjects = d.subjects;
    return body;
}

/** Whether a live binding refers to another role than the desired one (roleRef cannot change in place). */
export function otherRoleRef(live: LiveObject, d: DesiredObject): boolean {
    return !!d.roleRef && (live.roleRef?.kind !== d.roleRef.kind || live.roleRef?.name !== d.roleRef.name);
}

/** What differs between a live object and the desired one (empty when nothing does). */
export function differences(live: LiveObject, d: DesiredObject): string[] {
    const out: string[] = [];
    if (d.rules && !sameRules(live.rules, d.rules))
        out.push(`${describeRef(d)} has rules other than the ones declared`);
    if (d.roleRef && otherRoleRef(live, d))
        out.push(
            `${describeRef(d)} binds ${live.roleRef?.kind} ${live.roleRef?.name}, not ${d.roleRef.kind} ${d.roleRef.name}`,
        );
    if (d.subjects) {
        const has = (live.subjects ?? []).some(
            (s) =>
                s.kind === "ServiceAccount" &&
                s.name === d.subjects![0].name &&
                s.namespace === d.subjects![0].namespace,
        );
        if (!has || (live.subjects ?? []).length !== 1)
            out.push(
                `${describeRef(d)} has subjects other than ServiceAccount ${d.subjects[0].namespace}/${d.subjects[0].name}`,
            );
    }
    if (d.kind === "Secret" && !live.data?.token) out.push(`${describeRef(d)} holds no token`);
    return out;
}
