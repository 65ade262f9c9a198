package core

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/reactorbench/reactorbench/core/deferred"
)

// MaxGroupLoops bounds GroupConfig.Loops.
const MaxGroupLoops = 1024

// Errors of a Group.
var (
	// ErrGroupRunning: ListenTCP or Close on a running Group.
	ErrGroupRunning = errors.New("core: the loop group is running")
	// ErrCalledFromGroupLoop: a call that waits for the group's loops,
	// made on one of them, where waiting could deadlock.
	ErrCalledFromGroupLoop = errors.New("core: called on one of the group's loops (it would wait for itself)")
)

// GroupConfig says how to build a Group.
type GroupConfig struct {
	// Backend is a registered backend name; "" means "default".
	Backend string
	// Loops is the number of loops; 0 means runtime.GOMAXPROCS(0).
	Loops int
	// LockOSThread locks each loop's goroutine to its own OS thread while
	// it runs.
	LockOSThread bool
	// Accept is how ListenTCP spreads connections over the loops.
	Accept AcceptStrategy
}

// Group is N loops over N pollers of one backend, each run on its own
// goroutine: Twisted's single-threaded reactor, once per core. Nothing is
// shared between loops on the per-event path; a connection lives its whole
// life on the loop that accepted it, and its protocol is only called on
// that loop's goroutine.
//
// Lifecycle: Run starts every loop and returns once all have returned.
// Stop from any goroutine, or Stop of any one loop (from a protocol on
// it), stops them all. The group's own system event triggers
// (AddSystemEventTrigger, CallWhenRunning) live on the first loop, Loops()[0],
// and run once: the other loops hold the "before" phase of startup and
// shutdown until the first loop reaches its "during" phase, so a group
// "before shutdown" trigger returning a Deferred keeps every connection of
// every loop open until it fires. Reach one loop with its CallFromThread.
//
// Thread pools: each loop keeps its own (no lock shared between loops),
// so DeferToThread called with a loop runs on that loop's pool and its
// result comes back to that loop. SuggestThreadPoolSize sets the maximum
// of every loop's pool.
type Group struct {
	loops   []*Loop
	members []*member
	lockOS  bool
	accept  AcceptStrategy

	mu       sync.Mutex // guards state against Run, ListenTCP, StopListening
	state    groupState
	stopping atomic.Bool

	// Owned by the first loop's goroutine once Run starts.
	loopsRunning int
	whenRunning  []func()
}

type groupState int

const (
	groupIdle groupState = iota
	groupRunning
	groupDone
)

// The events whose "before" phase the other loops hold for the first.
const (
	gateStartup = iota
	gateShutdown
	gates
)

// member is the group's state about one loop. Everything but the handoff
// queue (see acceptor) and exited is touched on that loop's goroutine only.
type member struct {
	loop   *Loop
	exited chan struct{} // closed when the loop's Run returned

	gate [gates]struct {
		open bool
		hold *deferred.Deferred
	}

	handoffs handoffQueue
}

// OpenGroup opens cfg.Loops loops on cfg.Backend.
func OpenGroup(cfg GroupConfig) (*Group, error) {
	n := cfg.Loops
	if n == 0 {
		n = runtime.GOMAXPROCS(0)
	}
	if n < 1 || n > MaxGroupLoops {
		return nil, fmt.Errorf("core: a group of %d loops (want 1 to %d)", cfg.Loops, MaxGroupLoops)
	}
	accept, err := cfg.Accept.resolve()
	if err != nil {
		return nil, err
	}
	name := cfg.Backend
	if name == "" {
		name = "default"
	}
	g := &Group{lockOS: cfg.LockOSThread, accept: accept}
	for range n {
		l, err := Open(name)
		if err != nil {
			_ = g.closeLoops()
			return nil, err
		}
		g.loops = append(g.loops, l)
		g.members = append(g.members, &member{loop: l, exited: make(chan struct{})})
	}
	for i, m := range g.members {
		g.join(i, m)
	}
	return g, nil
}

