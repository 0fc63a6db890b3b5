// pulumi-sdkgen writes a package's SDK from its schema with Pulumi's own code generator (the
// pkg/v3 codegen of the pinned CLI's release). `pulumi package gen-sdk --language python` asks
// the Python language host to do this (GeneratePackage), and the host built here (sdk/v3 v3.68.0,
// the newest release that carries it) predates that call.
//
// Go has no language host here (its module, sdk/go/pulumi-language-go, is not served), so
// `pulumi package gen-sdk --language go` cannot run either: the same codegen writes it.
//
// Usage: pulumi-sdkgen <schema.json> <python|go> <out-dir>
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	pythongen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func main() {
	if len(os.Args) != 4 || (os.Args[2] != "python" && os.Args[2] != "go") {
		fmt.Fprintln(os.Stderr, "usage: pulumi-sdkgen <schema.json> <python|go> <out-dir>")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-sdkgen:", err)
		os.Exit(1)
	}
}

func run(schemaPath, language, outDir string) error {
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	// The package refers to no other package: nothing to load.
	pkg, diags, err := schema.BindSpec(spec, schema.NewNullLoader(), schema.ValidationOptions{})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return fmt.Errorf("%s does not bind: %s", schemaPath, diags.Error())
	}
	var files map[string][]byte
	if language == "go" {
		files, err = gogen.GeneratePackage("pulumi-sdkgen", pkg, nil)
	} else {
		files, err = pythongen.GeneratePackage("pulumi-sdkgen", pkg, nil, nil)
	}
	if err != nil {
		return err
	}
	for name, content := range files {
		path := filepath.Join(outDir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}
