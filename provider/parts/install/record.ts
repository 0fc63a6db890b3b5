// What the connector records of its installed delegate. Types only: the SDK's declarations import this.
import type { ObjectRef } from "../../kube/refs";

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
    /** The delegate token it runs with. */
    tokenName: string;
    /** When Harness revokes that token (`ttlDays`), ISO 8601; absent: never. */
    tokenExpiresAt?: string;
    /** When the token was minted, ISO 8601. */
    tokenMintedAt: string;
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
