package core

import (
	"errors"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/reactorbench/reactorbench/core/deferred"
	"golang.org/x/sys/unix"
)

// listenBacklog is the accept queue asked of listen(2); the kernel caps it
// at net.core.somaxconn. Benchmarks open thousands of connections at once.
const listenBacklog = 4096

// Accept batch sizes, as in Twisted's tcp.Port.numberAccepts.
const (
	initialAccepts = 100
	acceptsGrowth  = 20
)

// acceptRetry is how long a listener rests when it ran out of descriptors
// and has no reserve left to free.
const acceptRetry = 100 * time.Millisecond

// Port is a listening TCP socket that builds a protocol for every accepted
// connection (Twisted's tcp.Port).
type Port struct {
	loop    *Loop
	fd      int
	factory Factory
	addr    *net.TCPAddr

	numberAccepts int
	// reserve is an open /dev/null kept to be closed when accept runs out
	// of descriptors, so the waiting clients can be accepted and closed
	// instead of leaving the listener readable forever (a busy loop).
	reserve   int
	exhausted bool // descriptors ran out in this burst (logged once)

	sendBuffer int // SO_SNDBUF of accepted sockets; 0 keeps the kernel's

	closed  bool
	stopped *deferred.Deferred // fired on the pass after the socket closes

	// On a Completer (see tcp_completion.go): the live Accept's tag, the
	// first tag of this port, and whether it rests after running out of
	// descriptors.
	acceptTag, firstTag uint32
	resting             bool

	// handoff, when set, takes every accepted socket instead of this
	// loop (a Group's single acceptor, see Group.ListenTCP).
	handoff func(fd int, sa unix.Sockaddr)
}

// SetSendBuffer sets the kernel send buffer (SO_SNDBUF, which Linux
// doubles) of every connection accepted from now on; 0 keeps the
// kernel's default. A small one mimics a slow or congested link: replies
// then wait in the transport's own buffer.
func (p *Port) SetSendBuffer(bytes int) { p.sendBuffer = max(bytes, 0) }

// ListenTCP listens on addr ("host:port"; port 0 picks a free port, see
// Port.GetHost) and serves every accepted connection with a protocol from
// f. Call it on the loop's goroutine or before Run. A host name (rather
// than an IP literal or an empty host, every IPv4 address) is looked up
// at once, blocking the caller, and only its first address is listened
// on: on a running loop, pass a literal.
func (l *Loop) ListenTCP(addr string, f Factory) (*Port, error) {
	l.owner.check("Loop.ListenTCP")
	return l.listenTCP(addr, f, false)
}

// listenTCP is ListenTCP; reusePort sets SO_REUSEPORT, so that every loop
// of a Group can listen on the same address.
func (l *Loop) listenTCP(addr string, f Factory, reusePort bool) (*Port, error) {
	if f == nil {
		return nil, &OpError{Op: "listen on", Addr: addr, Err: errors.New("nil Factory")}
	}
	sa, family, err := resolveTCP(addr)
	if err != nil {
		return nil, &OpError{Op: "listen on", Addr: addr, Err: err}
	}
	fd, err := newSocket(family, unix.SOCK_STREAM)
	if err != nil {
		return nil, &OpError{Op: "listen on", Addr: addr, Err: fmt.Errorf("socket: %w", err)}
	}
	fail := func(step string, err error) (*Port, error) {
		_ = unix.Close(fd)
		return nil, &OpError{Op: "listen on", Addr: addr, Err: fmt.Errorf("%s: %w", step, err)}
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fail("setsockopt SO_REUSEADDR", err)
	}
	if reusePort {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			return fail("setsockopt SO_REUSEPORT", err)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	if err := unix.Listen(fd, listenBacklog); err != nil {
		return fail("listen", err)
	}
	reserve, err := openReserve()
	if err != nil {
		return fail("reserve a descriptor", err)
	}
	p := &Port{loop: l, fd: fd, factory: f, addr: localAddr(fd), numberAccepts: initialAccepts, reserve: reserve, firstTag: l.tags + 1}
	if err := p.watch(); err != nil {
		_ = unix.Close(reserve)
		return fail("watch", err)
	}
	l.own(p)
	return p, nil
}

// openReserve opens the descriptor a Port frees when it runs out.
func openReserve() (int, error) {
	return unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
}

// GetHost is the address the port listens on, with the real port number
// when port 0 was asked.
func (p *Port) GetHost() net.Addr { return p.addr }

// Fileno returns the listening socket, or -1 once it is closed.
func (p *Port) Fileno() int { return p.fd }

// forgetFileno drops a number closed behind the port's back and reused.
func (p *Port) forgetFileno() { p.fd = -1 }

// DoRead accepts up to numberAccepts waiting connections, growing the
// batch when it was filled and shrinking it to what came otherwise.
func (p *Port) DoRead() error {
	accepted := 0
	for accepted < p.numberAccepts && !p.closed {
		fd, sa, err := acceptNonblock(p.fd)
		switch err {
		case nil:
		case unix.EAGAIN:
			p.resize(accepted)
			return nil
		case unix.EINTR, unix.EPERM, unix.EPROTO:
			continue
		case unix.EMFILE, unix.ENFILE:
			p.shedWaiting(err)
			p.resize(accepted)
			return nil
		default: // ENOBUFS, ENOMEM, ECONNABORTED and the unexpected
			p.logAcceptError(err)
			p.resize(accepted)
			return nil
		}
		accepted++
		p.exhausted = false
		p.serve(fd, sa)
	}
	p.resize(accepted)
	return nil
}

func (p *Port) logAcceptError(err error) {
	log.Printf("core: could not accept new connection on %v: %v", p.addr, err)
}

func (p *Port) resize(accepted int) {
	if accepted == p.numberAccepts {
		p.numberAccepts += acceptsGrowth
	} else {
		p.numberAccepts = max(1, accepted)
	}
}

// serve wraps an accepted socket in a transport for the factory's
// protocol, or hands it on.
func (p *Port) serve(fd int, sa unix.Sockaddr) {
	if p.handoff != nil {
		p.handoff(fd, sa)
		return
	}
	serveAccepted(p.loop, p.factory, p.sendBuffer, fd, sa)
}

// serveAccepted starts an accepted socket on l with a protocol from f and
// the send buffer asked (0: the kernel's); a nil protocol closes the
// socket.
func serveAccepted(l *Loop, f Factory, sendBuffer, fd int, sa unix.Sockaddr) {
	peer := tcpAddrOf(sa)
	proto := buildProtocol(f, peer)
	if proto == nil {
		_ = unix.Close(fd)
		return
	}
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	if sendBuffer > 0 {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, sendBuffer)
	}
	l.counter.Accepted++
	c := newTCPConn(l, fd, peer)
	c.start(proto)
}

