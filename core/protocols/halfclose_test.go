package protocols_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/core"
	"github.com/reactorbench/reactorbench/core/protocols"
	"github.com/reactorbench/reactorbench/reactors"
)

// counting wraps a protocol and closes allIn once want bytes arrived.
type counting struct {
	core.Protocol
	want, got int
	allIn     chan struct{}
}

func (p *counting) DataReceived(b []byte) {
	p.got += len(b)
	p.Protocol.DataReceived(b)
	if p.got == p.want {
		close(p.allIn)
	}
}

// halfCounting keeps the half-closeability of the wrapped protocol.
type halfCounting struct{ *counting }

func (p halfCounting) ReadConnectionLost() {
	p.Protocol.(core.HalfCloseableProtocol).ReadConnectionLost()
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

// crlfLines returns at least n bytes of "\r\n"-terminated lines.
func crlfLines(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "line %d %s\r\n", i, bytes.Repeat([]byte{'a' + byte(i%26)}, i%97))
	}
	return b.Bytes()
}

// bytePattern returns n bytes that differ from position to position.
func bytePattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

// A peer that sends a request, shuts its write side and only then reads
// gets the whole reply back, on every backend, from Echo and the line
// echo, although with an 8 KiB send buffer the reply did not fit in the
// socket when the end of the request arrived.
func TestHalfClosingPeerGetsWholeReply(t *testing.T) {
	workloads := []struct {
		name    string
		factory core.Factory
		payload func(n int) []byte
	}{
		{"echo", protocols.EchoFactory, bytePattern},
		{"lines", protocols.LineEchoFactory, crlfLines},
	}
	for _, w := range workloads {
		if _, ok := w.factory.BuildProtocol(nil).(core.HalfCloseableProtocol); !ok {
			t.Errorf("%s is not half-closeable", w.name)
		}
	}
	for _, name := range reactors.Names() {
		for _, w := range workloads {
			for _, size := range []int{20 << 10, 60 << 10, 200 << 10} {
				t.Run(fmt.Sprintf("reactor=%s/%s/%dKiB", name, w.name, size>>10), func(t *testing.T) {
					payload := w.payload(size)
					allIn := make(chan struct{})
					f := core.FactoryFunc(func(a net.Addr) core.Protocol {
						p := &counting{Protocol: w.factory.BuildProtocol(a), want: len(payload), allIn: allIn}
						if _, ok := p.Protocol.(core.HalfCloseableProtocol); ok {
							return halfCounting{p}
						}
						return p
					})
					var got []byte
					serveTCPWith(t, name, f, func(p *core.Port) { p.SetSendBuffer(8192) }, func(_ *core.Loop, addr string) {
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
						// reading: the reply must survive either order.
						select {
						case <-allIn:
						case <-time.After(200 * time.Millisecond):
						}
						var err error
						if got, err = io.ReadAll(c); err != nil {
							t.Errorf("read: %v", err)
						}
					})
					if !bytes.Equal(got, payload) {
						t.Errorf("got %d bytes back of %d", len(got), len(payload))
					}
				})
			}
		}
	}
}
