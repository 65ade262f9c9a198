package core

import (
	"errors"
	"io"
	"net"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/core/deferred"
)

// groupStrategies are the accept strategies this system offers.
func groupStrategies() []AcceptStrategy {
	s := []AcceptStrategy{AcceptRoundRobin, AcceptLeastConn}
	if runtime.GOOS == "linux" {
		s = append(s, AcceptReusePort)
	}
	return s
}

// forEachGroupSetup runs f for every backend and accept strategy.
func forEachGroupSetup(t *testing.T, f func(t *testing.T, backend string, accept AcceptStrategy)) {
	forEachBackend(t, func(t *testing.T, name string) {
		for _, s := range groupStrategies() {
			t.Run("accept="+s.String(), func(t *testing.T) { f(t, name, s) })
		}
	})
}

func newTestGroup(t *testing.T, cfg GroupConfig) *Group {
	t.Helper()
	g, err := OpenGroup(cfg)
	if err != nil {
		t.Fatalf("OpenGroup(%+v): %v", cfg, err)
	}
	t.Cleanup(func() { _ = g.Close() })
	return g
}

// runTestGroup runs g until it stops, crashing it (and failing the test)
// when it still runs after a generous watchdog delay.
func runTestGroup(t *testing.T, g *Group) {
	t.Helper()
	watchdog := time.AfterFunc(30*time.Second, func() {
		t.Error("watchdog: the group did not stop within 30s")
		g.Crash()
	})
	defer watchdog.Stop()
	if err := g.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// loopWatch counts, per loop, the connections its protocols saw, and
// every protocol call made off the protocol's own loop.
type loopWatch struct {
	loops    []*Loop
	made     []atomic.Int64
	lost     []atomic.Int64
	offLoop  atomic.Int64
	stopByte byte         // a loop receiving it stops itself
	stopper  atomic.Int64 // 1 + index of the loop that stopped
}

func newLoopWatch(g *Group) *loopWatch {
	return &loopWatch{loops: g.Loops(), made: make([]atomic.Int64, g.Len()), lost: make([]atomic.Int64, g.Len())}
}

// factoryFor serves every connection of loop l with an echo that passes
// the bytes through l's thread pool (so the result must come back to l)
// and checks every call is made on l.
func (w *loopWatch) factoryFor(l *Loop) Factory {
	i := slices.Index(w.loops, l)
	check := func() {
		if !l.IsInIOThread() {
			w.offLoop.Add(1)
		}
	}
	return one(func() Protocol {
		check()
		p := &testProto{}
		p.made = func(Transport) { check(); w.made[i].Add(1) }
		p.data = func(b []byte) {
			check()
			if w.stopByte != 0 && slices.Contains(b, w.stopByte) {
				w.stopper.Store(int64(i + 1))
				_ = l.Stop()
				return
			}
			b = slices.Clone(b)
			DeferToThread(l, func() (any, error) { return b, nil }).AddCallback(func(r any) (any, error) {
				check()
				p.t.Write(r.([]byte))
				return nil, nil
			})
		}
		p.lost = func(error) { check(); w.lost[i].Add(1) }
		return p
	})
}

func (w *loopWatch) totals() (made, lost int64) {
	for i := range w.made {
		made += w.made[i].Load()
		lost += w.lost[i].Load()
	}
	return made, lost
}

// dialEcho dials addr, sends one byte and waits for its echo; nil when
// that failed (already reported).
func dialEcho(t *testing.T, addr string) net.Conn {
	t.Helper()
	c := dial(t, addr)
	if c == nil {
		return nil
	}
	buf := []byte{'x'}
	if _, err := c.Write(buf); err != nil {
		t.Errorf("write: %v", err)
		c.Close()
		return nil
	}
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Errorf("read the echo: %v", err)
		c.Close()
		return nil
	}
	return c
}

