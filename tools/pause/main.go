// Command pause is the local cluster's pod sandbox process (what registry.k8s.io/pause is
// elsewhere, which cannot be pulled here): PID 1 of every pod's sandbox, holding its namespaces. It
// sleeps until SIGTERM or SIGINT and reaps the zombies a PID 1 inherits. Built static
// (CGO_ENABLED=0), so its image needs no other file.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		// Reap every child that has exited; WNOHANG returns 0 when none is left to reap.
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
