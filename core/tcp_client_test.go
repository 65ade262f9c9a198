package core

import (
	"bytes"
	"errors"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// testClientFactory is a ClientFactory made of optional functions.
type testClientFactory struct {
	build  func() Protocol
	failed func(c *Connector, reason error)
	lost   func(c *Connector, reason error)
}

func (f *testClientFactory) BuildProtocol(net.Addr) Protocol {
	if f.build == nil {
		return nil
	}
	return f.build()
}

func (f *testClientFactory) ClientConnectionFailed(c *Connector, reason error) {
	if f.failed != nil {
		f.failed(c, reason)
	}
}

func (f *testClientFactory) ClientConnectionLost(c *Connector, reason error) {
	if f.lost != nil {
		f.lost(c, reason)
	}
}

// stopLoop stops l from one of its callbacks.
func stopLoop(l *Loop) { _ = l.Stop() }

// ConnectTCP reaches our echo server; the client's protocol sends 200 KiB
// in pieces and gets every byte back, and the factory hears the clean loss.
func TestConnectTCPEcho(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		_, addr := listen(t, l, EchoFactory)
		want := pattern(200<<10, 9)
		var got bytes.Buffer
		var lostReason error
		var peer, dest net.Addr
		f := &testClientFactory{
			build: func() Protocol {
				p := &testProto{}
				p.made = func(tr Transport) {
					peer = tr.GetPeer()
					for i := 0; i < len(want); i += 1000 {
						tr.Write(want[i:min(i+1000, len(want))])
					}
				}
				p.data = func(b []byte) {
					got.Write(b)
					if got.Len() >= len(want) {
						p.t.LoseConnection()
					}
				}
				return p
			},
			failed: func(_ *Connector, err error) { t.Errorf("ClientConnectionFailed(%v)", err); stopLoop(l) },
			lost:   func(_ *Connector, err error) { lostReason = err; stopLoop(l) },
		}
		c, err := l.ConnectTCP(addr, f, 0)
		if err != nil {
			t.Fatal(err)
		}
		dest = c.GetDestination()
		if err := c.Connect(); !errors.Is(err, ErrConnectorBusy) {
			t.Errorf("Connect while connecting: %v, want ErrConnectorBusy", err)
		}
		runTestLoop(t, l)
		checkBytes(t, "echoed", got.Bytes(), want)
		if !errors.Is(lostReason, ErrConnectionDone) {
			t.Errorf("ClientConnectionLost(%v), want ErrConnectionDone", lostReason)
		}
		if peer.String() != addr || dest.String() != addr {
			t.Errorf("GetPeer %v, GetDestination %v, want %s", peer, dest, addr)
		}
		if c.timeout != DefaultConnectTimeout {
			t.Errorf("timeout %v for 0, want DefaultConnectTimeout", c.timeout)
		}
	})
}

// A nil protocol from a client factory closes the connection, which the
// factory hears as a clean loss.
func TestConnectTCPNilProtocol(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		_, addr := listen(t, l, EchoFactory)
		var reason error
		f := &testClientFactory{lost: func(_ *Connector, err error) { reason = err; stopLoop(l) }}
		if _, err := l.ConnectTCP(addr, f, time.Minute); err != nil {
			t.Fatal(err)
		}
		runTestLoop(t, l)
		if !errors.Is(reason, ErrConnectionDone) {
			t.Errorf("ClientConnectionLost(%v), want ErrConnectionDone", reason)
		}
	})
}

// socketOn returns a non-blocking socket bound to 127.0.0.1:0, closed when
// the test ends.
func socketOn(t *testing.T) int {
	t.Helper()
	fd, err := newSocket(unix.AF_INET, unix.SOCK_STREAM)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	return fd
}

// reservedPort returns an address whose port is bound but not listening,
// so a connection to it is refused.
func reservedPort(t *testing.T) string {
	return localAddr(socketOn(t)).String()
}