// buildProtocol asks the factory, treating a panic like a nil protocol.
func buildProtocol(f Factory, peer net.Addr) (proto Protocol) {
	defer func() {
		if r := recover(); r != nil {
			log.Printf("core: BuildProtocol of %T panicked: %v", f, r)
			proto = nil
		}
	}()
	return f.BuildProtocol(peer)
}

// shedWaiting handles running out of descriptors: it frees the reserve,
// accepts and closes every waiting client, then reserves again. Without a
// reserve the listener would stay readable and the loop would spin.
func (p *Port) shedWaiting(cause error) {
	if !p.exhausted {
		p.exhausted = true
		log.Printf("core: out of file descriptors accepting on %v (%v); closing waiting clients", p.addr, cause)
	}
	if p.reserve >= 0 {
		_ = unix.Close(p.reserve)
		p.reserve = -1
		for {
			fd, _, err := acceptNonblock(p.fd)
			if err != nil {
				break
			}
			_ = unix.Close(fd)
		}
		if fd, err := openReserve(); err == nil {
			p.reserve = fd
			return
		}
	}
	// No reserve to spend: stop watching the listener for a moment
	// rather than finding it readable on every pass.
	p.rest()
}

// rest stops accepting for acceptRetry, then reserves a descriptor again
// if it has none and goes on.
func (p *Port) rest() {
	p.unwatch()
	p.resting = true
	p.loop.CallLater(acceptRetry, func() {
		p.resting = false
		if p.closed {
			return
		}
		if p.reserve < 0 {
			if fd, err := openReserve(); err == nil {
				p.reserve = fd
			}
		}
		if err := p.watch(); err != nil {
			log.Printf("core: cannot watch %v again: %v", p.addr, err)
		}
	})
}

// StopListening closes the listening socket; accepted connections stay.
// The Deferred fires on the next pass, once the port is closed.
func (p *Port) StopListening() *deferred.Deferred {
	p.loop.owner.check("Port.StopListening")
	if p.stopped == nil {
		p.stopped = deferred.New(nil)
		p.ConnectionLost(ErrConnectionDone)
	}
	return p.stopped
}

// ConnectionLost closes the socket and the reserve, once.
func (p *Port) ConnectionLost(error) {
	if p.closed {
		return
	}
	p.closed = true
	p.unwatch()
	p.loop.disown(p)
	if p.fd >= 0 {
		_ = unix.Close(p.fd)
		p.fd = -1
	}
	if p.reserve >= 0 {
		_ = unix.Close(p.reserve)
		p.reserve = -1
	}
	if p.stopped == nil {
		p.stopped = deferred.New(nil)
	}
	d := p.stopped
	fire := func() { _ = d.Callback(nil) }
	if p.loop.ring != nil {
		// The multishot Accept holds the socket open for clients until
		// its cancel reaches the kernel, in the next wait.
		p.loop.afterWait = append(p.loop.afterWait, fire)
		return
	}
	p.loop.CallLater(0, fire)
}
