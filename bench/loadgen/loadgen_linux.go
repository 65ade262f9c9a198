//go:build linux

package loadgen

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"golang.org/x/sys/unix"
)

// Connection states.
const (
	stConnecting = iota
	stIdle       // connected, nothing outstanding
	stBusy       // a message is outstanding
	stDead       // closed after connecting
	stFailed     // never connected
)

// maxBacklog bounds an open-loop connection's queue of late requests.
const maxBacklog = 4096

type lconn struct {
	fd    int
	state uint8
	base  byte  // the current message is ramp[base : base+Size]
	sent  int   // bytes of the message written
	got   int   // bytes of the echo received and verified
	start int64 // ns since t0 the message was (meant to be) sent
	done  int64 // round trips completed in the window
	fresh bool  // no round trip completed yet, warm-up or window
	late  []int64
}

// Generator is one load generator: one goroutine, one epoll instance,
// every socket non-blocking. Its methods are called from one goroutine.
type Generator struct {
	cfg     Config
	sa      unix.Sockaddr
	family  int
	epfd    int
	tfd     int // open-loop timer
	conns   []lconn
	events  []unix.EpollEvent
	ramp    []byte
	rbuf    []byte
	t0      time.Time
	mono0   int64 // CLOCK_MONOTONIC ns at t0
	win     int64 // window start, ns since t0
	end     int64 // window end, ns since t0; a closed loop may move it up to hardEnd
	hardEnd int64
	// inWin is set once the window has started; unserved then counts the
	// live connections without a round trip in it.
	inWin    bool
	unserved int
	// fresh counts the live connections without any round trip yet;
	// warmEnd bounds the warm-up's wait for them (MaxWarmup).
	fresh   int
	warmEnd int64
	start   int64 // the first request, ns since t0
	winT0   int64
	cpu0    int64
	// OnEdge, when set, is called as the window starts and ends (the
	// suite's load process tells its parent, which reads the server then).
	OnEdge  func(start bool)
	hist    *hdrhistogram.Histogram
	res     Result
	nextSrc int
}

// Run connects, runs the warm-up and the window, and closes: the load
// generator in one call.
func Run(cfg Config) (*Result, error) {
	g, err := New(cfg)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	if err := g.Connect(); err != nil {
		return nil, err
	}
	return g.Run()
}

// New checks cfg and opens a generator for it; Connect then opens its
// connections, Run drives them and Close releases everything.
func New(cfg Config) (*Generator, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	sa, family, err := resolve(cfg.Addr)
	if err != nil {
		return nil, err
	}
	if cfg.Spread && family != unix.AF_INET {
		return nil, errors.New("source spreading needs an IPv4 loopback address")
	}
	g := &Generator{cfg: cfg, sa: sa, family: family, epfd: -1, tfd: -1, hist: newLatencyHist()}
	g.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	g.conns = make([]lconn, cfg.Conns)
	for i := range g.conns {
		g.conns[i].fd = -1
	}
	g.events = make([]unix.EpollEvent, min(cfg.Conns+1, 4096))
	g.ramp = make([]byte, cfg.Size+256)
	for i := range g.ramp {
		g.ramp[i] = byte(i)
	}
	g.rbuf = make([]byte, max(cfg.Size+1, 64<<10))
	g.res.Conns = cfg.Conns
	g.t0 = time.Now()
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		g.Close()
		return nil, err
	}
	g.mono0 = ts.Nano()
	return g, nil
}

// resolve parses a numeric HOST:PORT (names are looked up once).
func resolve(addr string) (unix.Sockaddr, int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, 0, fmt.Errorf("address %q: %w", addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return nil, 0, fmt.Errorf("address %q: bad port", addr)
	}
	ip := net.ParseIP(host)
	if ip == nil {
		ips, err := net.LookupIP(host)
		if err != nil || len(ips) == 0 {
			return nil, 0, fmt.Errorf("address %q: cannot resolve host", addr)
		}
		ip = ips[0]
	}
	if ip4 := ip.To4(); ip4 != nil {
		sa := &unix.SockaddrInet4{Port: p}
		copy(sa.Addr[:], ip4)
		return sa, unix.AF_INET, nil
	}
	sa := &unix.SockaddrInet6{Port: p}
	copy(sa.Addr[:], ip.To16())
	return sa, unix.AF_INET6, nil
}

