// `delegateManifest()` and `pulumi-kubernetes-connector delegate-manifest`: the delegate's identity
// and install as YAML, for GitOps, without applying anything and without asking Harness (so the
// image must be pinned). The token is a reference to a Secret the user provides.

import { DEFAULT_HARNESS_ENDPOINT } from "../provider/harness/access";
import { loadYaml } from "../provider/heavyPackages";
import type { ConnectorInputs, ValidConnectorInputs } from "../provider/inputs/types";
import { inputError, resolveIdentifier, validateConnectorInputs } from "../provider/inputs/validate";
import { renderDelegateObjects } from "../provider/lifecycle/renderDelegate";

/** What {@link delegateManifest} renders. */
export interface DelegateManifestArgs {
    /** The connector's name (the delegate's name is derived from its identifier unless `delegate.install.name` is set). */
    name: string;
    /** As the connector's `identifier`; default derived from `name`. */
    identifier?: string;
    /** The `delegate` input, with `install` (and `install.image`: no Harness is asked for the latest). */
    delegate: NonNullable<ConnectorInputs["delegate"]>;
    /** The Harness account the delegate registers with, and its endpoint (default `https://app.harness.io/gateway`). */
    harness: { accountId: string; endpoint?: string };
    /** The Secret (in the delegate's namespace) that holds the delegate token under the key `DELEGATE_TOKEN`. */
    tokenSecretName: string;
}

/**
 * The delegate's ServiceAccount, roles, bindings and installed objects as YAML documents, in the
 * order to apply them (`kubectl apply -f -`). Bad input is an `INVALID_INPUT` ConnectorError naming
 * the property. No secret is rendered: proxy credentials are refused (add them as a Secret
 * `<name>-proxy` of your own, keys PROXY_USER and PROXY_PASSWORD); a CA bundle, public, is
 * rendered in its Secret `<name>-addcerts`.
 */
export function delegateManifest(args: DelegateManifestArgs): string {
    const raw = {
        name: args.name,
        ...(args.identifier !== undefined ? { identifier: args.identifier } : {}),
        credential: { type: "InheritFromDelegate" },
        delegate: args.delegate,
        harness: {
            accountId: args.harness.accountId,
            ...(args.harness.endpoint ? { endpoint: args.harness.endpoint } : {}),
        },
    };
    const r = validateConnectorInputs(raw, () => false, false);
    if (!r.ok) throw inputError(r.issues);
    const inputs = r.value as ValidConnectorInputs;
    const problems: { property: string; reason: string }[] = [];
    if (!inputs.delegate?.install)
        problems.push({ property: "delegate.install", reason: "is required: it is what is rendered" });
    else if (!inputs.delegate.install.image)
        problems.push({
            property: "delegate.install.image",
            reason: "is required to render (Harness is not asked for the latest)",
        });
    const proxy = inputs.delegate?.install?.proxy;
    if (proxy?.user !== undefined)
        problems.push({
            property: "delegate.install.proxy.user",
            reason: "is not rendered (no secret is): leave user and password out and create the Secret <name>-proxy with PROXY_USER and PROXY_PASSWORD yourself",
        });
    if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(args.tokenSecretName ?? ""))
        problems.push({ property: "tokenSecretName", reason: "must be a Kubernetes Secret name" });
    if (problems.length) throw inputError(problems);
    const identifier = inputs.identifier ?? resolveIdentifier(inputs);
    const objects = renderDelegateObjects(inputs, identifier, args.tokenSecretName, DEFAULT_HARNESS_ENDPOINT);
    return objects.map((o) => loadYaml().dump(o, { noRefs: true, lineWidth: -1 })).join("---\n");
}
