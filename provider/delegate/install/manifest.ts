// Render-only, for GitOps: the delegate's identity (ServiceAccount, roles, bindings) and its install
// (environment, Deployment, upgrader) as the objects `pulumi up` would write, without a cluster or
// Harness. The token is a reference to a Secret the user provides (key DELEGATE_TOKEN); no secret
// is rendered. Pure.

import { managerUrlFor } from "../../inputs/delegateInstall";
import { installIdentity } from "../../inputs/delegateName";
import type { ValidConnectorInputs } from "../../inputs/types";
import { manifest } from "../objects";
import { MANAGED_BY, MANAGED_BY_LABEL, planDelegateRbac } from "../rbacPlan";
import { CHART_DEFAULTS, planDelegateInstall } from "./plan";

/** The owner annotation of rendered objects: they belong to whoever applies them. */
export const RENDERED_OWNER = "rendered/delegate-manifest";

/**
 * The objects of `inputs.delegate` (with `install`, an `image` and `harness.accountId` set), in
 * the order to apply them. `tokenSecretName` names the user's Secret holding DELEGATE_TOKEN.
 */
export function renderDelegateObjects(
    inputs: ValidConnectorInputs,
    identifier: string,
    tokenSecretName: string,
    defaultEndpoint: string,
): object[] {
    const d = inputs.delegate!;
    const install = d.install!;
    const { name, tags } = installIdentity(install, identifier);
    const namespace = d.createNamespace ? [manifest({ kind: "Namespace", name: d.namespace }, RENDERED_OWNER)] : [];
    const identity = planDelegateRbac({ ...d, token: "none" })
        .objects.filter((o) => o.kind !== "Secret")
        .map((o) => manifest(o, RENDERED_OWNER));
    const objects = planDelegateInstall(
        {
            name,
            namespace: d.namespace,
            serviceAccountName: d.serviceAccountName,
            accountId: inputs.harness!.accountId!,
            managerUrl: install.managerUrl ?? managerUrlFor(inputs.harness!.endpoint ?? defaultEndpoint),
            tags,
            description: install.description,
            image: install.image!,
            replicas: install.replicas,
            resources: install.resources,
            tokenName: tokenSecretName,
            upgrader: { ...install.upgrader, image: CHART_DEFAULTS.upgraderImage },
            proxy: install.proxy && {
                host: install.proxy.host,
                port: install.proxy.port,
                scheme: install.proxy.scheme,
                noProxy: install.proxy.noProxy,
                withCredentials: false,
            },
            customCaBundle: false,
            javaOpts: CHART_DEFAULTS.javaOpts,
            owner: RENDERED_OWNER,
            metadata: {
                labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
                annotations: { "kubernetes-connector.pulumi.com/owner": RENDERED_OWNER },
            },
            existingTokenSecret: tokenSecretName,
        },
        tokenSecretName,
    );
    return [...namespace, ...identity, ...objects.map((o) => o.manifest)];
}
