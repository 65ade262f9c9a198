package core

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// AcceptStrategy is how a Group spreads new connections over its loops.
type AcceptStrategy int

// The accept strategies.
const (
	// AcceptDefault is AcceptReusePort on Linux, AcceptRoundRobin elsewhere.
	AcceptDefault AcceptStrategy = iota
	// AcceptReusePort gives every loop a listening socket of its own on
	// the same address (SO_REUSEPORT); the kernel hashes each new
	// connection's address pair onto one of them, so a few connections
	// may well land on one loop. Linux only: macOS and the BSDs do not
	// balance such sockets.
	AcceptReusePort
	// AcceptRoundRobin listens on the first loop only, which hands the
	// accepted sockets to the loops in turn.
	AcceptRoundRobin
	// AcceptLeastConn is AcceptRoundRobin to the loop with the fewest open
	// connections (ties in turn).
	AcceptLeastConn
)

var acceptNames = [...]string{"default", "reuseport", "roundrobin", "leastconn"}

// String is the strategy's name, as ParseAcceptStrategy reads it.
func (s AcceptStrategy) String() string {
	if s < 0 || int(s) >= len(acceptNames) {
		return fmt.Sprintf("AcceptStrategy(%d)", int(s))
	}
	return acceptNames[s]
}

// ParseAcceptStrategy reads "default", "reuseport", "roundrobin" or
// "leastconn".
func ParseAcceptStrategy(name string) (AcceptStrategy, error) {
	for i, n := range acceptNames {
		if n == name {
			return AcceptStrategy(i), nil
		}
	}
	return 0, fmt.Errorf("core: unknown accept strategy %q (want one of %v)", name, acceptNames)
}

// resolve turns AcceptDefault into this system's choice and rejects what
// it cannot do.
func (s AcceptStrategy) resolve() (AcceptStrategy, error) {
	reusePortBalances := runtime.GOOS == "linux"
	switch s {
	case AcceptDefault:
		if reusePortBalances {
			return AcceptReusePort, nil
		}
		return AcceptRoundRobin, nil
	case AcceptReusePort:
		if !reusePortBalances {
			return 0, fmt.Errorf("core: accept strategy reuseport: %s does not balance SO_REUSEPORT sockets (use roundrobin or leastconn)", runtime.GOOS)
		}
	case AcceptRoundRobin, AcceptLeastConn:
	default:
		return 0, fmt.Errorf("core: unknown accept strategy %d", int(s))
	}
	return s, nil
}

// GroupPort is where a Group listens: one Port per loop (reuseport) or
// one on the first loop (an acceptor).
type GroupPort struct {
	group  *Group
	ports  []*Port
	owners []*member // owners[i] runs ports[i]
	addr   net.Addr

	stopOnce sync.Once
	stopped  chan struct{}
}

// ListenTCP listens on addr with the group's accept strategy. factoryFor
// is called once per loop, before ListenTCP returns, for the Factory that
// builds the protocols of that loop's connections; BuildProtocol then
// runs on that loop's goroutine. Call it before Run.
func (g *Group) ListenTCP(addr string, factoryFor func(l *Loop) Factory) (*GroupPort, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.state != groupIdle {
		return nil, &OpError{Op: "listen on", Addr: addr, Err: errors.New("a group listens before Run")}
	}
	if factoryFor == nil {
		return nil, &OpError{Op: "listen on", Addr: addr, Err: errors.New("nil factory function")}
	}
	factories := make([]Factory, len(g.loops))
	for i, l := range g.loops {
		if factories[i] = factoryFor(l); factories[i] == nil {
			return nil, &OpError{Op: "listen on", Addr: addr, Err: fmt.Errorf("no Factory for loop %d", i)}
		}
	}
	gp := &GroupPort{group: g, stopped: make(chan struct{})}
	if len(g.loops) == 1 {
		// One loop needs neither a shared port nor a hand-off.
		p, err := g.loops[0].ListenTCP(addr, factories[0])
		if err != nil {
			return nil, err
		}
		gp.add(p, g.members[0])
		return gp, nil
	}
	if g.accept != AcceptReusePort {
		p, err := g.loops[0].ListenTCP(addr, factories[0])
		if err != nil {
			return nil, err
		}
		a := &acceptor{group: g, port: p, factories: factories, leastConn: g.accept == AcceptLeastConn}
		p.handoff = a.handoff
		gp.add(p, g.members[0])
		return gp, nil
	}
	for i, l := range g.loops {
		p, err := l.listenTCP(addr, factories[i], true)
		if err != nil {
			gp.closeAll()
			return nil, err
		}
		gp.add(p, g.members[i])
		if i == 0 {
			// Port 0 picked a free port: the other loops take the same.
			addr = p.GetHost().String()
		}
	}
	return gp, nil
}

func (gp *GroupPort) add(p *Port, owner *member) {
	if gp.addr == nil {
		gp.addr = p.GetHost()
	}
	gp.ports = append(gp.ports, p)
	gp.owners = append(gp.owners, owner)
}

