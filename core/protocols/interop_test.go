package protocols_test

import (
	"testing"

	"github.com/reactorbench/reactorbench/core"
	"github.com/reactorbench/reactorbench/core/protocols"
	"github.com/reactorbench/reactorbench/internal/interop"
	"github.com/reactorbench/reactorbench/reactors"
)

// Clients no one here wrote (Twisted on its select and epoll reactors,
// Node.js net) send 200 KiB in pieces to our echo server, and Twisted's
// LineReceiver sends lines to our line echo server, on every backend; each
// checks every byte it gets back.
func TestInteropForeignClientsDriveOurEcho(t *testing.T) {
	servers := []struct {
		factory core.Factory
		clients []interop.Client
	}{
		{protocols.EchoFactory, interop.EchoClients("testdata")},
		{protocols.LineEchoFactory, interop.LineClients("testdata")},
	}
	for _, name := range reactors.Names() {
		t.Run("reactor="+name, func(t *testing.T) {
			for _, s := range servers {
				for _, c := range s.clients {
					t.Run(c.Name, func(t *testing.T) {
						c.Require(t)
						serveTCP(t, name, s.factory, func(_ *core.Loop, addr string) {
							if err := c.Run(addr); err != nil {
								t.Error(err)
							}
						})
					})
				}
			}
		})
	}
}