// join adds the triggers that tie loop i to the group.
func (g *Group) join(i int, m *member) {
	l := m.loop
	_, _ = l.AddSystemEventTrigger(Before, Shutdown, func() *deferred.Deferred {
		g.stopAll()
		return nil
	})
	if i == 0 {
		g.addBuiltin(During, Startup, func() { g.openGates(gateStartup) })
		g.addBuiltin(During, Shutdown, func() { g.openGates(gateShutdown) })
	} else {
		_, _ = l.AddSystemEventTrigger(Before, Startup, func() *deferred.Deferred { return m.hold(gateStartup) })
		_, _ = l.AddSystemEventTrigger(Before, Shutdown, func() *deferred.Deferred { return m.hold(gateShutdown) })
	}
	_, _ = l.AddSystemEventTrigger(After, Startup, func() *deferred.Deferred {
		g.loops[0].CallFromThread(g.loopStarted)
		return nil
	})
	_, _ = l.AddSystemEventTrigger(During, Shutdown, func() *deferred.Deferred {
		m.handoffs.shut()
		return nil
	})
}

func (g *Group) addBuiltin(p Phase, event string, fn func()) {
	_, _ = g.loops[0].AddSystemEventTrigger(p, event, func() *deferred.Deferred { fn(); return nil })
}

// hold is the "before" trigger of an event on a loop other than the
// first: a Deferred that fires once the first loop opens the gate.
func (m *member) hold(gate int) *deferred.Deferred {
	s := &m.gate[gate]
	if s.open {
		return nil
	}
	s.hold = deferred.New(nil)
	return s.hold
}

// openGate runs on m's loop.
func (m *member) openGate(gate int) {
	s := &m.gate[gate]
	s.open = true
	if d := s.hold; d != nil {
		s.hold = nil
		_ = d.Callback(nil)
	}
}

// openGates lets the other loops past the "before" phase of an event.
// Safe from any goroutine.
func (g *Group) openGates(gate int) {
	for _, m := range g.members[1:] {
		m.loop.CallFromThread(func() { m.openGate(gate) })
	}
}

// loopStarted runs on the first loop once per loop that reached "after
// startup"; the last one runs what CallWhenRunning queued.
func (g *Group) loopStarted() {
	g.loopsRunning++
	if g.loopsRunning != len(g.loops) {
		return
	}
	fns := g.whenRunning
	g.whenRunning = nil
	for _, fn := range fns {
		protect("CallWhenRunning", fn)
	}
}

// Loops returns the group's loops; the first holds the group's triggers
// and the single acceptor.
func (g *Group) Loops() []*Loop { return append([]*Loop(nil), g.loops...) }

// Accept is the strategy ListenTCP uses (never AcceptDefault).
func (g *Group) Accept() AcceptStrategy { return g.accept }

// Run runs every loop on its own goroutine until all have returned, and
// returns their errors joined. A loop whose Wait fails stops the others.
func (g *Group) Run() error {
	g.mu.Lock()
	switch g.state {
	case groupRunning:
		g.mu.Unlock()
		return ErrReactorAlreadyRunning
	case groupDone:
		g.mu.Unlock()
		return ErrReactorNotRestartable
	}
	g.state = groupRunning
	g.mu.Unlock()

	errs := make([]error, len(g.members))
	var wg sync.WaitGroup
	for i, m := range g.members {
		wg.Go(func() {
			defer close(m.exited)
			if g.lockOS {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
			}
			errs[i] = m.loop.Run()
			if i == 0 {
				// The first loop will not open the gates any more.
				g.openGates(gateStartup)
				g.openGates(gateShutdown)
			}
			if errs[i] != nil {
				g.stopAll()
			}
		})
	}
	wg.Wait()
	g.mu.Lock()
	g.state = groupDone
	g.mu.Unlock()
	return errors.Join(errs...)
}