func (g *Generator) now() int64 { return int64(time.Since(g.t0)) }

// Close closes every connection with a reset (SO_LINGER 0), so the
// measurement leaves no TIME_WAIT behind to slow the next one's connects,
// then the generator's own descriptors.
func (g *Generator) Close() {
	for i := range g.conns {
		if g.conns[i].fd >= 0 {
			_ = unix.SetsockoptLinger(g.conns[i].fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
			unix.Close(g.conns[i].fd)
			g.conns[i].fd = -1
		}
	}
	if g.tfd >= 0 {
		unix.Close(g.tfd)
		g.tfd = -1
	}
	if g.epfd >= 0 {
		unix.Close(g.epfd)
		g.epfd = -1
	}
}

// dial starts a non-blocking connect for conns[i].
func (g *Generator) dial(i int) error {
	c := &g.conns[i]
	fd, err := unix.Socket(g.family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	if g.cfg.Spread {
		// 127.1.0.1 upward, 250 sources per /24; the port is picked at
		// connect time so each source has the whole ephemeral range.
		n := g.cfg.SourceBase + g.nextSrc
		g.nextSrc = (g.nextSrc + 1) % 4096
		src := &unix.SockaddrInet4{Addr: [4]byte{127, byte(1 + n/62500), byte(n / 250 % 250), byte(1 + n%250)}}
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
		if err := unix.Bind(fd, src); err != nil {
			unix.Close(fd)
			return err
		}
	}
	err = unix.Connect(fd, g.sa)
	if err != nil && err != unix.EINPROGRESS {
		unix.Close(fd)
		return err
	}
	if err := unix.EpollCtl(g.epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLOUT, Fd: int32(i)}); err != nil {
		unix.Close(fd)
		return err
	}
	*c = lconn{fd: fd, state: stConnecting, late: c.late[:0]}
	return nil
}

// connected finishes a connect that epoll reported; it returns false when
// the connect failed.
func (g *Generator) connected(i int) bool {
	c := &g.conns[i]
	if e, err := unix.GetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_ERROR); err != nil || e != 0 {
		return false
	}
	if err := unix.EpollCtl(g.epfd, unix.EPOLL_CTL_MOD, c.fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(i)}); err != nil {
		return false
	}
	c.state = stIdle
	return true
}

// drop closes conns[i], marking it dead (or never connected) in the counts.
func (g *Generator) drop(i int, state uint8) {
	c := &g.conns[i]
	if live := c.state == stIdle || c.state == stBusy; live {
		if g.inWin && c.done == 0 {
			g.unserved--
		}
		if c.fresh {
			g.served(c)
		}
	}
	if c.fd >= 0 {
		unix.Close(c.fd)
		c.fd = -1
	}
	c.state = state
}

// Connect opens every connection (at most 512 connects in flight, so a
// slow acceptor is not flooded with SYNs) and waits until each is up or
// has failed, or the timeout passes.
func (g *Generator) Connect() error {
	if g.cfg.Cycle {
		return nil
	}
	deadline := g.now() + int64(g.cfg.ConnectTimeout)
	next, pending := 0, 0
	for {
		for next < len(g.conns) && pending < 512 {
			if err := g.dial(next); err != nil {
				if errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE) {
					return fmt.Errorf("out of descriptors at connection %d of %d: %w", next, len(g.conns), err)
				}
				g.conns[next].state = stFailed
			} else {
				pending++
			}
			next++
		}
		if pending == 0 {
			break
		}
		left := deadline - g.now()
		if left <= 0 {
			break
		}
		n, err := unix.EpollWait(g.epfd, g.events, msCeil(left))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("epoll_wait: %w", err)
		}
		for _, ev := range g.events[:n] {
			i := int(ev.Fd)
			if g.conns[i].state != stConnecting {
				continue
			}
			pending--
			if !g.connected(i) {
				g.drop(i, stFailed)
			}
		}
	}
	for i := range g.conns {
		if g.conns[i].state == stConnecting {
			g.drop(i, stFailed)
		}
	}
	return nil
}

