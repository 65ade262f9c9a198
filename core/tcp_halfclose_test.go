package core

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// smallBuffers wraps the protocols of f: each accepted socket gets an
// 8 KiB send buffer, so a reply soon waits in the transport's buffer, and
// allIn is closed once want bytes have arrived.
type smallBuffers struct {
	Protocol
	want, got int
	allIn     chan struct{}
}

func (p *smallBuffers) ConnectionMade(t Transport) {
	if c, ok := t.(*tcpConn); ok {
		_ = unix.SetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 8192)
	}
	p.Protocol.ConnectionMade(t)
}

func (p *smallBuffers) DataReceived(b []byte) {
	p.got += len(b)
	p.Protocol.DataReceived(b)
	if p.got == p.want {
		close(p.allIn)
	}
}

// halfSmallBuffers keeps the half-closeability of the wrapped protocol.
type halfSmallBuffers struct{ *smallBuffers }

func (p halfSmallBuffers) ReadConnectionLost() {
	p.Protocol.(HalfCloseableProtocol).ReadConnectionLost()
}

// dialSmallWindow connects with a 4 KiB receive buffer, so the server's
// kernel takes little of its reply before the client reads.
func dialSmallWindow(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, 4096)
		})
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Errorf("dial %s: %v", addr, err)
		return nil
	}
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	return c.(*net.TCPConn)
}

// lines returns n bytes of "\r\n"-terminated lines of varied content.
func lines(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "line %d %s\r\n", i, bytes.Repeat([]byte{'a' + byte(i%26)}, i%97))
	}
	return b.Bytes()
}

// A peer that sends a request, shuts its write side and only then reads
// gets the whole reply back, on every backend, from the echo and the line
// echo protocols, although the reply did not fit in the socket when the
// end of the request arrived.
func TestTCPHalfClosingPeerGetsWholeReply(t *testing.T) {
	workloads := []struct {
		name    string
		factory Factory
		payload func(n int) []byte
	}{
		{"echo", EchoFactory, func(n int) []byte { return pattern(n, 3) }},
		{"lines", LineEchoFactory, lines},
	}
	forEachBackend(t, func(t *testing.T, name string) {
		for _, w := range workloads {
			for _, size := range []int{20 << 10, 60 << 10, 200 << 10} {
				t.Run(fmt.Sprintf("%s/%dKiB", w.name, size>>10), func(t *testing.T) {
					payload := w.payload(size)
					allIn := make(chan struct{})
					l := newTestLoop(t, name)
					_, addr := listen(t, l, FactoryFunc(func(a net.Addr) Protocol {
						p := &smallBuffers{Protocol: w.factory.BuildProtocol(a), want: len(payload), allIn: allIn}
						if _, ok := p.Protocol.(HalfCloseableProtocol); ok {
							return halfSmallBuffers{p}
						}
						return p
					}))
					var got []byte
					serveWhile(t, l, func() {
						c := dialSmallWindow(t, addr)
						if c == nil {
							return
						}
						defer c.Close()
						go func() {
							if _, err := c.Write(payload); err == nil {
								_ = c.CloseWrite()
							}
						}()
						// Let the end of the request reach the server before
						// reading: the reply must survive it either way.
						select {
						case <-allIn:
						case <-time.After(200 * time.Millisecond):
						}
						var err error
						if got, err = io.ReadAll(c); err != nil {
							t.Errorf("read: %v", err)
						}
					})
					checkBytes(t, "reply", got, payload)
				})
			}
		}
	})
}