// A refused connection reaches ClientConnectionFailed with ECONNREFUSED
// inside an *OpError, on a later pass, and the connector can retry.
func TestConnectTCPRefused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		addr := reservedPort(t)
		var reasons []error
		inside := false
		f := &testClientFactory{
			build: func() Protocol { t.Error("BuildProtocol for a refused connection"); return nil },
			failed: func(c *Connector, err error) {
				if inside {
					t.Error("ClientConnectionFailed ran inside ConnectTCP")
				}
				if reasons = append(reasons, err); len(reasons) == 1 {
					if err := c.Connect(); err != nil {
						t.Errorf("retry Connect: %v", err)
					}
					return
				}
				stopLoop(l)
			},
		}
		inside = true
		_, err := l.ConnectTCP(addr, f, time.Minute)
		inside = false
		if err != nil {
			t.Fatal(err)
		}
		runTestLoop(t, l)
		for _, r := range reasons {
			var ce *OpError
			if !errors.As(r, &ce) || !errors.Is(r, unix.ECONNREFUSED) {
				t.Errorf("reason %v, want an OpError wrapping ECONNREFUSED", r)
			}
		}
		if len(reasons) != 2 {
			t.Errorf("%d failures, want 2 (attempt and retry)", len(reasons))
		}
	})
}

// blackhole returns the address of a listener whose accept queue is full
// and never drained: new connection attempts stay unanswered.
func blackhole(t *testing.T) string {
	t.Helper()
	fd := socketOn(t)
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := unix.Getsockname(fd)
	for range 4 {
		_ = unix.Connect(socketOn(t), sa)
	}
	return localAddr(fd).String()
}

// An unanswered attempt fails with ErrConnectTimeout after the timeout.
func TestConnectTCPTimeout(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var reason error
		f := &testClientFactory{failed: func(_ *Connector, err error) { reason = err; stopLoop(l) }}
		if _, err := l.ConnectTCP(blackhole(t), f, 50*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		runTestLoop(t, l)
		if !errors.Is(reason, ErrConnectTimeout) {
			t.Errorf("ClientConnectionFailed(%v), want ErrConnectTimeout", reason)
		}
	})
}

// StopConnecting abandons the attempt with ErrConnectCancelled; a second
// call fails with ErrNotConnecting.
func TestConnectTCPStopConnecting(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var reasons []error
		f := &testClientFactory{failed: func(_ *Connector, err error) { reasons = append(reasons, err) }}
		c, err := l.ConnectTCP(blackhole(t), f, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		l.CallLater(0, func() {
			if err := c.StopConnecting(); err != nil {
				t.Errorf("StopConnecting: %v", err)
			}
			if err := c.StopConnecting(); !errors.Is(err, ErrNotConnecting) {
				t.Errorf("second StopConnecting: %v, want ErrNotConnecting", err)
			}
			l.CallLater(0, func() { stopLoop(l) })
		})
		runTestLoop(t, l)
		if len(reasons) != 1 || !errors.Is(reasons[0], ErrConnectCancelled) {
			t.Errorf("failures %v, want one ErrConnectCancelled", reasons)
		}
		if c.Fileno() != -1 {
			t.Errorf("connector keeps descriptor %d after StopConnecting", c.Fileno())
		}
	})
}

// A bad address or a nil factory is an error from ConnectTCP itself.
func TestConnectTCPBadArguments(t *testing.T) {
	l := newTestLoop(t, "default")
	for _, addr := range []string{"nohostport", "127.0.0.1:x", "127.0.0.1:70000"} {
		if _, err := l.ConnectTCP(addr, &testClientFactory{}, 0); err == nil {
			t.Errorf("ConnectTCP(%q) succeeded", addr)
		}
	}
	if _, err := l.ConnectTCP("127.0.0.1:1", nil, 0); err == nil {
		t.Error("ConnectTCP with a nil factory succeeded")
	}
}