// msCeil is a epoll_wait timeout covering ns, at least 1 ms.
func msCeil(ns int64) int {
	return int(min((ns+999_999)/1_000_000, 1<<30))
}

// NeverConnected is how many connections the connect phase lost.
func (g *Generator) NeverConnected() int {
	n := 0
	for i := range g.conns {
		if g.conns[i].state == stFailed {
			n++
		}
	}
	return n
}

// Run drives the warm-up and the window and gathers the result.
func (g *Generator) Run() (*Result, error) {
	start := g.now()
	g.start = start
	g.win = start + int64(g.cfg.Warmup)
	g.warmEnd = g.win
	closed := !g.cfg.Cycle && g.cfg.Rate == 0
	if closed {
		g.warmEnd = start + int64(max(g.cfg.MaxWarmup, g.cfg.Warmup))
		for i := range g.conns {
			if c := &g.conns[i]; c.state == stIdle || c.state == stBusy {
				c.fresh = true
				g.fresh++
			}
		}
	}
	g.setEnd(g.win)
	var err error
	switch {
	case g.cfg.Cycle:
		err = g.runCycle()
	case g.cfg.Rate > 0:
		err = g.runOpen(start)
	default:
		err = g.runClosed()
	}
	if err != nil {
		return nil, err
	}
	r := &g.res
	r.Latency = histBuckets(g.hist)
	if !g.cfg.Cycle {
		g.tally()
	}
	return r, nil
}

// tally counts, at the window's end, the connections that never
// connected, died, or starved, and whose starving it was.
func (g *Generator) tally() {
	r := &g.res
	for i := range g.conns {
		switch c := &g.conns[i]; c.state {
		case stFailed:
			r.NeverConnected++
		case stDead:
			r.Died++
		default:
			switch {
			case c.done > 0:
			case waiting(c.fd):
				r.StarvedByClient++
			default:
				r.Starved++
			}
		}
	}
}

// waiting reports whether bytes wait unread in fd's receive queue.
func waiting(fd int) bool {
	n, err := unix.IoctlGetInt(fd, unix.SIOCINQ)
	return err == nil && n > 0
}

// served marks c, a fresh connection, as served (or gone), and takes the
// ramp's time once no live connection is left without a round trip.
func (g *Generator) served(c *lconn) {
	c.fresh = false
	if g.fresh--; g.fresh == 0 {
		g.res.Ramp = time.Duration(g.now() - g.start)
	}
}

// setEnd places the window's end (and the closed loop's bound on
// stretching it) after a window that starts at win.
func (g *Generator) setEnd(win int64) {
	g.end = win + int64(g.cfg.Duration)
	g.hardEnd = g.end
	if !g.cfg.Cycle && g.cfg.Rate == 0 {
		g.hardEnd = win + int64(max(g.cfg.MaxDuration, g.cfg.Duration))
	}
}

// tick starts the window once its time has come, reading the CPU and
// counting the connections yet to be served. A closed loop's warm-up
// waits, up to warmEnd, for every connection's first round trip.
func (g *Generator) tick(now int64) {
	if g.inWin || now < g.win {
		return
	}
	if g.fresh > 0 && now < g.warmEnd {
		g.win = min(g.warmEnd, now+int64(10*time.Millisecond))
		return
	}
	g.win = now
	g.setEnd(now)
	g.inWin, g.winT0, g.cpu0 = true, now, selfCPU()
	for i := range g.conns {
		if c := &g.conns[i]; (c.state == stIdle || c.state == stBusy) && c.done == 0 {
			g.unserved++
		}
	}
	if g.OnEdge != nil {
		g.OnEdge(true)
	}
}

