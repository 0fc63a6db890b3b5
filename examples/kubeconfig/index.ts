// A connector built from a kubeconfig document (as `kubectl config view --raw --minify` prints it),
// checked for Harness's "deployments" permissions in its namespace.
//   pulumi config set --secret kubeconfig "$(kubectl config view --raw --minify)"
//   pulumi config set namespace apps
import * as pulumi from "@pulumi/pulumi";
import { KubernetesClusterConnector } from "pulumi-kubernetes-connector";

const config = new pulumi.Config();

const connector = new KubernetesClusterConnector("staging-cluster", {
    name: "Staging cluster",
    orgIdentifier: "platform",
    credential: {
        type: "Kubeconfig",
        kubeconfig: config.requireSecret("kubeconfig"),
        context: config.get("context"),
    },
    connectionTest: {
        namespace: config.get("namespace"),
        requiredPermissions: "deployments",
    },
});

export const ref = connector.ref;
export const masterUrl = connector.masterUrl;
// A create's preview has no test yet: say so (an undefined stack output is a warning).
export const connectionTestStatus = connector.connectionTest.apply((t) => t.status ?? "not tested yet");
