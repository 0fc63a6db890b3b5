// Render-only, for GitOps: the delegate's identity (ServiceAccount, roles, bindings) and its install
// (environment, Deployment, upgrader) as the objects `pulumi up` would write, without a cluster or
// Harness. The token is a reference to a Secret the user provides (key DELEGATE_TOKEN); no secret
// is rendered. Pure.

import { installIdentity } from "../inputs/delegateName";
import type { ValidConnectorInputs } from "../inputs/types";
import { manifest } from "../kube/objects";
import { OWNER_ANNOTATION } from "../kube/refs";
import { planDelegateRbac } from "../parts/identity/plan";
import { installFacts } from "../parts/install/facts";
import { planDelegateInstall } from "../parts/install/plan";

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
        installFacts(inputs, {
            identity: { name, tags },
            image: install.image!,
            tokenName: tokenSecretName,
            accountId: inputs.harness!.accountId!,
            endpoint: inputs.harness!.endpoint ?? defaultEndpoint,
            owner: RENDERED_OWNER,
            existingTokenSecret: tokenSecretName,
            renderOnly: true,
            annotations: { [OWNER_ANNOTATION]: RENDERED_OWNER },
        }),
        tokenSecretName,
    );
    return [...namespace, ...identity, ...objects.map((o) => o.manifest)];
}
