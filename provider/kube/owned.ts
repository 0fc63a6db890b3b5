// The one upsert and the one removal of an object the connector owns (its owner annotation says
// which connector): the delegate's identity (parts/identity/provision.ts) and its install
// (parts/install/objects.ts) are written through ensureOwned, and every removal of what a run
// made, or no longer declares, goes through removeOwned, so another's object is never touched.

import { ConnectorError, connectorError } from "../errors";
import type { Steps } from "../steps";
import { helmReleaseOf, withoutHelmMarkers } from "./helm";
import type { ObjectApi } from "./objectApi";
import { type LiveObject, ownerAnnotation } from "./objects";
import { describeRef, type ObjectRef } from "./refs";

/** An object to write: where it is and its full manifest (with the owner annotation). */
export interface OwnedObject {
    ref: ObjectRef;
    // biome-ignore lint/suspicious/noExplicitAny: a manifest of any kind
    body: Record<string, any>;
}

/** One run of writes of owned objects: through which API, for which owner, whether it adopts, and its steps. */
export interface OwnedRun {
    api: ObjectApi;
    owner: string;
    /** Take over objects that are not this connector's. */
    adopt: boolean;
    steps: Steps;
}

/** How {@link ensureOwned} treats a live object. */
export interface EnsureOwnedOptions {
    /** Take over an object that is not this connector's (replacing it with the body). */
    adopt: boolean;
    /** What OWNERSHIP_CONFLICT adds to its advice: the caller's inputs that name the object. */
    conflictFacts: string;
    /** Whether this connector's live object differs from `body` (the body fitted to it): then it is replaced. */
    // biome-ignore lint/suspicious/noExplicitAny: a manifest of any kind
    differs(live: LiveObject, body: Record<string, any>): boolean;
    /**
     * The body made to fit what the live object cannot change (a Deployment's selector): what is
     * compared and written. Default: the body as it is.
     */
    // biome-ignore lint/suspicious/noExplicitAny: a manifest of any kind
    fit?(live: LiveObject, body: Record<string, any>): Record<string, any>;
    /** Whether the live object must be made again (a field that cannot change in place differs). */
    remake?(live: LiveObject): boolean;
}

/** What {@link ensureOwned} did. */
export type Ensured = "created" | "kept" | "replaced" | "remade";

/** Creates `object` (known to be missing) and records its removal in `steps`, for a rollback. */
export async function createOwned(api: ObjectApi, object: OwnedObject, steps: Steps): Promise<void> {
    await api.create(object.ref, object.body);
    steps.made(describeRef(object.ref), { cluster: object.ref.kind }, () => api.remove(object.ref));
}

/**
 * Makes `object` exist as its body says: creates it when missing (and records its removal in
 * `steps`, for a rollback); refuses one of another owner, or none, with OWNERSHIP_CONFLICT unless
 * `adopt`; makes it again when `remake` says so; replaces it (keeping the server's fields, and
 * labels and annotations the body does not set) when it is not ours yet or `differs`.
 */
export async function ensureOwned(
    api: ObjectApi,
    object: OwnedObject,
    owner: string,
    steps: Steps,
    opts: EnsureOwnedOptions,
): Promise<Ensured> {
    const { ref, body } = object;
    // biome-ignore lint/suspicious/noExplicitAny: the live object as the server holds it
    const live = (await api.read(ref)) as (LiveObject & Record<string, any>) | undefined;
    if (!live) {
        await createOwned(api, object, steps);
        return "created";
    }
    const liveOwner = ownerAnnotation(live);
    if (liveOwner !== owner && !opts.adopt) {
        const release = helmReleaseOf(live);
        const whose = liveOwner
            ? `it belongs to ${liveOwner}`
            : release
              ? `Helm release "${release.name}" (namespace ${release.namespace}) installed it`
              : "it was not made by this tool";
        throw connectorError(
            "OWNERSHIP_CONFLICT",
            `${describeRef(ref)} exists and is not this connector's (${whose})`,
            { facts: opts.conflictFacts },
        );
    }
    if (opts.remake?.(live)) {
        await api.remove(ref);
        await api.create(ref, body);
        return "remade";
    }
    const wanted = opts.fit ? opts.fit(live, body) : body;
    if (liveOwner === owner && !opts.differs(live, wanted)) return "kept";
    const liveMeta = (live.metadata ?? {}) as { labels?: Record<string, string>; annotations?: Record<string, string> };
    // An object taken over drops Helm's markers: the old release no longer counts it as its own.
    const metadata = liveOwner === owner ? liveMeta : { ...liveMeta, ...withoutHelmMarkers(liveMeta) };
    await api.replace(ref, {
        ...live,
        ...wanted,
        metadata: {
            ...metadata,
            ...wanted.metadata,
            labels: { ...metadata.labels, ...wanted.metadata?.labels },
            annotations: { ...metadata.annotations, ...wanted.metadata?.annotations },
        },
    });
    return "replaced";
}

/** Deletes the object at `ref` when it carries `owner`'s annotation; one gone, or another's, is left. Resolves to whether it was deleted. */
export async function removeOwned(api: ObjectApi, ref: ObjectRef, owner: string): Promise<boolean> {
    const live = await api.read(ref);
    if (!live || ownerAnnotation(live) !== owner) return false;
    await api.remove(ref);
    return true;
}
