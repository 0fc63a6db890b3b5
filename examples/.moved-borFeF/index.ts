// A connector that authenticates with a ServiceAccount token, verified by the connection test.
//   pulumi config set masterUrl https://my-cluster:6443
//   pulumi config set caCert "$(cat ca.crt)"
//   pulumi config set --secret token "$(kubectl create token my-sa)"
import * as pulumi from "@pulumi/pulumi";
import { KubernetesClusterConnector } from "pulumi-kubernetes-connector";

const config = new pulumi.Config();

const connector = new KubernetesClusterConnector("prod-cluster", {
    name: config.get("connectorName") ?? "Prod cluster",
    description: config.get("description"),
    orgIdentifier: config.get("orgIdentifier"),
    projectIdentifier: config.get("projectIdentifier"),
    identifier: config.get("identifier"),
    tags: { team: "platform" },
    delegateSelectors: ["prod-delegate"],
    credential: {
        type: "ManualConfig",
        masterUrl: config.require("masterUrl"),
        caCert: config.require("caCert"),
        auth: { type: "ServiceAccount", token: config.requireSecret("token") },
    },
    connectionTest: {
        skipDefaultNamespaceValidation: config.getBoolean("skipDefaultNamespaceValidation") ?? false,
        namespace: config.get("namespace"),
        requiredPermissions:
            (config.get("requiredPermissions") as "none" | "deployments" | "builds" | undefined) ?? "none",
    },
});

export const identifier = connector.identifier;
export const ref = connector.ref;
export const serverVersion = connector.serverVersion;
// A create's preview has no test yet: say so (an undefined stack output is a warning).
export const connectionTestStatus = connector.connectionTest.apply((t) => t.status ?? "not tested yet");
export const connectionTest = connector.connectionTest;
export const kubeconfig = connector.kubeconfig;
