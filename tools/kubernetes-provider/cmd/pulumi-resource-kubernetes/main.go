// pulumi-resource-kubernetes, the @pulumi/kubernetes provider plugin, built from the provider's
// Go module (tagged v4.25.0, served by the Go module proxy only as the pseudo-version in go.mod).
// The provider's own cmd/pulumi-resource-kubernetes/main.go embeds schema-embed.json and
// terraform-mapping-embed.json, which its `go generate` writes next to it; the module cache is
// read-only, so this copy of that main package lives here and generate.go writes the two files
// from the module's schema.json and terraform-mapping.json (tools/binaries.ts runs
// `go generate` before `go build`; the written files are not committed).

//go:generate go run ./generate.go

package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

var providerName = "kubernetes"

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve(providerName, version.Version, pulumiSchema, terraformMapping)
}