// Stop stops every loop (each fires its shutdown event); safe from any
// goroutine. It fails with ErrReactorNotRunning before Run, after it, or
// once stopping.
func (g *Group) Stop() error {
	g.mu.Lock()
	running := g.state == groupRunning
	g.mu.Unlock()
	if !running || !g.stopAll() {
		return ErrReactorNotRunning
	}
	return nil
}

// stopAll asks every loop to stop, once; it reports whether this call did.
func (g *Group) stopAll() bool {
	if g.stopping.Swap(true) {
		return false
	}
	for _, l := range g.loops {
		l.CallFromThread(func() { _ = l.Stop() })
	}
	return true
}

// Crash ends every loop at once, without shutdown triggers and without
// closing connections (see Loop.Crash); safe from any goroutine. Unlike
// a Loop, a crashed group does not run again: Close it.
func (g *Group) Crash() {
	for _, l := range g.loops {
		l.CallFromThread(l.Crash)
	}
}

// AddSystemEventTrigger adds a trigger that runs once for the group, on
// the first loop. Call it before Run or on the first loop.
func (g *Group) AddSystemEventTrigger(phase Phase, event string, fn func() *deferred.Deferred) (TriggerID, error) {
	return g.loops[0].AddSystemEventTrigger(phase, event, fn)
}

// RemoveSystemEventTrigger removes a trigger added with the group's
// AddSystemEventTrigger.
func (g *Group) RemoveSystemEventTrigger(id TriggerID) error {
	return g.loops[0].RemoveSystemEventTrigger(id)
}

// CallWhenRunning runs fn on the first loop once every loop runs, or at
// once if they all do. Call it before Run or on the first loop.
func (g *Group) CallWhenRunning(fn func()) {
	if g.loopsRunning == len(g.loops) {
		fn()
		return
	}
	g.whenRunning = append(g.whenRunning, fn)
}

// HandleSignals makes SIGINT and SIGTERM stop the group (through the
// first loop). Call it before Run.
func (g *Group) HandleSignals(on bool) { g.loops[0].HandleSignals(on) }

// ExitSignal is the signal that stopped the group, or nil. Read it after
// Run returns.
func (g *Group) ExitSignal() os.Signal { return g.loops[0].ExitSignal() }

// SuggestThreadPoolSize sets the maximum workers of every loop's pool, so
// the group runs up to Len()*n of them.
func (g *Group) SuggestThreadPoolSize(n int) {
	for _, l := range g.loops {
		l.SuggestThreadPoolSize(n)
	}
}

// Len is the number of loops.
func (g *Group) Len() int { return len(g.loops) }

// Counters returns each loop's counters, in the order of Loops. While the
// group runs it asks every loop and waits for the answers, so call it from
// a goroutine of none of them (ErrCalledFromGroupLoop otherwise).
func (g *Group) Counters() ([]Counters, error) {
	out := make([]Counters, len(g.members))
	g.mu.Lock()
	if g.state != groupRunning {
		// Run waits for the lock, so no loop starts while these are read.
		for i, l := range g.loops {
			out[i] = l.Counters()
		}
		g.mu.Unlock()
		return out, nil
	}
	g.mu.Unlock()
	for _, l := range g.loops {
		if l.IsInIOThread() {
			return nil, ErrCalledFromGroupLoop
		}
	}
	for i, m := range g.members {
		got := make(chan Counters, 1)
		m.loop.CallFromThread(func() { got <- m.loop.Counters() })
		select {
		case out[i] = <-got:
		case <-m.exited:
			out[i] = m.loop.Counters()
		}
	}
	return out, nil
}

// Close closes every loop (see Loop.Close) and any accepted socket still
// waiting for its loop. It fails with ErrGroupRunning while Run runs.
func (g *Group) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.state == groupRunning {
		return ErrGroupRunning
	}
	return g.closeLoops()
}

func (g *Group) closeLoops() error {
	var errs []error
	for _, m := range g.members {
		m.handoffs.shut()
	}
	for _, l := range g.loops {
		errs = append(errs, l.Close())
	}
	return errors.Join(errs...)
}
