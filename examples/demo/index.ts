// The demo that `npm run demo` runs (the root Pulumi.yaml points here): a connector for the
// cluster of the kubeconfig in config, checked with the seed's "deployments" permissions.
import * as pulumi from "@pulumi/pulumi";
import { KubernetesClusterConnector } from "pulumi-kubernetes-connector";

const config = new pulumi.Config();

const connector = new KubernetesClusterConnector("demo-cluster", {
    name: "Demo cluster",
    description: "Connected by pulumi up, with a real connection test",
    tags: { managedBy: "pulumi" },
    credential: { type: "Kubeconfig", kubeconfig: config.requireSecret("kubeconfig"), context: config.get("context") },
    connectionTest: { requiredPermissions: config.get("requiredPermissions") === "none" ? "none" : "deployments" },
});

export const ref = connector.ref;
export const masterUrl = connector.masterUrl;
export const serverVersion = connector.serverVersion;
export const connectionTest = connector.connectionTest;
export const kubeconfig = connector.kubeconfig;
