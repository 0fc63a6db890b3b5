// The Harness wizard's "connector + Install new Delegate", from `pulumi up`: the delegate's
// ServiceAccount with Harness's "deployments" rights, the delegate installed as it (a token minted
// for it, with a TTL), the wait until Harness shows it connected, then the connector, which
// authenticates as that ServiceAccount and whose test Harness runs on that delegate.
//   export HARNESS_ACCOUNT_ID=... HARNESS_PLATFORM_API_KEY=...   (or harness.accountId / harness.apiKey)
//   pulumi config set --secret adminKubeconfig "$(kubectl config view --raw --minify)"
import * as pulumi from "@pulumi/pulumi";
import { KubernetesClusterConnector } from "pulumi-kubernetes-connector";

const config = new pulumi.Config();

const connector = new KubernetesClusterConnector("prod-cluster", {
    name: config.get("connectorName") ?? "Prod cluster",
    // Provisions the identity and installs the delegate (it needs the rights it grants).
    credential: { type: "Kubeconfig", kubeconfig: config.requireSecret("adminKubeconfig") },
    delegate: {
        namespace: config.get("delegateNamespace") ?? "harness-delegate-ng",
        serviceAccountName: config.get("delegateServiceAccount") ?? "prod-delegate",
        permissions: "deployments",
        useAsCredential: true,
        // Take over a delegate Harness's Helm chart installed under the same name (docs/delegate-install.md).
        adopt: config.getBoolean("delegateAdopt") ?? false,
        // `installDelegate: false` keeps the identity only (the bench's baseline).
        install:
            config.getBoolean("installDelegate") === false
                ? undefined
                : {
                      name: config.get("delegateName"),
                      tags: config.getObject<string[]>("delegateTags"),
                      image: config.get("delegateImage"),
                      // A private CA the delegate must trust to reach Harness (a proxy's or a private endpoint's).
                      customCaBundle: config.get("delegateCaBundle"),
                      // A Secret of yours holding DELEGATE_TOKEN (Vault, external-secrets), or a token minted here.
                      token: config.get("delegateTokenSecret")
                          ? { existingSecret: config.get("delegateTokenSecret") }
                          : {
                                name: config.get("delegateTokenName"),
                                ttlDays: config.getNumber("delegateTokenTtlDays") ?? 90,
                            },
                      waitSeconds: config.getNumber("delegateWaitSeconds"),
                      managerUrl: config.get("delegateManagerUrl"),
                  },
    },
    harness: { test: "gate", apiKey: config.getSecret("harnessApiKey") },
});

export const ref = connector.ref;
// A create's preview has no delegate yet: say so (an undefined stack output is a warning).
const install = connector.delegate.apply((d) => d?.install);
export const delegateName = install.apply((i) => i?.name ?? "not installed yet");
export const delegateTags = install.apply((i) => i?.tags ?? []);
// The selectors Harness's connector uses: none given, so the installed delegate's tags.
export const delegateSelectors = connector.delegateSelectors.apply((s) => s ?? []);
export const delegateImage = install.apply((i) => i?.image ?? "not installed yet");
export const delegateTokenName = install.apply((i) => i?.tokenName ?? "not minted yet");
export const delegateTokenExpiresAt = install.apply((i) => i?.tokenExpiresAt ?? "never");
export const delegateConnected = install.apply((i) => i?.connected ?? false);
export const delegateDrift = install.apply((i) => i?.drift ?? []);
export const delegateTokenSecret = install.apply((i) => i?.tokenSecret ?? "none");
export const harnessTestStatus = connector.harness.apply((h) => h?.connectionTest?.status ?? "not tested yet");
