// A Kubernetes cluster connector from Go (`pulumi up` with the Go language host). The program is
// in ./program, so that ./inline can run the same one through the Automation API.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"pulumi-kubernetes-connector/examples/go/program"
)

func main() {
	pulumi.Run(program.Connector)
}
