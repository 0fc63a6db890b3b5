// `npm run bench` (4f): what examples/delegate-install writes into the cluster for its delegate
// (Namespace, ServiceAccount, Role, RoleBinding, the install's ConfigMaps, Secrets, Deployment and
// upgrader), rendered by the package's own `delegateManifest()` so that both sides apply the same
// objects, applied with @pulumi/kubernetes's yaml/v2 ConfigGroup through a Provider with the admin
// kubeconfig, with `skipAwait` (the delegate's connection is timed apart, from the pod's own start).
// The token is one the bench minted in the Harness stand-in; the CA bundle the stand-in's.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { delegateManifest } from "pulumi-kubernetes-connector";

const config = new pulumi.Config();
const namespace = config.require("namespace");
const name = config.require("delegateName");
const provider = new k8s.Provider("admin", { kubeconfig: config.requireSecret("kubeconfig") });

const yaml = delegateManifest({
    name,
    delegate: {
        namespace,
        // The Namespace is declared below, before the token Secret the pods read at start.
        createNamespace: false,
        serviceAccountName: "prod-delegate",
        permissions: "deployments",
        install: {
            name,
            tags: config.requireObject<string[]>("tags"),
            image: config.require("image"),
            managerUrl: config.require("managerUrl"),
            customCaBundle: config.require("caBundle"),
        },
    },
    harness: { accountId: config.require("accountId") },
    tokenSecretName: `${name}-token`,
});

const ns = new k8s.core.v1.Namespace("namespace", { metadata: { name: namespace } }, { provider });
const token = new k8s.core.v1.Secret(
    "token",
    {
        metadata: { name: `${name}-token`, namespace: ns.metadata.name },
        stringData: { DELEGATE_TOKEN: config.requireSecret("delegateToken") },
    },
    { provider },
);
new k8s.yaml.v2.ConfigGroup("delegate", { yaml, skipAwait: true }, { provider, dependsOn: [token] });