// waitEOF reads until c's server side closes, failing on other errors.
func waitEOF(t *testing.T, c net.Conn) {
	t.Helper()
	if _, err := io.ReadAll(c); err != nil && !errors.Is(err, net.ErrClosed) {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("server side never closed: %v", err)
		}
	}
}

func spread(counts []Counters) (lo, hi int64) {
	lo, hi = counts[0].Conns, counts[0].Conns
	for _, c := range counts {
		lo, hi = min(lo, c.Conns), max(hi, c.Conns)
	}
	return lo, hi
}

// Connections spread over every loop; each protocol, and each result of
// its loop's thread pool, is only ever called on its own loop; the single
// acceptor balances exactly.
func TestGroupSpreadsConnections(t *testing.T) {
	forEachGroupSetup(t, func(t *testing.T, backend string, accept AcceptStrategy) {
		const loops, conns = 3, 60
		g := newTestGroup(t, GroupConfig{Backend: backend, Loops: loops, Accept: accept, LockOSThread: accept == AcceptLeastConn})
		w := newLoopWatch(g)
		gp, err := g.ListenTCP("127.0.0.1:0", func(l *Loop) Factory { return w.factoryFor(l) })
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{true: loops, false: 1}[accept == AcceptReusePort]; gp.Sockets() != want {
			t.Errorf("%d listening sockets, want %d", gp.Sockets(), want)
		}
		got := make(chan []Counters, 1)
		go func() {
			defer func() { _ = g.Stop() }()
			var open []net.Conn
			defer func() {
				for _, c := range open {
					c.Close()
				}
			}()
			for range conns {
				c := dialEcho(t, gp.GetHost().String())
				if c == nil {
					got <- nil
					return
				}
				open = append(open, c)
			}
			counts, err := g.Counters()
			if err != nil {
				t.Error(err)
			}
			got <- counts
		}()
		runTestGroup(t, g)
		counts := <-got
		if counts == nil {
			return
		}
		lo, hi := spread(counts)
		if lo == 0 {
			t.Errorf("a loop got no connection: %+v", counts)
		}
		if accept != AcceptReusePort && hi-lo > 1 {
			t.Errorf("%s: connections per loop range %d..%d, want within 1", accept, lo, hi)
		}
		var accepted uint64
		for _, c := range counts {
			accepted += c.Accepted
		}
		if accepted != conns {
			t.Errorf("accepted %d connections over the loops, want %d", accepted, conns)
		}
		if made, lost := w.totals(); made != conns || lost != conns {
			t.Errorf("made %d, lost %d, want %d each", made, lost, conns)
		}
		if n := w.offLoop.Load(); n != 0 {
			t.Errorf("%d protocol calls off their own loop", n)
		}
	})
}

