// The delegate's identity declared with @pulumi/kubernetes (Namespace, ServiceAccount, a Role with
// Harness's "deployments" rights and its RoleBinding, a long-lived token Secret), and a connector
// that authenticates with that token: the connection test proves the rights work.
//   pulumi config set --secret adminKubeconfig "$(kubectl config view --raw --minify)"
//   pulumi config set masterUrl https://my-cluster:6443
//
// The token controller fills the Secret after it is created; @pulumi/kubernetes waits for its
// `data` (up to 5 s for this Secret type) before the Secret counts as created, so the token and CA
// read from `secret.data` are the populated ones and the connector is created only after them.
// @pulumi/kubernetes keeps a Secret's `data` secret, so the token stays secret through to the
// connector's state; the CA is public and unwrapped.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEPLOYMENTS_RULES, KubernetesClusterConnector } from "pulumi-kubernetes-connector";

const config = new pulumi.Config();
const namespace = config.get("namespace") ?? "harness-delegate-ng";
const provider = new k8s.Provider("admin", { kubeconfig: config.requireSecret("adminKubeconfig") });
const opts = { provider };

const ns = new k8s.core.v1.Namespace("delegate", { metadata: { name: namespace } }, opts);
const meta = { namespace: ns.metadata.name };
const sa = new k8s.core.v1.ServiceAccount("delegate", { metadata: { ...meta, name: "delegate" } }, opts);
const role = new k8s.rbac.v1.Role(
    "delegate-deployments",
    { metadata: { ...meta, name: "delegate-deployments" }, rules: DEPLOYMENTS_RULES.map((r) => ({ ...r })) },
    opts,
);
const binding = new k8s.rbac.v1.RoleBinding(
    "delegate-deployments",
    {
        metadata: { ...meta, name: "delegate-deployments" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace }],
    },
    opts,
);
const tokenSecret = new k8s.core.v1.Secret(
    "delegate-token",
    {
        metadata: {
            ...meta,
            name: "delegate-token",
            annotations: { "kubernetes.io/service-account.name": sa.metadata.name },
        },
        type: "kubernetes.io/service-account-token",
    },
    opts,
);

/** One key of the token Secret's data, decoded; fails the update if the controller left it out. */
const field = (key: string) =>
    tokenSecret.data.apply((data) => {
        const value = data?.[key];
        if (!value) throw new Error(`the token Secret ${namespace}/delegate-token has no ${key} yet`);
        return Buffer.from(value, "base64").toString("utf8");
    });

const connector = new KubernetesClusterConnector(
    "delegate-cluster",
    {
        name: "Delegate cluster",
        credential: {
            type: "ManualConfig",
            masterUrl: config.require("masterUrl"),
            caCert: pulumi.unsecret(field("ca.crt")),
            auth: { type: "ServiceAccount", token: pulumi.secret(field("token")) },
        },
        connectionTest: {
            skipDefaultNamespaceValidation: true,
            namespace,
            requiredPermissions: "deployments",
        },
    },
    // The rights must exist before the connection test checks them.
    { dependsOn: [binding] },
);

export const ref = connector.ref;
export const tokenSecretName = tokenSecret.metadata.name;
// A create's preview has no test yet: say so (an undefined stack output is a warning).
export const connectionTestStatus = connector.connectionTest.apply((t) => t.status ?? "not tested yet");
