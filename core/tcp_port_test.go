package core

import (
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// 1,000 concurrent connections each get their own bytes back.
func TestTCPEchoThousandConnections(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		_, addr := listen(t, l, EchoFactory)
		const conns = 1000
		serveWhile(t, l, func() {
			var wg sync.WaitGroup
			for i := range conns {
				wg.Go(func() {
					c := dial(t, addr)
					if c == nil {
						return
					}
					defer c.Close()
					want := pattern(1000+i, byte(i))
					if _, err := c.Write(want); err != nil {
						t.Errorf("conn %d write: %v", i, err)
						return
					}
					got := make([]byte, len(want))
					if _, err := io.ReadFull(c, got); err != nil {
						t.Errorf("conn %d read: %v", i, err)
						return
					}
					checkBytes(t, fmt.Sprintf("conn %d", i), got, want)
				})
			}
			wg.Wait()
		})
	})
}

// With 250 clients waiting, accept batches are 100, 120, then 30, as in
// Twisted; a nil protocol closes each accepted socket.
func TestTCPAcceptBatches(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		built := 0
		p, addr := listen(t, l, FactoryFunc(func(net.Addr) Protocol { built++; return nil }))
		clients := make([]*net.TCPConn, 0, 250)
		defer func() {
			for _, c := range clients {
				c.Close()
			}
		}()
		for range 250 {
			c := dial(t, addr)
			if c == nil {
				return
			}
			clients = append(clients, c)
		}
		var batches []int
		for built < 250 && len(batches) < 10 {
			before := built
			if err := p.DoRead(); err != nil {
				t.Fatal(err)
			}
			batches = append(batches, built-before)
		}
		if fmt.Sprint(batches) != "[100 120 30]" {
			t.Errorf("accept batches %v, want [100 120 30]", batches)
		}
		if p.numberAccepts != 30 {
			t.Errorf("next batch %d, want 30", p.numberAccepts)
		}
		if n, err := clients[0].Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("client of a nil protocol read %d, %v; want EOF", n, err)
		}
		p.StopListening()
	})
}

// StopListening closes the socket (new clients are refused), keeps the
// accepted connections and fires its Deferred on a later pass, once no
// client can connect.
func TestTCPStopListening(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		made := make(chan Transport, 1)
		p, addr := listen(t, l, one(func() Protocol {
			return &testProto{made: func(tr Transport) { made <- tr }, data: func(b []byte) {}}
		}))
		fired := make(chan struct{})
		serveWhile(t, l, func() {
			c := dial(t, addr)
			if c == nil {
				return
			}
			defer c.Close()
			tr := <-made
			l.CallFromThread(func() {
				d := p.StopListening()
				if d.Called() {
					t.Error("StopListening's Deferred fired at once, want a later pass")
				}
				d.AddCallback(func(any) (any, error) {
					if p.Fileno() != -1 {
						t.Error("port still has a descriptor after StopListening fired")
					}
					if d2 := p.StopListening(); d2 != d {
						t.Error("second StopListening returned another Deferred")
					}
					// Closed for clients by the time the Deferred fires,
					// on a backend that cancels an Accept in flight too.
					if c2, err := net.Dial("tcp", addr); err == nil {
						c2.Close()
						t.Error("dial succeeded when StopListening's Deferred fired")
					}
					tr.Write([]byte("still connected"))
					close(fired)
					return nil, nil
				})
			})
			<-fired
			b := make([]byte, len("still connected"))
			if _, err := io.ReadFull(c, b); err != nil {
				t.Errorf("accepted connection after StopListening: %v", err)
			}
		})
	})
}

// Listening on a bad or busy address is a clear *OpError.
func TestTCPListenErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		busy, addr := listen(t, l, EchoFactory)
		defer busy.StopListening()
		cases := map[string]string{
			"127.0.0.1":              "missing port",
			"127.0.0.1:99999":        "bad port",
			"no-such-host.invalid:0": "cannot resolve",
			addr:                     "address already in use",
			"192.0.2.1:0":            "cannot assign requested address",
		}
		for in, want := range cases {
			p, err := l.ListenTCP(in, EchoFactory)
			var le *OpError
			if p != nil || !errors.As(err, &le) || !strings.Contains(err.Error(), want) {
				t.Errorf("ListenTCP(%q) = %v, %v; want an OpError mentioning %q", in, p, err, want)
			}
		}
		if _, err := l.ListenTCP("127.0.0.1:0", nil); err == nil {
			t.Error("ListenTCP with a nil factory succeeded")
		}
	})
}

