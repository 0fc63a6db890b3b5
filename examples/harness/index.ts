// A connector registered in Harness: its token and CA become Harness text secrets, the K8sCluster
// connector references them, and Harness's own connection test runs after ours.
//   export HARNESS_ACCOUNT_ID=... HARNESS_PLATFORM_API_KEY=...   (or harness.accountId / harness.apiKey)
//   pulumi config set masterUrl https://my-cluster:6443
//   pulumi config set caCert "$(cat ca.crt)"
//   pulumi config set --secret token "$(kubectl create token my-sa)"
import * as pulumi from "@pulumi/pulumi";
import { KubernetesClusterConnector } from "pulumi-kubernetes-connector";

const config = new pulumi.Config();

const connector = new KubernetesClusterConnector("prod-cluster", {
    name: config.get("connectorName") ?? "Prod cluster",
    identifier: config.get("identifier"),
    description: config.get("description"),
    orgIdentifier: config.get("orgIdentifier"),
    projectIdentifier: config.get("projectIdentifier"),
    delegateSelectors: config.getObject<string[]>("delegateSelectors"),
    credential: {
        type: "ManualConfig",
        masterUrl: config.require("masterUrl"),
        caCert: config.require("caCert"),
        auth: { type: "ServiceAccount", token: config.requireSecret("token") },
    },
    harness: {
        // accountId, apiKey and endpoint fall back to HARNESS_ACCOUNT_ID, HARNESS_PLATFORM_API_KEY, HARNESS_ENDPOINT.
        apiKey: config.getSecret("harnessApiKey"),
        test: (config.get("harnessTest") as "gate" | "warn" | "skip" | undefined) ?? "gate",
        forceDelete: config.getBoolean("forceDelete"),
        adopt: config.getBoolean("adopt"),
        timeoutSeconds: config.getNumber("harnessTimeoutSeconds"),
    },
});

export const ref = connector.ref;
// A create's preview has no test and no registration yet: say so (an undefined stack output is a warning).
export const connectionTestStatus = connector.connectionTest.apply((t) => t.status ?? "not tested yet");
export const harnessConnectorRef = connector.harness.apply((h) => h?.connectorRef ?? "not registered yet");
export const harnessTestStatus = connector.harness.apply((h) => h?.connectionTest?.status ?? "not tested yet");
export const harnessSecretRefs = connector.harness.apply((h) => h?.secretRefs ?? {});
export const harnessDrift = connector.harness.apply((h) => h?.drift ?? []);
