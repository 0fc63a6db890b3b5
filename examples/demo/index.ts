// The demo that `npm run demo` runs (the root Pulumi.yaml points here): a connector for the
// cluster of the kubeconfig in config. It provisions the delegate's identity (a ServiceAccount
// with Harness's "deployments" rights in `default`, and a long-lived token) and connects as it,
// so the connection test proves those rights work. It is registered in Harness too.
import * as pulumi from "@pulumi/pulumi";
import { KubernetesClusterConnector } from "pulumi-kubernetes-connector";

const config = new pulumi.Config();

const connector = new KubernetesClusterConnector("demo-cluster", {
    name: "Demo cluster",
    description: "Connected by pulumi up, with a real connection test",
    tags: { managedBy: "pulumi" },
    credential: { type: "Kubeconfig", kubeconfig: config.requireSecret("kubeconfig"), context: config.get("context") },
    delegate: {
        namespace: "harness-delegate-ng",
        serviceAccountName: "demo-delegate",
        permissions: "deployments",
        namespaces: ["default"],
        token: "long-lived",
        useAsCredential: true,
    },
    connectionTest: { requiredPermissions: "deployments" },
    // Registered in Harness (account, key and endpoint from the HARNESS_* variables): its token secret
    // holds the delegate's token; Harness's own test runs after ours.
    harness: { test: "warn" },
});

export const ref = connector.ref;
export const masterUrl = connector.masterUrl;
export const serverVersion = connector.serverVersion;
export const connectionTest = connector.connectionTest;
export const delegate = connector.delegate;
export const delegateKubeconfig = connector.delegateKubeconfig;
export const harness = connector.harness;
