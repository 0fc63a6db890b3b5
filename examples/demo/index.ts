// The demo that `npm run demo` runs (the root Pulumi.yaml points here): a connector for the
// cluster of the kubeconfig in config. It provisions the delegate's identity (a ServiceAccount
// with Harness's "deployments" rights in `default`, and a long-lived token) and connects as it,
// so the connection test proves those rights work; it installs Harness's delegate as that identity
// (unless `installDelegate` is false) and waits until Harness shows it connected; then it registers
// the connector in Harness, whose own test runs on that delegate and gates the run.
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
        install:
            config.getBoolean("installDelegate") === false
                ? undefined
                : {
                      name: "demo-delegate",
                      // Default: the image Harness supports now; the local demo gives its stand-in image.
                      image: config.get("delegateImage"),
                      managerUrl: config.get("delegateManagerUrl"),
                      customCaBundle: config.get("delegateCaBundle"),
                      waitSeconds: 300,
                  },
    },
    connectionTest: { requiredPermissions: "deployments" },
    // Registered in Harness (account, key and endpoint from the HARNESS_* variables): its token secret
    // holds the delegate's token; Harness's own test runs after ours, on the installed delegate.
    harness: { test: config.getBoolean("installDelegate") === false ? "warn" : "gate" },
});

export const ref = connector.ref;
export const masterUrl = connector.masterUrl;
export const serverVersion = connector.serverVersion;
export const connectionTest = connector.connectionTest;
export const delegate = connector.delegate;
export const delegateKubeconfig = connector.delegateKubeconfig;
export const harness = connector.harness;
