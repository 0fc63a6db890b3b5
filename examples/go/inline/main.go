// The test driver of the Go example: runs ./program through the Automation API as an inline
// program (the Go language host, sdk/go/pulumi-language-go, is not a module these machines can
// fetch; an inline program needs none). Up, a no-op preview, the preview of an identifier change
// (a replacement), the state as `pulumi stack export` prints it, destroy; the findings on stdout as
// JSON. The engine (`pulumi` on PATH), backend and passphrase come from the environment.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"pulumi-kubernetes-connector/examples/go/program"
)

type findings struct {
	Outputs        map[string]interface{} `json:"outputs"`
	SecretOutputs  []string               `json:"secretOutputs"`
	NoopPreview    map[string]int         `json:"noopPreview"`
	IdentifierDiff map[string]int         `json:"identifierPreview"`
	State          json.RawMessage        `json:"state"`
	DestroySummary map[string]int         `json:"destroy"`
}

func toCounts(m map[apitype.OpType]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[string(k)] = v
	}
	return out
}

func run() error {
	ctx := context.Background()
	project := workspace.Project{
		Name:    tokens.PackageName("kubernetes-connector-go"),
		Runtime: workspace.NewProjectRuntimeInfo("go", nil),
		Plugins: &workspace.Plugins{Providers: []workspace.PluginOptions{
			{Name: "kubernetes-connector", Path: os.Getenv("PKC_PLUGIN_DIR")},
		}},
	}
	stack, err := auto.UpsertStackInlineSource(ctx, "dev", "kubernetes-connector-go", program.Connector,
		auto.Project(project), auto.WorkDir(os.Getenv("PKC_WORK_DIR")), auto.SecretsProvider("passphrase"))
	if err != nil {
		return fmt.Errorf("stack: %w", err)
	}
	for key, v := range map[string]auto.ConfigValue{
		"masterUrl": {Value: os.Getenv("PKC_MASTER_URL")},
		"caCert":    {Value: os.Getenv("PKC_CA_CERT")},
		"token":     {Value: os.Getenv("PKC_TOKEN"), Secret: true},
	} {
		if err := stack.SetConfig(ctx, key, v); err != nil {
			return fmt.Errorf("config %s: %w", key, err)
		}
	}
	var f findings
	up, err := stack.Up(ctx)
	if err != nil {
		return fmt.Errorf("up: %w", err)
	}
	f.Outputs = map[string]interface{}{}
	for k, v := range up.Outputs {
		if v.Secret {
			f.SecretOutputs = append(f.SecretOutputs, k)
			continue
		}
		f.Outputs[k] = v.Value
	}
	pv, err := stack.Preview(ctx)
	if err != nil {
		return fmt.Errorf("preview: %w", err)
	}
	f.NoopPreview = toCounts(pv.ChangeSummary)
	// What a user's `pulumi stack export` prints (the Automation API's Export shows secrets).
	export := exec.Command("pulumi", "stack", "export", "--stack", "dev")
	export.Dir = os.Getenv("PKC_WORK_DIR")
	state, err := export.Output()
	if err != nil {
		return fmt.Errorf("pulumi stack export: %w", err)
	}
	f.State = state
	if err := stack.SetConfig(ctx, "identifier", auto.ConfigValue{Value: "Prod_cluster_2"}); err != nil {
		return err
	}
	pv, err = stack.Preview(ctx)
	if err != nil {
		return fmt.Errorf("preview of the identifier change: %w", err)
	}
	f.IdentifierDiff = toCounts(pv.ChangeSummary)
	if err := stack.RemoveConfig(ctx, "identifier"); err != nil {
		return err
	}
	d, err := stack.Destroy(ctx)
	if err != nil {
		return fmt.Errorf("destroy: %w", err)
	}
	f.DestroySummary = map[string]int{}
	if d.Summary.ResourceChanges != nil {
		for k, v := range *d.Summary.ResourceChanges {
			f.DestroySummary[k] = v
		}
	}
	return json.NewEncoder(os.Stdout).Encode(f)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
