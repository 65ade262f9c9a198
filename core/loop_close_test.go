package core

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Close without Stop releases the listening socket and its reserve
// descriptor: 1000 loops that listen and close leak nothing, and the last
// one's port can be listened on again at once.
func TestCloseWithoutStopReleasesPorts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		before := openFDs(t)
		var addr string
		for i := range 1000 {
			l, err := Open(name)
			if err != nil {
				t.Fatal(err)
			}
			p, err := l.ListenTCP("127.0.0.1:0", EchoFactory)
			if err != nil {
				t.Fatalf("ListenTCP #%d: %v", i, err)
			}
			addr = p.GetHost().String()
			if err := l.Close(); err != nil {
				t.Fatalf("Close #%d: %v", i, err)
			}
			if p.Fileno() != -1 {
				t.Fatalf("Close #%d left the port open (fd %d)", i, p.Fileno())
			}
		}
		if after := openFDs(t); after > before {
			t.Errorf("%d descriptors open after 1000 loops, %d before", after, before)
		}
		l := newTestLoop(t, name)
		if _, err := l.ListenTCP(addr, EchoFactory); err != nil {
			t.Errorf("listen again on %s: %v", addr, err)
		}
	})
}

// Close without Stop, after Crash or without any Run, closes every
// connection, the paused ones included, and tells each protocol; the
// clients see the end of the stream.
func TestCloseWithoutStopClosesConnections(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		for _, how := range []string{"never run", "after crash"} {
			t.Run(how, func(t *testing.T) {
				before := openFDs(t)
				l, err := Open(name)
				if err != nil {
					t.Fatal(err)
				}
				made, lost := 0, 0
				_, addr := listen(t, l, one(func() Protocol {
					return &testProto{
						made: func(tr Transport) {
							made++
							if made%2 == 0 {
								tr.PauseProducing() // in no table now
							}
						},
						lost: func(reason error) {
							if errors.Is(reason, ErrConnectionLost) {
								lost++
							}
						},
					}
				}))
				var clients []net.Conn
				for range 4 {
					c := dial(t, addr)
					if c == nil {
						return
					}
					defer c.Close()
					clients = append(clients, c)
				}
				for i := 0; made < len(clients) && i < 1000; i++ {
					if err := l.Iterate(10 * time.Millisecond); err != nil {
						t.Fatal(err)
					}
				}
				if how == "after crash" {
					l.CallWhenRunning(l.Crash)
					if err := l.Run(); err != nil {
						t.Fatal(err)
					}
				}
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
				if made != len(clients) || lost != made {
					t.Errorf("%d connections made, %d told ConnectionLost; want %d each", made, lost, len(clients))
				}
				for i, c := range clients {
					if b, err := io.ReadAll(c); err != nil || len(b) > 0 {
						t.Errorf("client %d read %q, %v; want the end of the stream", i, b, err)
					}
				}
				if after := openFDs(t); after > before+len(clients) {
					t.Errorf("%d descriptors open after Close, %d before (plus %d clients)", after, before, len(clients))
				}
			})
		}
	})
}

// A protocol that closes its own socket behind the loop's back: its loss
// is reported, and the next connection, which gets the same number, is
// served, on every backend.
func TestDescriptorClosedBehindLoopIsReplaced(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		closed := make(chan int, 1)
		var victimLoss error
		conns := 0
		var second int
		port, addr := listen(t, l, one(func() Protocol {
			conns++
			if conns == 1 {
				p := &testProto{}
				p.data = func([]byte) {
					fd := p.t.(interface{ Fileno() int }).Fileno()
					_ = unix.Close(fd)
					closed <- fd
				}
				p.lost = func(reason error) { victimLoss = reason }
				return p
			}
			e := &Echo{}
			return &testProto{
				made: func(tr Transport) {
					second = tr.(interface{ Fileno() int }).Fileno()
					e.ConnectionMade(tr)
				},
				data: e.DataReceived,
			}
		}))
		var victimFd int
		var echoed []byte
		serveWhile(t, l, func() {
			// The second client's socket exists before the victim closes,
			// so the number freed goes to the server's next accept.
			c, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
			if err != nil {
				t.Error(err)
				return
			}
			defer unix.Close(c)
			_ = unix.SetsockoptTimeval(c, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Sec: 20})
			v := dial(t, addr)
			if v == nil {
				return
			}
			defer v.Close()
			if _, err := v.Write([]byte("x")); err != nil {
				t.Error(err)
				return
			}
			victimFd = <-closed
			ta := port.addr
			if err := unix.Connect(c, &unix.SockaddrInet4{Port: ta.Port, Addr: [4]byte(ta.IP.To4())}); err != nil {
				t.Errorf("connect: %v", err)
				return
			}
			if _, err := unix.Write(c, []byte("still served")); err != nil {
				t.Error(err)
				return
			}
			for len(echoed) < len("still served") {
				var b [64]byte
				n, err := unix.Read(c, b[:])
				if err != nil || n == 0 {
					t.Errorf("second connection read %q, then %d, %v", echoed, n, err)
					return
				}
				echoed = append(echoed, b[:n]...)
			}
		})
		if second != victimFd {
			t.Skipf("the kernel gave the second connection %d, not the closed %d", second, victimFd)
		}
		if string(echoed) != "still served" {
			t.Errorf("second connection echoed %q", echoed)
		}
		if !errors.Is(victimLoss, ErrConnectionLost) {
			t.Errorf("the protocol that closed its socket heard %v; want a loss", victimLoss)
		}
	})
}

// With the number of a registered descriptor reused by a new one, the old
// one hears ErrFdescReused on the next pass and the new one is watched,
// even with the same interest (the case where epoll used to skip the Set).
func TestAddReaderWithReusedNumber(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		fd, _ := socketPair(t)
		var oldLoss error
		old := &fdDesc{fd: fd, lost: func(err error) { oldLoss = err }}
		if err := l.AddReader(old); err != nil {
			t.Fatal(err)
		}
		_ = unix.Close(fd) // behind the loop's back
		fd2, peer2 := socketPair(t)
		if fd2 != fd {
			t.Skipf("the kernel gave the new socket %d, not the closed %d", fd2, fd)
		}
		reads := 0
		fresh := &fdDesc{fd: fd, read: func() { reads++ }}
		if err := l.AddReader(fresh); err != nil {
			t.Fatal(err)
		}
		if _, err := unix.Write(peer2, []byte{1}); err != nil {
			t.Fatal(err)
		}
		for i := 0; (reads == 0 || oldLoss == nil) && i < 100; i++ {
			if err := l.Iterate(100 * time.Millisecond); err != nil {
				t.Fatal(err)
			}
		}
		if reads == 0 {
			t.Error("the descriptor with the reused number was never read")
		}
		if !errors.Is(oldLoss, ErrFdescReused) {
			t.Errorf("the old descriptor heard %v; want ErrFdescReused", oldLoss)
		}
		l.RemoveReader(fresh)
	})
}

// fdDesc is a ReadDescriptor over a raw descriptor.
type fdDesc struct {
	fd   int
	read func()
	lost func(error)
}

func (d *fdDesc) Fileno() int { return d.fd }

func (d *fdDesc) DoRead() error {
	var b [64]byte
	_, _ = unix.Read(d.fd, b[:])
	if d.read != nil {
		d.read()
	}
	return nil
}

func (d *fdDesc) ConnectionLost(err error) {
	if d.lost != nil {
		d.lost(err)
	}
}