// Stop of one loop, from a protocol on it, stops every loop; each closes
// its live connections, and a group "before shutdown" trigger holding a
// Deferred keeps them all open until it fires, running once.
func TestGroupStopFromOneLoopClosesAll(t *testing.T) {
	forEachGroupSetup(t, func(t *testing.T, backend string, accept AcceptStrategy) {
		const loops, conns = 3, 60
		g := newTestGroup(t, GroupConfig{Backend: backend, Loops: loops, Accept: accept})
		w := newLoopWatch(g)
		w.stopByte = 'S'
		var beforeRuns, duringRuns atomic.Int64
		lostWhenReleased := int64(-1)
		first := g.Loops()[0]
		_, _ = g.AddSystemEventTrigger(Before, Shutdown, func() *deferred.Deferred {
			beforeRuns.Add(1)
			d := deferred.New(nil)
			first.CallLater(time.Millisecond, func() {
				_, lostWhenReleased = w.totals()
				_ = d.Callback(nil)
			})
			return d
		})
		_, _ = g.AddSystemEventTrigger(During, Shutdown, func() *deferred.Deferred { duringRuns.Add(1); return nil })
		gp, err := g.ListenTCP("127.0.0.1:0", func(l *Loop) Factory { return w.factoryFor(l) })
		if err != nil {
			t.Fatal(err)
		}
		dialed := make(chan []net.Conn, 1)
		go func() {
			var open []net.Conn
			defer func() { dialed <- open }()
			for range conns {
				c := dialEcho(t, gp.GetHost().String())
				if c == nil {
					_ = g.Stop()
					return
				}
				open = append(open, c)
			}
			if _, err := open[len(open)-1].Write([]byte{'S'}); err != nil {
				t.Error(err)
				_ = g.Stop()
			}
		}()
		runTestGroup(t, g)
		for _, c := range <-dialed {
			waitEOF(t, c)
			c.Close()
		}
		made, lost := w.totals()
		if made != conns || lost != conns {
			t.Errorf("made %d, lost %d, want %d each", made, lost, conns)
		}
		for i := range w.made {
			if w.made[i].Load() == 0 {
				t.Errorf("loop %d had no connection", i)
			}
		}
		if lostWhenReleased != 0 {
			t.Errorf("%d connections lost before the group's before-shutdown Deferred fired", lostWhenReleased)
		}
		if beforeRuns.Load() != 1 || duringRuns.Load() != 1 {
			t.Errorf("group triggers ran %d (before) and %d (during) times, want once", beforeRuns.Load(), duringRuns.Load())
		}
		if accept == AcceptRoundRobin && w.stopper.Load() != loops {
			t.Errorf("loop %d stopped the group, want the last one", w.stopper.Load()-1)
		}
		if w.offLoop.Load() != 0 {
			t.Errorf("%d protocol calls off their own loop", w.offLoop.Load())
		}
	})
}

// StopListening, from a goroutine of no loop, closes every listening
// socket while the accepted connections stay.
func TestGroupStopListening(t *testing.T) {
	forEachGroupSetup(t, func(t *testing.T, backend string, accept AcceptStrategy) {
		g := newTestGroup(t, GroupConfig{Backend: backend, Loops: 2, Accept: accept})
		w := newLoopWatch(g)
		gp, err := g.ListenTCP("127.0.0.1:0", func(l *Loop) Factory { return w.factoryFor(l) })
		if err != nil {
			t.Fatal(err)
		}
		addr := gp.GetHost().String()
		go func() {
			defer func() { _ = g.Stop() }()
			c := dialEcho(t, addr)
			if c == nil {
				return
			}
			defer c.Close()
			<-gp.StopListening()
			for _, p := range gp.ports {
				if p.Fileno() != -1 {
					t.Errorf("listening socket %d still open", p.Fileno())
				}
			}
			if c2, err := net.Dial("tcp", addr); err == nil {
				c2.Close()
				t.Errorf("dial %s succeeded after StopListening", addr)
			}
			if _, err := c.Write([]byte{'y'}); err != nil {
				t.Error(err)
			}
			if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
				t.Errorf("accepted connection after StopListening: %v", err)
			}
		}()
		runTestGroup(t, g)
		if made, lost := w.totals(); made != 1 || lost != 1 {
			t.Errorf("made %d, lost %d, want 1 each", made, lost)
		}
	})
}

