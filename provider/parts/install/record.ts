// What the connector records of its installed delegate. Types only: the SDK's declarations import this.
import type { ObjectRef } from "../../kube/refs";

/** The version of the user's token Secret an install was made with: a change of the Secret changes it. */
export interface TokenSecretVersion {
    /** The Secret's name (in the delegate's namespace). */
    name: string;
    /** Its `metadata.uid`: another uid is a Secret made anew. */
    uid: string;
    /** Its `metadata.resourceVersion`: changes with each write of the Secret. */
    resourceVersion: string;
}

/** What the connector records of its installed delegate (the `delegate.install` output; no secret in it). */
export interface InstalledDelegateState {
    /** The delegate's name in Harness (and its Deployment's). */
    name: string;
    /** Its tags (the connector's selectors default to them). */
    tags: string[];
    /** The image it was installed with (the upgrader may move it on). */
    image: string;
    /** The namespace of its objects. */
    namespace: string;
    /** The delegate token minted for it, which it runs with; absent with `token.existingSecret` (the token is the user's). */
    tokenName?: string;
    /** When Harness revokes that token (`ttlDays`), ISO 8601; absent: never. */
    tokenExpiresAt?: string;
    /** When the token was minted, ISO 8601; absent with `token.existingSecret`. */
    tokenMintedAt?: string;
    /**
     * With `token.existingSecret`: the user's Secret the delegate reads its token from, as the last
     * up saw it (its uid and resourceVersion, on the pod template: a change rolls the pods). Never
     * its value, nor anything derived from it.
     */
    tokenSecret?: TokenSecretVersion;
    /** When the proxy's credentials last changed, ISO 8601 (on the pod template: a change rolls the pods); absent: not since the install. */
    proxyCredentialsChangedAt?: string;
    /** Whether Harness showed it connected, at the last up or refresh. */
    connected: boolean;
    /** Its last heartbeat as Harness showed it, ISO 8601. */
    lastHeartbeat?: string;
    /** Its objects, in creation order. */
    objects: ObjectRef[];
    /** What refresh found changed out of band (the next up repairs it), or Harness's view when it differs. */
    drift: string[];
}
