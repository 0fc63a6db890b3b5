// Package program declares one connector with a ServiceAccount token, from the stack's config
// masterUrl, caCert and token (secret), and exports what a pipeline reads.
package program

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	kc "pulumi-kubernetes-connector/sdk/go/kubernetesconnector"
)

// Connector is the program.
func Connector(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	identifier := cfg.Get("identifier")
	if identifier == "" {
		identifier = "Prod_cluster"
	}
	prod, err := kc.NewKubernetesClusterConnector(ctx, "prod", &kc.KubernetesClusterConnectorArgs{
		Name:              pulumi.String("Prod cluster"),
		Identifier:        pulumi.String(identifier),
		DelegateSelectors: pulumi.StringArray{pulumi.String("prod-delegate")},
		Credential: kc.ManualConfigCredentialArgs{
			Type:      pulumi.String("ManualConfig"),
			MasterUrl: pulumi.String(cfg.Require("masterUrl")),
			CaCert:    pulumi.String(cfg.Require("caCert")),
			Auth: kc.ServiceAccountAuthArgs{
				Type:  pulumi.String("ServiceAccount"),
				Token: cfg.RequireSecret("token"),
			},
		},
	})
	if err != nil {
		return err
	}
	ctx.Export("ref", prod.Ref)
	ctx.Export("identifier", prod.Identifier)
	ctx.Export("serverVersion", prod.ServerVersion)
	ctx.Export("connectionTestStatus", prod.ConnectionTest.Status())
	ctx.Export("kubeconfig", prod.Kubeconfig)
	return nil
}
