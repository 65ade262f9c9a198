package main

import (
	"testing"

	"github.com/reactorbench/reactorbench/internal/interop"
	"github.com/reactorbench/reactorbench/reactors"
)

// Clients no one here wrote drive the built `serve` on every backend: a
// Twisted client on its select and epoll reactors and a Node.js net client
// send 200 KiB to the echo workload, Twisted's LineReceiver sends lines to
// the lines workload, and each checks every byte it gets back. SIGTERM then
// stops the server with exit status 0.
func TestServeInterop(t *testing.T) {
	const testdata = "../../core/protocols/testdata"
	workloads := []struct {
		name    string
		clients []interop.Client
	}{
		{"echo", interop.EchoClients(testdata)},
		{"lines", interop.LineClients(testdata)},
	}
	bin := buildReactorbench(t)
	for _, name := range reactors.Names() {
		for _, w := range workloads {
			t.Run(name+"/"+w.name, func(t *testing.T) {
				s := startServe(t, bin, name, w.name)
				for _, c := range w.clients {
					t.Run(c.Name, func(t *testing.T) {
						c.Require(t)
						if err := c.Run(s.addr); err != nil {
							t.Error(err)
						}
					})
				}
				s.terminate(t)
			})
		}
	}
}
