package core

import (
	"errors"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/core/deferred"
)

// ConnectProtocol fires with the protocol once its ConnectionMade has run,
// on every backend; the protocol then talks to the server.
func TestConnectProtocolFiresWhenConnected(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		_, addr := listen(t, l, EchoFactory)
		var echoed []byte
		p := &testProto{}
		p.data = func(b []byte) {
			echoed = append(echoed, b...)
			if string(echoed) == "ping" {
				p.t.LoseConnection()
			}
		}
		p.lost = func(error) { _ = l.Stop() }
		var made bool
		ConnectProtocol(l, addr, p, 0).AddBoth(func(r any) (any, error) {
			if r != Protocol(p) {
				t.Errorf("ConnectProtocol fired with %v; want the protocol", r)
				_ = l.Stop()
				return nil, nil
			}
			made = p.t != nil
			p.t.Write([]byte("ping"))
			return nil, nil
		})
		runTestLoop(t, l)
		if !made || string(echoed) != "ping" {
			t.Errorf("ConnectionMade before the Deferred fired: %v; echoed %q", made, echoed)
		}
	})
}

// A refused connection, a malformed address and a cancelled attempt fail
// the Deferred.
func TestConnectProtocolFailures(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		port, addr := listen(t, l, EchoFactory)
		port.StopListening()
		if err := failureOf(ConnectProtocol(l, "nonsense", &testProto{}, 0)); err == nil {
			t.Error("a malformed address did not fail")
		}
		refused := ConnectProtocol(l, addr, &testProto{}, 0)
		refused.AddBoth(func(r any) (any, error) { _ = l.Stop(); return r, nil })
		cancelled := ConnectProtocol(l, addr, &testProto{}, 0)
		cancelled.Cancel()
		runTestLoop(t, l)
		var op *OpError
		if err := failureOf(refused); !errors.As(err, &op) || !errors.Is(err, unix.ECONNREFUSED) {
			t.Errorf("refused: %v; want an *OpError with ECONNREFUSED", err)
		}
		if err := failureOf(cancelled); !errors.Is(err, ErrConnectCancelled) {
			t.Errorf("cancelled: %v; want ErrConnectCancelled", err)
		}
	})
}

// failureOf is the error a fired Deferred failed with (nil if it did not),
// marked handled.
func failureOf(d *deferred.Deferred) error {
	r, _ := d.Result()
	f, _ := r.(*deferred.Failure)
	d.AddErrback(func(*deferred.Failure) (any, error) { return nil, nil })
	if f == nil {
		return nil
	}
	return f
}

// ConnectTCP looks a host name up off the loop goroutine, for each
// attempt; the loop goes on meanwhile, and the connection is made to the
// address found.
func TestConnectTCPResolvesOffTheLoop(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		_, addr := listen(t, l, EchoFactory)
		_, portStr, _ := net.SplitHostPort(addr)
		release := make(chan struct{})
		onLoop := make(chan bool, 1)
		old := lookupIP
		lookupIP = func(host string) ([]net.IP, error) {
			onLoop <- l.IsInIOThread()
			<-release
			if host != "echo.test" {
				return nil, errors.New("unknown host")
			}
			return []net.IP{net.IPv4(127, 0, 0, 1)}, nil
		}
		defer func() { lookupIP = old }()
		ticks := 0
		lc := NewLoopingCall(l, func() error {
			if ticks++; ticks == 3 {
				close(release) // the loop ran while the lookup blocked
			}
			return nil
		})
		lc.Start(time.Millisecond, false)
		var got any
		ConnectProtocol(l, "echo.test:"+portStr, &testProto{}, 0).AddBoth(func(r any) (any, error) {
			got = r
			_ = lc.Stop()
			_ = l.Stop()
			return nil, nil
		})
		runTestLoop(t, l)
		if <-onLoop {
			t.Error("the host name was looked up on the loop goroutine")
		}
		if _, ok := got.(Protocol); !ok {
			t.Errorf("connecting by name gave %v; want the protocol", got)
		}
	})
}
