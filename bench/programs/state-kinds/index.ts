// bench/stateSize.ts: `count` connectors whose credential is of kind `kind`, to measure what one
// connector leaves in `pulumi stack export`. Secret values come from secret config; the SDK keeps
// every credential field secret anyway, as in a user's program.
import * as pulumi from "@pulumi/pulumi";
import { KubernetesClusterConnector } from "pulumi-kubernetes-connector";

const config = new pulumi.Config();
const count = config.requireNumber("count");
const kind = config.require("kind");
const masterUrl = config.get("masterUrl") ?? "";
const caCert = config.get("caCert");

/** Typed loosely, as bench/programs/connectors does: the kind is chosen at run time. */
function credential(): Record<string, unknown> {
    switch (kind) {
        case "ServiceAccount":
            return {
                type: "ManualConfig",
                masterUrl,
                caCert,
                auth: { type: "ServiceAccount", token: config.requireSecret("token") },
            };
        case "ClientKeyCert":
            return {
                type: "ManualConfig",
                masterUrl,
                caCert,
                auth: {
                    type: "ClientKeyCert",
                    clientCert: config.require("clientCert"),
                    clientKey: config.requireSecret("clientKey"),
                },
            };
        case "OpenIdConnect":
            return {
                type: "ManualConfig",
                masterUrl,
                caCert,
                auth: {
                    type: "OpenIdConnect",
                    issuerUrl: config.require("issuerUrl"),
                    issuerCaCert: config.require("issuerCaCert"),
                    clientId: config.require("clientId"),
                    username: config.require("username"),
                    password: config.requireSecret("password"),
                },
            };
        case "Kubeconfig":
            return { type: "Kubeconfig", kubeconfig: config.requireSecret("kubeconfig") };
        case "InheritFromDelegate":
            return { type: "InheritFromDelegate", kubeconfigPath: config.require("kubeconfigPath") };
        default:
            throw new Error(`unknown kind ${kind}`);
    }
}

const connectors = Array.from(
    { length: count },
    (_, i) =>
        new KubernetesClusterConnector(`state-${i}`, {
            name: `State cluster ${i}`,
            credential: credential(),
            connectionTest: { requiredPermissions: "deployments" },
        } as ConstructorParameters<typeof KubernetesClusterConnector>[1]),
);

export const refs = connectors.map((c) => c.ref);
