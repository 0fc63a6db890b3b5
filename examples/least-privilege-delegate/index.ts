// Provision the delegate's identity with Harness's "deployments" rights in one namespace, and
// make the connector authenticate as it: the connection test then proves the rights work.
//   pulumi config set --secret adminKubeconfig "$(kubectl config view --raw --minify)"
//   pulumi config set appNamespace apps
import * as pulumi from "@pulumi/pulumi";
import { KubernetesClusterConnector } from "pulumi-kubernetes-connector";

const config = new pulumi.Config();
const appNamespace = config.get("appNamespace") ?? "apps";

const connector = new KubernetesClusterConnector("apps-cluster", {
    name: "Apps cluster",
    // Used to provision the delegate (it needs the rights it grants, or `bind`/`escalate`).
    credential: { type: "Kubeconfig", kubeconfig: config.requireSecret("adminKubeconfig") },
    delegate: {
        namespace: "harness-delegate-ng",
        serviceAccountName: "apps-delegate",
        permissions: "deployments",
        namespaces: [appNamespace],
        token: "long-lived",
        useAsCredential: true,
    },
    connectionTest: {
        skipDefaultNamespaceValidation: true,
        namespace: appNamespace,
        requiredPermissions: "deployments",
    },
});

export const ref = connector.ref;
export const delegate = connector.delegate;
// A create's preview has no test yet: say so (an undefined stack output is a warning).
export const connectionTestStatus = connector.connectionTest.apply((t) => t.status ?? "not tested yet");
export const delegateKubeconfig = connector.delegateKubeconfig;