// Out of descriptors, the listener frees its reserve, closes the waiting
// clients and does not keep the loop busy; it serves again once
// descriptors are back.
func TestTCPAcceptOutOfDescriptorsDoesNotSpin(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		built := 0
		_, addr := listen(t, l, FactoryFunc(func(net.Addr) Protocol { built++; return new(Echo) }))
		var waiting []*net.TCPConn
		for range 5 {
			if c := dial(t, addr); c != nil {
				waiting = append(waiting, c)
				defer c.Close()
			}
		}
		var hold []int
		release := func() {
			for _, fd := range hold {
				_ = unix.Close(fd)
			}
			hold = nil
		}
		defer release()
		for {
			fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				if err != unix.EMFILE && err != unix.ENFILE {
					t.Fatalf("exhausting descriptors: %v", err)
				}
				break
			}
			hold = append(hold, fd)
		}
		var idleWaits uint64
		recovered := make(chan struct{})
		l.CallLater(200*time.Millisecond, func() {
			idleWaits = l.Counters().Waits
			release()
			go func() {
				defer close(recovered)
				c := dial(t, addr)
				if c == nil {
					return
				}
				defer c.Close()
				_, _ = c.Write([]byte("back"))
				b := make([]byte, 4)
				if _, err := io.ReadFull(c, b); err != nil || string(b) != "back" {
					t.Errorf("echo after recovery: %q, %v", b, err)
				}
			}()
			go func() { <-recovered; l.CallFromThread(func() { _ = l.Stop() }) }()
		})
		runTestLoop(t, l)
		// A spinning loop would have waited thousands of times in 200ms.
		if idleWaits > 20 {
			t.Errorf("loop waited %d times while out of descriptors: it spins", idleWaits)
		}
		for i, c := range waiting {
			if n, err := c.Read(make([]byte, 1)); err == nil {
				t.Errorf("waiting client %d read %d bytes, want it closed", i, n)
			}
		}
		if built != 1 {
			t.Errorf("factory built %d protocols, want 1 (after recovery)", built)
		}
	})
}

// IPv6 loopback works end to end, with IPv6 addresses on both sides.
func TestTCPIPv6(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var host, peer net.Addr
		p, err := l.ListenTCP("[::1]:0", one(func() Protocol {
			e := new(Echo)
			return &testProto{
				made: func(tr Transport) { host, peer = tr.GetHost(), tr.GetPeer(); e.ConnectionMade(tr) },
				data: e.DataReceived,
			}
		}))
		if err != nil {
			t.Skipf("IPv6 loopback unavailable: %v", err)
		}
		addr := p.GetHost().String()
		if !strings.HasPrefix(addr, "[::1]:") || strings.HasSuffix(addr, ":0") {
			t.Errorf("GetHost = %s, want [::1] with a real port", addr)
		}
		var clientPeer string
		serveWhile(t, l, func() {
			c := dial(t, addr)
			if c == nil {
				return
			}
			defer c.Close()
			clientPeer = c.LocalAddr().String()
			_, _ = c.Write([]byte("six"))
			b := make([]byte, 3)
			if _, err := io.ReadFull(c, b); err != nil || string(b) != "six" {
				t.Errorf("echo over IPv6: %q, %v", b, err)
			}
		})
		if host == nil || host.String() != addr || peer.String() != clientPeer {
			t.Errorf("GetHost %v GetPeer %v, want %s and %s", host, peer, addr, clientPeer)
		}
	})
}

// After the loop stops and closes, no descriptor or goroutine remains.
func TestTCPNoLeaks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		session := func() {
			l, err := Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			_, addr := listen(t, l, EchoFactory)
			f := &testClientFactory{build: func() Protocol { return new(Echo) }}
			if _, err := l.ConnectTCP(addr, f, 0); err != nil {
				t.Fatal(err)
			}
			serveWhile(t, l, func() {
				for range 10 {
					c := dial(t, addr)
					if c == nil {
						return
					}
					_, _ = c.Write([]byte("x"))
					_, _ = c.Read(make([]byte, 1))
					c.Close()
				}
			})
		}
		session() // warms up what the process keeps (Go's own poller)
		fds, goroutines := openFDs(t), runtime.NumGoroutine()
		session()
		if after := openFDs(t); after != fds {
			t.Errorf("open descriptors %d after a session, %d before", after, fds)
		}
		if after := settledGoroutines(goroutines); after > goroutines {
			t.Errorf("goroutines %d after a session, %d before", after, goroutines)
		}
	})
}

// Listening and accepted sockets are non-blocking and close-on-exec; the
// listener reuses its address and accepted sockets disable Nagle.
func TestTCPSocketOptions(t *testing.T) {
	l := newTestLoop(t, "default")
	checked := make(chan struct{})
	p, addr := listen(t, l, one(func() Protocol {
		return &testProto{made: func(tr Transport) {
			checkSocket(t, "accepted", tr.(*tcpConn).fd, unix.IPPROTO_TCP, unix.TCP_NODELAY)
			close(checked)
		}}
	}))
	checkSocket(t, "listening", p.fd, unix.SOL_SOCKET, unix.SO_REUSEADDR)
	serveWhile(t, l, func() {
		if c := dial(t, addr); c != nil {
			defer c.Close()
			<-checked
		}
	})
}

func checkSocket(t *testing.T, what string, fd, level, opt int) {
	t.Helper()
	if v, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil || v&unix.FD_CLOEXEC == 0 {
		t.Errorf("%s socket: FD_CLOEXEC not set (%v)", what, err)
	}
	if v, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); err != nil || v&unix.O_NONBLOCK == 0 {
		t.Errorf("%s socket: O_NONBLOCK not set (%v)", what, err)
	}
	if v, err := unix.GetsockoptInt(fd, level, opt); err != nil || v == 0 {
		t.Errorf("%s socket: option %d not set (%v)", what, opt, err)
	}
}
