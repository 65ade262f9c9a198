package core

import (
	"io"
	"net"
	"testing"
	"time"
)

// The TCP transport reports Disconnecting from the moment a close is asked
// (LoseConnection, AbortConnection, StopProducing) or the peer closes, and
// not before.
func TestTCPDisconnecting(t *testing.T) {
	var _ DisconnectingTransport = (*tcpConn)(nil)
	ways := []struct {
		name  string
		close func(Transport) // nil: the peer closes
	}{
		{"LoseConnection", Transport.LoseConnection},
		{"AbortConnection", Transport.AbortConnection},
		{"StopProducing", Transport.StopProducing},
		{"peer closes", nil},
	}
	forEachBackend(t, func(t *testing.T, name string) {
		for _, w := range ways {
			t.Run(w.name, func(t *testing.T) {
				l := newTestLoop(t, name)
				var atMade, afterClose, atLost, lost bool
				p := &testProto{}
				p.made = func(tr Transport) {
					atMade = tr.(DisconnectingTransport).Disconnecting()
					if w.close != nil {
						w.close(tr)
						afterClose = tr.(DisconnectingTransport).Disconnecting()
					}
				}
				p.lost = func(error) {
					lost = true
					atLost = p.t.(DisconnectingTransport).Disconnecting()
				}
				_, addr := listen(t, l, one(func() Protocol { return p }))
				serveWhile(t, l, func() {
					// An abort may reset the connection before Dial returns.
					c, err := net.Dial("tcp", addr)
					if err != nil {
						return
					}
					defer c.Close()
					_ = c.SetDeadline(time.Now().Add(20 * time.Second))
					if w.close == nil {
						_ = c.(*net.TCPConn).CloseWrite()
					}
					_, _ = io.Copy(io.Discard, c)
				})
				if atMade || w.close != nil && !afterClose || !lost || !atLost {
					t.Errorf("Disconnecting at ConnectionMade %v, after %s %v, in ConnectionLost %v (lost %v); want false, true, true",
						atMade, w.name, afterClose, atLost, lost)
				}
			})
		}
	})
}
