// `npm run bench`: `count` connectors to one cluster, each running the full connection test
// (GET /version, the controllers of default, every verb of `requiredPermissions`). With
// `delegate: true` each also provisions a delegate identity in its own namespace bench-<i>,
// created with the `provisionerKubeconfig` credential (the cluster's admin). With `harness: true`
// each is registered in Harness too.
import * as pulumi from "@pulumi/pulumi";
import { KubernetesClusterConnector } from "pulumi-kubernetes-connector";

const config = new pulumi.Config();
const count = config.requireNumber("count");
const masterUrl = config.require("masterUrl");
const caCert = config.require("caCert");
const token = config.requireSecret("token");
const requiredPermissions = config.get("requiredPermissions") ?? "deployments";
const withDelegate = config.getBoolean("delegate") ?? false;
const provisionerKubeconfig = withDelegate ? config.requireSecret("provisionerKubeconfig") : undefined;
// Registered in Harness (account, key and endpoint from HARNESS_*: the bench's stand-in), Harness's test gating.
const withHarness = config.getBoolean("harness") ?? false;

/** The delegate block: the same objects bench/programs/kubernetes-delegate declares with @pulumi/kubernetes. */
function delegate(i: number): Record<string, unknown> {
    return {
        namespace: `bench-${i}`,
        serviceAccountName: "delegate",
        permissions: "deployments",
        // A Role + RoleBinding in the delegate's namespace (without it: a ClusterRole + ClusterRoleBinding).
        namespaces: [`bench-${i}`],
        token: "long-lived",
        provisioner: { type: "Kubeconfig", kubeconfig: provisionerKubeconfig },
    };
}

const connectors = Array.from({ length: count }, (_, i) => {
    // Typed loosely: `delegate` is an input only once the provider has it (the bench checks first).
    const args: Record<string, unknown> = {
        name: `Bench cluster ${i}`,
        credential: { type: "ManualConfig", masterUrl, caCert, auth: { type: "ServiceAccount", token } },
        connectionTest: { requiredPermissions },
        ...(withDelegate ? { delegate: delegate(i) } : {}),
        ...(withHarness ? { harness: { test: "gate" } } : {}),
    };
    return new KubernetesClusterConnector(
        `bench-${i}`,
        args as ConstructorParameters<typeof KubernetesClusterConnector>[1],
    );
});

export const refs = connectors.map((c) => c.ref);
export const statuses = connectors.map((c) => c.connectionTest.status);
