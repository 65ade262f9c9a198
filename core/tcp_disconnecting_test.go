package core

import (
	"errors"
	"io"
	"net"
	"slices"
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

// stopAtLine is a LineReceiver's handler that echoes lines and, at the
// line "stop", stops the transport directly, not through the receiver, so
// only the transport's Disconnecting tells the receiver to stop.
type stopAtLine struct {
	LineReceiver
	raw   Transport // the connection's own transport
	made  chan struct{}
	lines []string
	lost  error
}

func (s *stopAtLine) ConnectionMade(t Transport) {
	s.raw = t
	// Reads wait until the client has sent everything, so that all its
	// lines come in one DataReceived.
	t.PauseProducing()
	s.LineReceiver.ConnectionMade(t)
	close(s.made)
}

func (s *stopAtLine) LineReceived(line []byte) {
	s.lines = append(s.lines, string(line))
	s.SendLine(line)
	if string(line) == "stop" {
		s.raw.StopProducing()
	}
}

// ConnectionLost records the reason; the receiver's own, which it
// replaces, only drops a buffer the test does not look at.
func (s *stopAtLine) ConnectionLost(reason error) { s.lost = reason }

// A LineReceiver over TCP delivers no line after its transport starts
// disconnecting on its own: the lines after "stop", already read in the
// same chunk, are dropped, and the client reads the echo up to "stop" and
// then a clean close.
func TestTCPLineReceiverStopsWhenTransportDisconnects(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		s := &stopAtLine{made: make(chan struct{})}
		s.Handler = s
		_, addr := listen(t, l, one(func() Protocol { return s }))
		var echoed []byte
		serveWhile(t, l, func() {
			c := dial(t, addr)
			if c == nil {
				return
			}
			defer c.Close()
			<-s.made
			if _, err := c.Write([]byte("one\r\nstop\r\ntwo\r\nthree\r\n")); err != nil {
				t.Error(err)
				return
			}
			l.CallFromThread(func() { s.raw.ResumeProducing() })
			var err error
			if echoed, err = io.ReadAll(c); err != nil {
				t.Errorf("client read: %v", err)
			}
		})
		if !slices.Equal(s.lines, []string{"one", "stop"}) {
			t.Errorf("lines %q; want [one stop]", s.lines)
		}
		if string(echoed) != "one\r\nstop\r\n" {
			t.Errorf("client read %q; want the echo of one and stop, then the close", echoed)
		}
		if !errors.Is(s.lost, ErrConnectionDone) {
			t.Errorf("ConnectionLost(%v); want ErrConnectionDone", s.lost)
		}
	})
}
