// Command kubelet is the upstream node agent, built from the pinned k8s.io/kubernetes module: it
// runs real pods through containerd when the local cluster is started with pods.
package main

import (
	"context"
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kubelet/app"
)

func main() {
	os.Exit(cli.Run(app.NewKubeletCommand(context.Background())))
}
