// `npm run bench`: what `delegate: { namespace: "bench-<i>", serviceAccountName: "delegate",
// permissions: "deployments", namespaces: ["bench-<i>"], token: "long-lived" }` makes, declared
// with @pulumi/kubernetes instead, `count` times, through a Provider with the admin kubeconfig.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEPLOYMENTS_RULES } from "pulumi-kubernetes-connector";

const config = new pulumi.Config();
const count = config.requireNumber("count");
const provider = new k8s.Provider("admin", { kubeconfig: config.requireSecret("kubeconfig") });

const secrets = Array.from({ length: count }, (_, i) => {
    const namespace = `bench-${i}`;
    const name = `connector:${namespace}:delegate`;
    const opts = { provider };
    const ns = new k8s.core.v1.Namespace(`bench-${i}`, { metadata: { name: namespace } }, opts);
    const meta = { namespace: ns.metadata.name };
    const sa = new k8s.core.v1.ServiceAccount(`bench-${i}-sa`, { metadata: { ...meta, name: "delegate" } }, opts);
    const role = new k8s.rbac.v1.Role(
        `bench-${i}-role`,
        { metadata: { ...meta, name }, rules: DEPLOYMENTS_RULES.map((r) => ({ ...r })) },
        opts,
    );
    new k8s.rbac.v1.RoleBinding(
        `bench-${i}-binding`,
        {
            metadata: { ...meta, name },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace }],
        },
        opts,
    );
    return new k8s.core.v1.Secret(
        `bench-${i}-token`,
        {
            metadata: {
                ...meta,
                name: "delegate-token",
                annotations: { "kubernetes.io/service-account.name": "delegate" },
            },
            type: "kubernetes.io/service-account-token",
        },
        { ...opts, dependsOn: [sa] },
    );
});

export const tokenSecrets = secrets.map((s) => s.metadata.name);
