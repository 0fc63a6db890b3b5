"""A Kubernetes cluster connector and its delegate from Python, through the provider plugin and its generated SDK."""
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
    # The delegate's identity, made by an admin provisioner.
    delegate=kc.DelegateArgs(
        permissions="deployments",
        provisioner=kc.KubeconfigCredentialArgs(
            type="Kubeconfig", kubeconfig=config.require_secret("provisionerKubeconfig")
        ),
    ),
)

pulumi.export("ref", prod.ref)
pulumi.export("identifier", prod.identifier)
pulumi.export("serverVersion", prod.server_version)
pulumi.export("connectionTestStatus", prod.connection_test.status)
pulumi.export("kubeconfig", prod.kubeconfig)
pulumi.export("delegateServiceAccount", prod.delegate.service_account_name)
pulumi.export("delegateToken", prod.delegate_token)