// over reports whether the window has ended at now, extending a closed
// loop's window while connections are unserved and hardEnd allows.
func (g *Generator) over(now int64) bool {
	if !g.inWin || now < g.end {
		return false // a warm-up waiting for first echoes moves the window on
	}
	if g.inWin && g.unserved > 0 && g.end < g.hardEnd {
		g.end = min(g.hardEnd, now+int64(10*time.Millisecond))
		return false
	}
	return true
}

// finish closes the window: its length and the generator's CPU in it.
func (g *Generator) finish() {
	now := g.now()
	if !g.inWin {
		g.winT0, g.cpu0 = now, selfCPU()
	}
	g.res.Window = time.Duration(now - g.winT0)
	g.res.ClientCPU = time.Duration(selfCPU() - g.cpu0)
	g.res.ProcCPU = []time.Duration{g.res.ClientCPU}
	if g.OnEdge != nil {
		g.OnEdge(false)
	}
}

// selfCPU is this process's user+system CPU in ns.
func selfCPU() int64 {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// runClosed is the closed loop: every connection sends a message, waits for
// the whole echo, and sends the next.
func (g *Generator) runClosed() error {
	for i := range g.conns {
		if g.conns[i].state == stIdle {
			g.send(i, g.now())
		}
	}
	for {
		n, done, err := g.waitWindow()
		if err != nil {
			return err
		}
		if done {
			break
		}
		for _, ev := range g.events[:n] {
			g.closedEvent(ev)
		}
	}
	g.finish()
	return nil
}

// closedEvent handles one event of the closed loop: it writes what is
// left of the message, and sends the next once the whole echo is back.
func (g *Generator) closedEvent(ev unix.EpollEvent) {
	i := int(ev.Fd)
	if ev.Events&unix.EPOLLOUT != 0 && g.conns[i].state == stBusy {
		g.flush(i)
	}
	if ev.Events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 && g.receive(i) {
		g.send(i, g.now())
	}
}

// waitWindow opens the window when its time has come and waits for events
// until it opens or ends, whichever is next; done reports that it is over.
func (g *Generator) waitWindow() (n int, done bool, err error) {
	for {
		now := g.now()
		g.tick(now)
		if g.over(now) {
			return 0, true, nil
		}
		timeout := g.end - now
		if !g.inWin {
			timeout = g.win - now
		}
		n, err := unix.EpollWait(g.epfd, g.events, msCeil(timeout))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, false, fmt.Errorf("epoll_wait: %w", err)
		}
		return n, false, nil
	}
}

// send starts the next message on conns[i], meant to go at start.
func (g *Generator) send(i int, start int64) {
	c := &g.conns[i]
	c.base = byte(uint32(i)*131 + uint32(c.base)*7 + 1)
	c.sent, c.got, c.start, c.state = 0, 0, start, stBusy
	g.flush(i)
}

// flush writes what is left of the message, asking for EPOLLOUT when the
// socket is full and dropping it when the write fails.
func (g *Generator) flush(i int) {
	c := &g.conns[i]
	for c.sent < g.cfg.Size {
		msg := g.ramp[int(c.base)+c.sent : int(c.base)+g.cfg.Size]
		n, err := unix.Write(c.fd, msg)
		if g.inWin {
			g.res.Writes++
			if n > 0 && n < len(msg) {
				g.res.PartialWrites++
			}
		}
		if err == unix.EAGAIN {
			_ = unix.EpollCtl(g.epfd, unix.EPOLL_CTL_MOD, c.fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLOUT, Fd: int32(i)})
			return
		}
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			g.drop(i, stDead)
			return
		}
		wasPartial := c.sent > 0
		c.sent += n
		if wasPartial && c.sent == g.cfg.Size {
			_ = unix.EpollCtl(g.epfd, unix.EPOLL_CTL_MOD, c.fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(i)})
		}
	}
}

