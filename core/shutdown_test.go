package core

import (
	"io"
	"net"
	"testing"
)

// Once Run returns after Stop, the peers of the connections the shutdown
// closed see them closed, before Close: on every backend, including one
// that hands its removals to the kernel with its next Wait.
func TestStoppedRunClosesSocketsBeforeClose(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		made := make(chan struct{})
		_, addr := listen(t, l, one(func() Protocol { return &testProto{made: func(Transport) { close(made) }} }))
		dialed := make(chan net.Conn, 1)
		go func() {
			defer l.CallFromThread(func() { _ = l.Stop() })
			c := dial(t, addr)
			dialed <- c
			if c != nil {
				<-made
			}
		}()
		runTestLoop(t, l)
		c := <-dialed
		if c == nil {
			return
		}
		defer c.Close()
		if b, err := io.ReadAll(c); err != nil || len(b) > 0 {
			t.Errorf("after Run returned the connection read %q, %v; want it closed", b, err)
		}
	})
}
