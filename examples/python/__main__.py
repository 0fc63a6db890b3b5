"""A Kubernetes cluster connector from Python, through the provider plugin and its generated SDK."""
import pulumi
import pulumi_kubernetes_connector as kc

config = pulumi.Config()

prod = kc.KubernetesClusterConnector(
    "prod",
    name="Prod cluster",
    identifier=config.get("identifier") or "Prod_cluster",
    delegate_selectors=["prod-delegate"],
    credential=kc.ManualConfigCredentialArgs(
        type="ManualConfig",
        master_url=config.require("masterUrl"),
        ca_cert=config.require("caCert"),
        auth=kc.ServiceAccountAuthArgs(type="ServiceAccount", token=config.require_secret("token")),
    ),
)

pulumi.export("ref", prod.ref)
pulumi.export("identifier", prod.identifier)
pulumi.export("serverVersion", prod.server_version)
pulumi.export("connectionTestStatus", prod.connection_test.status)
pulumi.export("kubeconfig", prod.kubeconfig)
