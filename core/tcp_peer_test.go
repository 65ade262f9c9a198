package core

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"

	"golang.org/x/sys/unix"
)

// A peer that half-closes while the server's reply is still queued behind
// a tiny send buffer gets all of it: the reply written on DataReceived,
// and the part written on ReadConnectionLost, before the close.
func TestTCPHalfCloseSmallSendBufferLosesNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		body, tail := pattern(256<<10, 3), []byte("and the end")
		_, addr := listen(t, l, one(func() Protocol {
			p := &halfProto{}
			p.made = func(tr Transport) {
				_ = unix.SetsockoptInt(tr.(*tcpConn).fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4096)
			}
			p.data = func([]byte) { p.t.Write(body) }
			p.readLost = func() {
				p.t.Write(tail)
				p.t.LoseConnection()
			}
			return p
		}))
		var got []byte
		serveWhile(t, l, func() {
			c := dial(t, addr)
			if c == nil {
				return
			}
			defer c.Close()
			_, _ = c.Write([]byte("q"))
			_ = c.CloseWrite()
			var err error
			if got, err = io.ReadAll(c); err != nil {
				t.Errorf("read: %v", err)
			}
		})
		checkBytes(t, "reply", got, append(bytes.Clone(body), tail...))
	})
}

// A peer that resets the connection while the server is receiving makes
// the protocol hear ConnectionLost with ErrConnectionLost, once, and the
// loop goes on serving.
func TestTCPPeerResetMidReceive(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var reasons []error
		received := make(chan struct{}, 1)
		first := true
		_, addr := listen(t, l, FactoryFunc(func(net.Addr) Protocol {
			if !first {
				return new(Echo)
			}
			first = false
			p := &testProto{}
			p.data = func([]byte) {
				select {
				case received <- struct{}{}:
				default:
				}
			}
			p.lost = func(err error) { reasons = append(reasons, err) }
			return p
		}))
		serveWhile(t, l, func() {
			c := dial(t, addr)
			if c == nil {
				return
			}
			go func() {
				for {
					if _, err := c.Write(pattern(64<<10, 1)); err != nil {
						return
					}
				}
			}()
			<-received
			_ = c.SetLinger(0)
			_ = c.Close()
			c2 := dial(t, addr)
			if c2 == nil {
				return
			}
			defer c2.Close()
			_, _ = c2.Write([]byte("still there"))
			b := make([]byte, len("still there"))
			if _, err := io.ReadFull(c2, b); err != nil || string(b) != "still there" {
				t.Errorf("echo after the reset: %q, %v", b, err)
			}
		})
		if len(reasons) != 1 || !errors.Is(reasons[0], ErrConnectionLost) {
			t.Errorf("ConnectionLost reasons %v, want one ErrConnectionLost", reasons)
		}
	})
}