// A group session leaves no descriptor or goroutine behind, whether it
// stopped from outside with live connections or never ran.
func TestGroupNoLeaks(t *testing.T) {
	forEachGroupSetup(t, func(t *testing.T, backend string, accept AcceptStrategy) {
		session := func() {
			g, err := OpenGroup(GroupConfig{Backend: backend, Loops: 3, Accept: accept})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := g.Close(); err != nil {
					t.Error(err)
				}
			}()
			w := newLoopWatch(g)
			gp, err := g.ListenTCP("127.0.0.1:0", func(l *Loop) Factory { return w.factoryFor(l) })
			if err != nil {
				t.Fatal(err)
			}
			dialed := make(chan []net.Conn, 1)
			go func() {
				var open []net.Conn
				defer func() { dialed <- open; _ = g.Stop() }()
				for range 12 {
					if c := dialEcho(t, gp.GetHost().String()); c != nil {
						open = append(open, c)
					}
				}
			}()
			runTestGroup(t, g)
			for _, c := range <-dialed {
				waitEOF(t, c)
				c.Close()
			}
			idle, err := OpenGroup(GroupConfig{Backend: backend, Loops: 2, Accept: accept})
			if err != nil {
				t.Fatal(err)
			}
			if gp, err := idle.ListenTCP("127.0.0.1:0", func(l *Loop) Factory { return w.factoryFor(l) }); err != nil {
				t.Error(err)
			} else {
				<-gp.StopListening()
			}
			if err := idle.Close(); err != nil {
				t.Error(err)
			}
		}
		session() // warms up what the process keeps
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

// Stop from outside reaches every loop; CallWhenRunning runs once, on the
// first loop, after every loop started; Run cannot start twice.
func TestGroupLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		g := newTestGroup(t, GroupConfig{Backend: backend, Loops: 4})
		var whenRunning, started atomic.Int64
		for _, l := range g.Loops() {
			l.CallWhenRunning(func() { started.Add(1) })
		}
		g.CallWhenRunning(func() {
			whenRunning.Add(1)
			if !g.Loops()[0].IsInIOThread() {
				t.Error("CallWhenRunning off the first loop")
			}
			go func() {
				if err := g.Run(); !errors.Is(err, ErrReactorAlreadyRunning) {
					t.Errorf("second Run: %v", err)
				}
				if _, err := g.ListenTCP("127.0.0.1:0", func(*Loop) Factory { return one(nil) }); err == nil {
					t.Error("ListenTCP while running succeeded")
				}
				if err := g.Close(); !errors.Is(err, ErrGroupRunning) {
					t.Errorf("Close while running: %v", err)
				}
				if err := g.Stop(); err != nil {
					t.Errorf("Stop: %v", err)
				}
				if err := g.Stop(); !errors.Is(err, ErrReactorNotRunning) {
					t.Errorf("second Stop: %v", err)
				}
			}()
		})
		runTestGroup(t, g)
		if whenRunning.Load() != 1 || started.Load() != 4 {
			t.Errorf("CallWhenRunning ran %d times, loops started %d, want 1 and 4", whenRunning.Load(), started.Load())
		}
		for _, l := range g.Loops() {
			select {
			case <-l.Done():
			default:
				t.Error("a loop is not done after Run")
			}
		}
		if err := g.Run(); !errors.Is(err, ErrReactorNotRestartable) {
			t.Errorf("Run after stop: %v", err)
		}
		if err := g.Stop(); !errors.Is(err, ErrReactorNotRunning) {
			t.Errorf("Stop after Run: %v", err)
		}
	})
}

func TestOpenGroupRejects(t *testing.T) {
	for _, cfg := range []GroupConfig{
		{Loops: -1}, {Loops: MaxGroupLoops + 1}, {Backend: "nope", Loops: 1}, {Loops: 1, Accept: 99},
	} {
		if g, err := OpenGroup(cfg); err == nil {
			_ = g.Close()
			t.Errorf("OpenGroup(%+v) succeeded", cfg)
		}
	}
	g := newTestGroup(t, GroupConfig{Loops: 1})
	if _, err := g.ListenTCP("127.0.0.1:0", nil); err == nil {
		t.Error("ListenTCP with a nil factory function succeeded")
	}
	if _, err := g.ListenTCP("127.0.0.1:0", func(*Loop) Factory { return nil }); err == nil {
		t.Error("ListenTCP with a nil Factory succeeded")
	}
}

func TestParseAcceptStrategy(t *testing.T) {
	for _, s := range []AcceptStrategy{AcceptDefault, AcceptReusePort, AcceptRoundRobin, AcceptLeastConn} {
		if got, err := ParseAcceptStrategy(s.String()); err != nil || got != s {
			t.Errorf("ParseAcceptStrategy(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseAcceptStrategy("random"); err == nil {
		t.Error("ParseAcceptStrategy(random) succeeded")
	}
}