// receive reads and verifies echoed bytes on conns[i]; it returns true when
// a round trip completed (and records it).
func (g *Generator) receive(i int) bool {
	c := &g.conns[i]
	if c.fd < 0 {
		return false
	}
	n, err := unix.Read(c.fd, g.rbuf)
	if g.inWin {
		g.res.Reads++
	}
	if err == unix.EAGAIN || err == unix.EINTR {
		if g.inWin {
			g.res.ReadsAgain++
		}
		return false
	}
	if err != nil || n == 0 {
		g.drop(i, stDead)
		return false
	}
	want := g.ramp[int(c.base)+c.got : int(c.base)+g.cfg.Size]
	if c.state != stBusy || n > len(want) || !bytes.Equal(g.rbuf[:n], want[:n]) {
		g.corrupt(i, n)
		return false
	}
	c.got += n
	if c.got < g.cfg.Size {
		return false
	}
	now := g.now()
	c.state = stIdle
	if c.fresh {
		g.served(c)
	}
	// The window runs from tick to finish, batches included that end past
	// g.end: a round trip counts when the time it took does.
	if g.inWin {
		if c.done == 0 {
			g.unserved--
		}
		c.done++
		g.res.RoundTrips++
		_ = g.hist.RecordValue(now - c.start)
	}
	return true
}

// corrupt records a wrong echo on conns[i] and drops the connection.
func (g *Generator) corrupt(i, n int) {
	c := &g.conns[i]
	g.res.Corrupt++
	if g.res.Err == "" {
		switch {
		case c.state != stBusy:
			g.res.Err = fmt.Sprintf("connection %d: %d bytes arrived with nothing outstanding", i, n)
		case n > g.cfg.Size-c.got:
			g.res.Err = fmt.Sprintf("connection %d: %d bytes arrived, only %d were outstanding", i, n, g.cfg.Size-c.got)
		default:
			for k := 0; k < n; k++ {
				if want := byte(int(c.base) + c.got + k); g.rbuf[k] != want {
					g.res.Err = fmt.Sprintf("connection %d: byte %d of the echo is %#02x, sent %#02x", i, c.got+k, g.rbuf[k], want)
					break
				}
			}
		}
	}
	g.drop(i, stDead)
}

// PingAll makes one round trip on every connection that is up, so the
// server has accepted each and built its state, waiting at most timeout.
// It returns how many connections answered.
func (g *Generator) PingAll(timeout time.Duration) (int, error) {
	outstanding := 0
	for i := range g.conns {
		if g.conns[i].state == stIdle {
			g.send(i, g.now())
			if g.conns[i].state == stBusy {
				outstanding++
			}
		}
	}
	deadline := g.now() + int64(timeout)
	answered := 0
	for outstanding > 0 {
		left := deadline - g.now()
		if left <= 0 {
			break
		}
		n, err := unix.EpollWait(g.epfd, g.events, msCeil(left))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return answered, fmt.Errorf("epoll_wait: %w", err)
		}
		for _, ev := range g.events[:n] {
			i := int(ev.Fd)
			if g.conns[i].state != stBusy {
				continue
			}
			if ev.Events&unix.EPOLLOUT != 0 {
				g.flush(i)
			}
			if g.receive(i) {
				answered++
				outstanding--
			} else if g.conns[i].state == stDead {
				outstanding--
			}
		}
	}
	if g.res.Corrupt > 0 {
		return answered, g.res.Error()
	}
	return answered, nil
}

