// The provider's generate.go (cmd/pulumi-resource-kubernetes), reading its inputs from the
// provider module's folder in the module cache instead of the current folder: writes
// schema-embed.json (schema.json stamped with $VERSION) and terraform-mapping-embed.json here.

//go:build ignore

package main

import (
	"encoding/json"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const providerModule = "github.com/pulumi/pulumi-kubernetes/provider/v4"

func main() {
	version, found := os.LookupEnv("VERSION")
	if !found {
		log.Fatal("version not found: set VERSION")
	}

	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", providerModule).Output()
	if err != nil {
		log.Fatalf("cannot locate %s: %v", providerModule, err)
	}
	src := filepath.Join(strings.TrimSpace(string(out)), "cmd", "pulumi-resource-kubernetes")

	schemaContents, err := os.ReadFile(filepath.Join(src, "schema.json"))
	if err != nil {
		log.Fatal(err)
	}

	var packageSpec schema.PackageSpec
	err = json.Unmarshal(schemaContents, &packageSpec)
	if err != nil {
		log.Fatalf("cannot deserialize schema: %v", err)
	}

	packageSpec.Version = version
	versionedContents, err := json.Marshal(packageSpec)
	if err != nil {
		log.Fatalf("cannot reserialize schema: %v", err)
	}

	err = os.WriteFile("./schema-embed.json", versionedContents, 0600)
	if err != nil {
		log.Fatal(err)
	}

	terraformContents, err := os.ReadFile(filepath.Join(src, "terraform-mapping.json"))
	if err != nil {
		log.Fatal(err)
	}

	var mapping interface{}
	err = json.Unmarshal(terraformContents, &mapping)
	if err != nil {
		log.Fatalf("cannot deserialize terraform mapping: %v", err)
	}

	embeddedMapping, err := json.Marshal(mapping)
	if err != nil {
		log.Fatalf("cannot reserialize terraform mapping: %v", err)
	}

	err = os.WriteFile("./terraform-mapping-embed.json", embeddedMapping, 0600)
	if err != nil {
		log.Fatal(err)
	}
}
