// The planner's facts from the connector's inputs: one mapping for the install (provider/lifecycle/
// delegateInstall.ts) and for render-only (manifest.ts). Pure.
import { managerUrlFor } from "../../inputs/delegateInstall";
import { CHART_DEFAULTS } from "../../inputs/delegateName";
import type { ValidConnectorInputs } from "../../inputs/types";
import { MANAGED_BY, MANAGED_BY_LABEL } from "../../kube/refs";
import type { DelegateInstallFacts } from "./plan";

/** What the inputs do not say: the delegate's name and tags, the image and token, Harness's account and endpoint. */
export interface InstallContext {
    identity: { name: string; tags: string[] };
    image: string;
    tokenName: string;
    accountId: string;
    /** The Harness API endpoint (the manager URL defaults to it without `/gateway`). */
    endpoint: string;
    owner: string;
    /** When the proxy's credentials last changed (the install's record); rolls the pods. */
    proxyCredentialsChangedAt?: string;
    /** The user's token Secret (`token.existingSecret`, or render-only's): no token Secret of ours is planned. */
    existingTokenSecret?: string;
    /** The version (uid/resourceVersion) of the user's token Secret the install reads: on the pod template, it rolls the pods. */
    tokenSecretVersion?: string;
    /** Render-only: no proxy credentials are rendered (the CA bundle, public, is). */
    renderOnly?: boolean;
    /** Extra annotations on every object (render-only: the owner, as apply adds it). */
    annotations?: Record<string, string>;
}

/** The facts planDelegateInstall plans from, for `inputs.delegate.install`. */
export function installFacts(inputs: ValidConnectorInputs, c: InstallContext): DelegateInstallFacts {
    const d = inputs.delegate!;
    const settings = d.install!;
    const rendered = c.renderOnly === true;
    return {
        name: c.identity.name,
        namespace: d.namespace,
        serviceAccountName: d.serviceAccountName,
        accountId: c.accountId,
        managerUrl: settings.managerUrl ?? managerUrlFor(c.endpoint),
        tags: c.identity.tags,
        description: settings.description,
        image: c.image,
        replicas: settings.replicas,
        resources: settings.resources,
        tokenName: c.tokenName,
        upgrader: { ...settings.upgrader, image: CHART_DEFAULTS.upgraderImage },
        proxy: settings.proxy && {
            host: settings.proxy.host,
            port: settings.proxy.port,
            scheme: settings.proxy.scheme,
            noProxy: settings.proxy.noProxy,
            withCredentials: !rendered && settings.proxy.user !== undefined,
        },
        ...(c.proxyCredentialsChangedAt ? { proxyCredentialsChangedAt: c.proxyCredentialsChangedAt } : {}),
        ...(settings.customCaBundle !== undefined ? { customCaBundle: settings.customCaBundle } : {}),
        ...(settings.destinationCaPath !== undefined ? { destinationCaPath: settings.destinationCaPath } : {}),
        javaOpts: CHART_DEFAULTS.javaOpts,
        owner: c.owner,
        metadata: { labels: { [MANAGED_BY_LABEL]: MANAGED_BY }, annotations: { ...c.annotations } },
        ...(c.existingTokenSecret !== undefined ? { existingTokenSecret: c.existingTokenSecret } : {}),
        ...(c.tokenSecretVersion !== undefined ? { tokenSecretVersion: c.tokenSecretVersion } : {}),
    };
}