// runOpen is the open loop: requests are due at a fixed total rate, round
// robin over the connections; a connection still busy queues the request,
// and latency runs from when the request was due, so a stalled server
// shows in the histogram instead of slowing the generator down.
func (g *Generator) runOpen(start int64) error {
	var err error
	g.tfd, err = unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return fmt.Errorf("timerfd_create: %w", err)
	}
	tag := int32(len(g.conns)) // the timer's epoll tag: past the last connection
	if err := unix.EpollCtl(g.epfd, unix.EPOLL_CTL_ADD, g.tfd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: tag}); err != nil {
		return fmt.Errorf("epoll_ctl timerfd: %w", err)
	}
	interval := float64(time.Second) / g.cfg.Rate
	var k int64 // requests issued so far
	rr := 0
	var tbuf [8]byte
	armed := int64(-1)
	for {
		now := g.now()
		g.tick(now)
		if g.over(now) {
			break
		}
		// Issue every request due by now and before the window's end.
		for {
			due := start + int64(float64(k)*interval)
			if due > now || due >= g.end {
				break
			}
			k++
			i, ok := g.nextLive(&rr)
			if !ok {
				// No connection is up: skip the requests due by now
				// rather than search for one once per request.
				k = max(k, int64(float64(now-start)/interval)+1)
				break
			}
			c := &g.conns[i]
			switch {
			case c.state == stIdle:
				g.send(i, due)
			case len(c.late) < maxBacklog:
				c.late = append(c.late, due)
			default:
				g.res.Overrun++
			}
		}
		if due := min(start+int64(float64(k)*interval), g.end); due != armed {
			armed = due
			ts := unix.NsecToTimespec(g.mono0 + due)
			if err := unix.TimerfdSettime(g.tfd, unix.TFD_TIMER_ABSTIME, &unix.ItimerSpec{Value: ts}, nil); err != nil {
				return fmt.Errorf("timerfd_settime: %w", err)
			}
		}
		n, err := unix.EpollWait(g.epfd, g.events, msCeil(g.end-now))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("epoll_wait: %w", err)
		}
		for _, ev := range g.events[:n] {
			if ev.Fd == tag {
				_, _ = unix.Read(g.tfd, tbuf[:])
				continue
			}
			i := int(ev.Fd)
			if ev.Events&unix.EPOLLOUT != 0 && g.conns[i].state == stBusy {
				g.flush(i)
			}
			if ev.Events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 && g.receive(i) {
				if c := &g.conns[i]; len(c.late) > 0 {
					due := c.late[0]
					c.late = c.late[:copy(c.late, c.late[1:])]
					g.send(i, due)
				}
			}
		}
	}
	g.recordUnanswered()
	g.finish()
	return nil
}

// recordUnanswered records each open-loop request that was due in the
// window and is still unanswered at its end at its age then, a lower
// bound of its latency: leaving it out would hide a server that stalled
// as the window closed (coordinated omission at the window's edge).
func (g *Generator) recordUnanswered() {
	record := func(due int64) {
		if due >= g.win && due < g.end {
			_ = g.hist.RecordValue(g.end - due)
			g.res.Unanswered++
		}
	}
	for i := range g.conns {
		c := &g.conns[i]
		if c.state == stBusy {
			record(c.start)
		}
		for _, due := range c.late {
			record(due)
		}
	}
}

// nextLive returns the next connection, round robin from *rr, that is up.
func (g *Generator) nextLive(rr *int) (int, bool) {
	for range g.conns {
		i := *rr
		*rr = (*rr + 1) % len(g.conns)
		if s := g.conns[i].state; s == stIdle || s == stBusy {
			return i, true
		}
	}
	return 0, false
}

// runCycle is the connect workload: each of Conns connectors connects,
// makes one round trip, closes, and starts again; a cycle's latency runs
// from the connect to the verified echo.
func (g *Generator) runCycle() error {
	for i := range g.conns {
		if err := g.dial(i); err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		g.conns[i].start = g.now()
	}
	for {
		n, done, err := g.waitWindow()
		if err != nil {
			return err
		}
		if done {
			break
		}
		for _, ev := range g.events[:n] {
			i := int(ev.Fd)
			c := &g.conns[i]
			switch c.state {
			case stConnecting:
				if !g.connected(i) {
					g.res.NeverConnected++
					g.drop(i, stFailed)
					break
				}
				start := c.start
				g.send(i, start)
			case stBusy:
				if ev.Events&unix.EPOLLOUT != 0 {
					g.flush(i)
				}
				if !g.receive(i) {
					if c.state == stDead {
						g.res.Died++
					}
					break
				}
				if g.inWin {
					g.res.Cycles++
				}
				g.drop(i, stIdle)
			}
			if c.state == stIdle || c.state == stFailed || c.state == stDead {
				if c.state == stDead && g.res.Corrupt > 0 {
					continue // a wrong server: stop cycling this connector
				}
				if err := g.dial(i); err != nil {
					return fmt.Errorf("connect: %w", err)
				}
				c.start = g.now()
			}
		}
	}
	g.finish()
	return nil
}