func (gp *GroupPort) closeAll() {
	for _, p := range gp.ports {
		p.ConnectionLost(ErrConnectionDone)
	}
}

// GetHost is the address every listening socket of the port is bound to.
func (gp *GroupPort) GetHost() net.Addr { return gp.addr }

// SetSendBuffer sets the kernel send buffer of every connection accepted
// from now on (see Port.SetSendBuffer). Call it before Run.
func (gp *GroupPort) SetSendBuffer(bytes int) {
	for _, p := range gp.ports {
		p.SetSendBuffer(bytes)
	}
}

// Sockets is the number of listening sockets: Len() with reuseport, else 1.
func (gp *GroupPort) Sockets() int { return len(gp.ports) }

// StopListening closes every listening socket of the port, each on its own
// loop; accepted connections stay. Safe from any goroutine. The channel is
// closed once all are closed, each Port's Deferred has fired (or its loop
// has returned from Run, which closes them).
func (gp *GroupPort) StopListening() <-chan struct{} {
	gp.stopOnce.Do(gp.stopListening)
	return gp.stopped
}

func (gp *GroupPort) stopListening() {
	g := gp.group
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.state != groupRunning {
		gp.closeAll()
		close(gp.stopped)
		return
	}
	var wg sync.WaitGroup
	for i, p := range gp.ports {
		m := gp.owners[i]
		// The port's Deferred fires on the pass after the socket closed.
		closed := make(chan struct{})
		stop := func() {
			p.StopListening().AddBoth(func(any) (any, error) {
				close(closed)
				return nil, nil
			})
		}
		if m.loop.IsInIOThread() {
			stop()
		} else {
			m.loop.CallFromThread(stop)
		}
		wg.Go(func() {
			select {
			case <-closed:
			case <-m.exited:
			}
		})
	}
	go func() {
		wg.Wait()
		close(gp.stopped)
	}()
}

// acceptor is the handoff of a Group's single listening socket: it runs
// on the first loop and picks a loop for every accepted socket.
type acceptor struct {
	group     *Group
	port      *Port // the listening socket, on the first loop
	factories []Factory
	leastConn bool
	next      int // where the turn (and the least-connections scan) starts
}

func (a *acceptor) handoff(fd int, sa unix.Sockaddr) {
	k := a.pick()
	m := a.group.members[k]
	if k == 0 {
		serveAccepted(m.loop, a.factories[0], a.port.sendBuffer, fd, sa)
		return
	}
	m.handoffs.push(m.loop, handedConn{fd: fd, sa: sa, factory: a.factories[k], sendBuffer: a.port.sendBuffer})
}

// pick chooses the next loop; with leastConn the one with the fewest open
// connections plus those handed to it and not yet started.
func (a *acceptor) pick() int {
	n := len(a.group.members)
	k := a.next
	if a.leastConn {
		best := int64(-1)
		for j := range n {
			i := (a.next + j) % n
			m := a.group.members[i]
			if load := m.loop.conns.Load() + m.handoffs.waiting.Load(); best < 0 || load < best {
				best, k = load, i
			}
		}
	}
	a.next = (k + 1) % n
	return k
}

type handedConn struct {
	fd         int
	sa         unix.Sockaddr
	factory    Factory
	sendBuffer int
}

// handoffQueue carries accepted sockets from the acceptor's loop to the
// loop that serves them: a lock taken once per connection (never per
// event), one CallFromThread per batch. A shut queue closes what it gets,
// so no socket is left behind when its loop stops.
type handoffQueue struct {
	waiting atomic.Int64 // handed and not yet started, for AcceptLeastConn
	mu      sync.Mutex
	conns   []handedConn
	spare   []handedConn
	closed  bool
}

// push queues c for l, waking l when the queue was empty.
func (q *handoffQueue) push(l *Loop, c handedConn) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		_ = unix.Close(c.fd)
		return
	}
	q.conns = append(q.conns, c)
	first := len(q.conns) == 1
	q.waiting.Add(1)
	q.mu.Unlock()
	if first {
		l.CallFromThread(func() { q.serve(l) })
	}
}

// serve starts every queued socket on l; it runs on l.
func (q *handoffQueue) serve(l *Loop) {
	q.mu.Lock()
	batch := q.conns
	q.conns = q.spare[:0]
	q.mu.Unlock()
	for i, c := range batch {
		batch[i] = handedConn{}
		q.waiting.Add(-1)
		serveAccepted(l, c.factory, c.sendBuffer, c.fd, c.sa)
	}
	q.mu.Lock()
	q.spare = batch[:0]
	q.mu.Unlock()
}

// shut closes the queued sockets and every one pushed later.
func (q *handoffQueue) shut() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	for _, c := range q.conns {
		_ = unix.Close(c.fd)
		q.waiting.Add(-1)
	}
	q.conns = nil
}
