package core

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reactorbench/reactorbench/core/deferred"
	"github.com/reactorbench/reactorbench/core/internal/goroutine"
	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/reactors"
)

// maxWait caps one Wait: the int32 milliseconds epoll_wait and poll accept.
const maxWait = time.Duration(math.MaxInt32) * time.Millisecond

// Event buffer sizes: Wait reports at most this many descriptors per pass;
// the buffer doubles from the first size while passes fill it.
const (
	minEvents = 64
	maxEvents = 8192
)

// Counters are what a Loop has done so far, for benchmarks and tests.
type Counters struct {
	Waits  uint64 // Wait calls on the Poller
	Sets   uint64 // Set calls on the Poller
	Events uint64 // ready descriptors reported by Wait
	Reads  uint64 // reads done by transports on this loop
	Writes uint64 // writes done by transports on this loop
	Wakes  uint64 // Wake calls made by CallFromThread
	// Again counts the reads and writes (of Reads and Writes) that found
	// the socket not ready: each is a system call that moved nothing.
	Again uint64
	// Enters is the io_uring_enter calls of a backend that counts its own
	// system calls (reactors.EnterCounter, and then EntersCounted is set):
	// its Waits and Sets are not system calls one for one.
	Enters        uint64
	EntersCounted bool
	// Completions is the finished operations a Completer reported.
	Completions uint64
	// Completion is set on a Completer, where Reads are the receive
	// completions with bytes or the end of stream and Writes the sends
	// started: operations of the ring, not system calls.
	Completion bool
	// Accepted counts the connections served on this loop from a
	// listening socket (its own or a Group's acceptor).
	Accepted uint64
	// Conns is the number of TCP connections open on this loop now.
	Conns int64
}

// SystemCalls is the system calls the loop and its transports made: the
// enters of a backend that counts them, else one per Wait and Set, plus
// the reads and writes unless a Completer did them.
func (c Counters) SystemCalls() uint64 {
	switch {
	case c.Completion:
		return c.Enters
	case c.EntersCounted:
		return c.Enters + c.Reads + c.Writes
	}
	return c.Waits + c.Sets + c.Reads + c.Writes
}

// Loop is the reactor: one event loop over a reactors.Poller. It
// implements Reactor. Apart from CallFromThread, CallInThread, Done,
// SuggestThreadPoolSize and IsInIOThread, its methods, those of its
// transports, ports, connectors and delayed calls must be called on the
// loop's goroutine (the one in Run, or the one calling Iterate). While Run
// or Iterate runs, a call from another goroutine panics with a message
// naming the method and CallFromThread, the way to reach the loop safely;
// the check costs a few nanoseconds on amd64 and arm64 and is always on
// there, elsewhere it is on with deferred.SetDebugging(true) or the race
// detector.
type Loop struct {
	poller  reactors.Poller
	backend string
	epoch   time.Time
	timers  timerQueue

	// Calls from other goroutines: producers append to queue under qmu;
	// each pass swaps it with spare, which only the loop touches. queued
	// and sleeping decide whether a call must wake the loop (see
	// CallFromThread).
	qmu      sync.Mutex
	queue    []func()
	wakes    uint64
	spare    []func()
	queued   atomic.Bool // queue is not empty
	sleeping atomic.Bool // the loop is in (or about to enter) a Wait that may block

	fds []fdEntry // indexed by descriptor number
	// owned holds the descriptors the loop made (ports, connections,
	// connecting sockets) until they close, registered or not: a paused
	// connection is in no table, and Close and shutdown must still close it.
	owned   map[Descriptor]struct{}
	events  []reactors.Event
	inPass  bool
	counter Counters
	rbuf    *[readBufferSize]byte // see tcpReadBuffer
	entered reactors.EnterCounter // the poller, if it counts its enters

	// A poller that is a ThreadBinder has the loop's goroutine locked to
	// its OS thread from the first pass on.
	bound   bool
	locked  bool  // the loop's goroutine is locked to its thread
	bindErr error // from BindThread, reported by the first pass

	completion // the completion driver's state, on a Completer

	// conns counts open TCP connections; atomic because a Group's
	// acceptor reads it from its own loop (once per accepted connection).
	conns atomic.Int64

	lifecycle
	pool    workerPool
	signals signalHandler
	loopID  atomic.Uintptr // goroutine of the loop, see IsInIOThread
	owner   loopOwner      // goroutine in Run or Iterate, see checkLoopGoroutine
	closed  bool

	done     chan struct{} // see Done
	doneOnce sync.Once
}

// NewLoop makes a reactor over p, which it owns from now on (Close closes
// it). It panics on a nil Poller.
//
// When p is a reactors.Completer, TCP transports do their I/O through it
// (completion), not with read and write system calls on readiness. When p
// is a reactors.ThreadBinder (every Completer is), the goroutine that runs
// the first pass (Run or Iterate) is locked to its OS thread for good
// (runtime.LockOSThread): p may then take kernel features that accept one
// submitting thread only. Run such a loop on one goroutine.
func NewLoop(p reactors.Poller) *Loop {
	if p == nil {
		panic("core: NewLoop with a nil Poller")
	}
	l := &Loop{poller: p, backend: fmt.Sprintf("%T", p), epoch: time.Now(), done: make(chan struct{}), owned: map[Descriptor]struct{}{}}
	l.timers = timerQueue{epoch: l.epoch, read: l.nanotime, owner: &l.owner}
	l.events = make([]reactors.Event, minEvents)
	l.entered, _ = p.(reactors.EnterCounter)
	if r, ok := p.(reactors.Completer); ok {
		l.ring = r
		l.finished = make([]reactors.Completion, minEvents)
	}
	if b, ok := p.(reactors.ThreadBinder); ok {
		l.bound = true
		l.bindErr = b.BindThread()
	}
	l.pool.init(defaultPoolSize)
	l.loopID.Store(goroutine.Current())
	l.initLifecycle()
	return l
}

// Open opens the named backend ("default" for the preferred one) and
// returns a reactor over it.
func Open(name string) (*Loop, error) {
	info, err := reactors.Lookup(name)
	if err != nil {
		return nil, err
	}
	p, err := info.New()
	if err != nil {
		return nil, fmt.Errorf("core: open %s: %w", info.Name, err)
	}
	l := NewLoop(p)
	l.backend = info.Name
	return l, nil
}

// Close releases everything the loop owns: every port (with its reserve
// descriptor), connection and connecting socket is closed and hears
// ConnectionLost(ErrConnectionLost), like every other registered
// descriptor, as at shutdown; then the signal handlers are removed, the
// thread pool is stopped (waiting for the work it runs) and the Poller is
// closed. It needs no Stop first. Call it once Run has returned or was
// never called, from any goroutine (from another goroutine while the loop
// runs it panics, like the other methods); a later Run or Iterate fails.
// Repeat calls return nil.
func (l *Loop) Close() error {
	l.owner.check("Loop.Close")
	if l.closed {
		return nil
	}
	l.closed = true
	l.markDone() // first, so pool work waiting on the loop gives up
	l.uninstallSignals()
	l.disconnectAll()
	l.pool.stop()
	return l.poller.Close()
}

// own records a descriptor the loop made; disown forgets it once closed.
func (l *Loop) own(d Descriptor)    { l.owned[d] = struct{}{} }
func (l *Loop) disown(d Descriptor) { delete(l.owned, d) }

// Done is closed once Run will run no more calls queued by CallFromThread:
// when the shutdown after Stop reaches its "during" phase (its last pass),
// when Run returns after Stop, or at Close. A Crash alone does not close
// it, since Run may start again. Safe from any goroutine.
func (l *Loop) Done() <-chan struct{} { return l.done }

func (l *Loop) markDone() { l.doneOnce.Do(func() { close(l.done) }) }

// Poller returns the backend under the loop.
func (l *Loop) Poller() reactors.Poller { return l.poller }

// BackendName is the registered backend name when opened with Open, else
// the Poller's type.
func (l *Loop) BackendName() string { return l.backend }

// Counters returns what the loop has done so far. Call it on the loop's
// goroutine or while the loop is not running.
func (l *Loop) Counters() Counters {
	c := l.counter
	if l.entered != nil {
		c.Enters, c.EntersCounted = l.entered.Enters(), true
	}
	c.Completion = l.ring != nil
	l.qmu.Lock()
	c.Wakes = l.wakes
	l.qmu.Unlock()
	c.Conns = l.conns.Load()
	return c
}

// countRead records one read made by a transport of this loop, and
// whether it found the socket not ready.
func (l *Loop) countRead(err error) {
	l.counter.Reads++
	l.countAgain(err)
}

// countWrite records one write made by a transport of this loop, and
// whether it found the socket full.
func (l *Loop) countWrite(err error) {
	l.counter.Writes++
	l.countAgain(err)
}

func (l *Loop) countAgain(err error) {
	if err == unix.EAGAIN {
		l.counter.Again++
	}
}

func (l *Loop) nanotime() int64 { return int64(time.Since(l.epoch)) }

// Now is the loop's monotonic time: inside a pass, the pass's time (see
// CallLater); outside one, the clock's.
func (l *Loop) Now() time.Time { return l.epoch.Add(time.Duration(l.timers.current())) }

// CallLater runs fn on the loop after delay (negative counts as zero).
// Calls due at the same time run in the order they were scheduled. The
// delay counts from Now, which inside a pass is the pass's time rather
// than the clock's: the loop reads its clock when a pass begins, after
// the calls from other goroutines if any ran, after due timed calls if any
// ran, and when Wait returns. So a call scheduled from a callback may run
// earlier than delay after the CallLater statement by at most the time
// spent since that reading (the callbacks run before it in the same
// stretch, and its own so far), and never before delay has passed by the
// loop's clock.
func (l *Loop) CallLater(delay time.Duration, fn func()) *DelayedCall {
	l.owner.check("Loop.CallLater")
	return l.timers.schedule(delay, fn)
}

// GetDelayedCalls lists every pending call, in no particular order.
func (l *Loop) GetDelayedCalls() []*DelayedCall {
	l.owner.check("Loop.GetDelayedCalls")
	return l.timers.list()
}

// Timeout is the time until the next pending call is due (never negative,
// capped to what one Wait accepts); false when no call is pending.
func (l *Loop) Timeout() (time.Duration, bool) {
	at, ok := l.timers.next()
	if !ok {
		return 0, false
	}
	return l.until(at), true
}

// CallFromThread queues fn to run on the loop goroutine. It is safe from
// any goroutine, never blocks, keeps FIFO order and may be called before
// Run. A pass runs only the calls queued when it began. A nil fn is ignored.
func (l *Loop) CallFromThread(fn func()) {
	if fn == nil {
		return
	}
	l.qmu.Lock()
	l.queue = append(l.queue, fn)
	// Only the call that fills an empty queue may need to wake the loop,
	// and only if it sleeps: a loop that is not about to wait finds the
	// call at its next pass without the wake-up's system calls. The loop
	// sets sleeping before it reads queued, and this sets queued before
	// it reads sleeping, so one of the two sees the other.
	wake := len(l.queue) == 1
	if wake {
		l.queued.Store(true)
		wake = l.sleeping.Load()
	}
	if wake {
		l.wakes++
	}
	l.qmu.Unlock()
	if wake {
		// Later calls in this pass ride on this wake-up. An error means a
		// closed poller, which has no one to wake.
		_ = l.poller.Wake()
	}
}

// IsInIOThread reports whether the caller runs on the loop goroutine: the
// one that made the loop, or the one in Run once it started.
func (l *Loop) IsInIOThread() bool { return goroutine.Current() == l.loopID.Load() }

// loopOwner records the goroutine running a loop's passes (Run or
// Iterate), zero while none does: then the loop belongs to whoever holds
// it, as before Run, and nothing is checked.
type loopOwner struct{ g atomic.Uintptr }

// checkingGoroutines reports whether misuse checks run: always where
// telling goroutines apart is cheap, else under the race detector or
// SetDebugging(true).
func checkingGoroutines() bool {
	return goroutine.Cheap || goroutine.Race || deferred.GetDebugging()
}

// check panics when a goroutine other than the one running the loop calls
// method while the loop runs.
func (o *loopOwner) check(method string) {
	if !checkingGoroutines() {
		return
	}
	if g := o.g.Load(); g != 0 && g != goroutine.Current() {
		panicMisuse(method)
	}
}

// ErrWrongGoroutine is what the misuse check panics with (wrapped with the
// method's name).
var ErrWrongGoroutine = errors.New("called from a goroutine other than the loop's while the loop runs; " +
	"use Loop.CallFromThread to run it on the loop")

func panicMisuse(method string) {
	panic(fmt.Errorf("core: %s %w", method, ErrWrongGoroutine))
}

// Iterate runs one pass: the queued thread calls, the due timed calls,
// shutdown if Stop was called, then one Wait of at most maxWait (negative:
// until the next timed call or event) and the dispatch of its events.
func (l *Loop) Iterate(maxWait time.Duration) error {
	l.owner.check("Loop.Iterate")
	if l.inRun {
		return l.pass(maxWait, false)
	}
	l.owner.g.Store(goroutine.Current())
	defer l.owner.g.Store(0)
	return l.pass(maxWait, false)
}

var errReentrant = errors.New("core: Iterate called from inside a pass")

func (l *Loop) pass(wait time.Duration, inRun bool) error {
	if l.inPass {
		return errReentrant
	}
	if l.closed {
		return reactors.ErrClosed
	}
	l.inPass = true
	defer l.endPass()
	l.beginPassTime()

	if l.runThreadCalls() {
		l.refreshTime()
	}
	ran := l.runTimers()
	if l.justStopped {
		l.justStopped = false
		l.fireSystemEvent(Shutdown)
		ran = true
	}
	if inRun && !l.started {
		return nil
	}
	if ran {
		l.refreshTime()
	}
	if t, ok := l.wakeTimeout(); ok && (wait < 0 || t < wait) {
		wait = t
	}
	l.yieldToPool()
	if wait != 0 && l.beginSleep() {
		wait = 0
	}
	if l.bound && !l.locked {
		l.locked = true
		runtime.LockOSThread()
	}
	if l.bindErr != nil {
		return fmt.Errorf("core: %s: %w", l.backend, l.bindErr)
	}
	if l.ring != nil {
		return l.completionPass(wait)
	}
	n, err := l.poller.Wait(l.events, wait)
	l.sleeping.Store(false)
	l.refreshTime()
	l.counter.Waits++
	if err != nil {
		return fmt.Errorf("core: %s wait: %w", l.backend, err)
	}
	l.dispatchAll(n)
	return nil
}

// dispatchAll dispatches the first n events of the last Wait, and grows
// the buffer after a Wait that filled it.
func (l *Loop) dispatchAll(n int) {
	l.counter.Events += uint64(n)
	for i := range n {
		l.dispatch(l.events[i])
	}
	if n == len(l.events) && n < maxEvents {
		l.events = make([]reactors.Event, 2*n)
	}
}

// yieldToPool lets a pool worker woken since the last Wait run before this
// one. Wait is a system call that keeps the loop's P (Go's scheduler slot):
// with one P the worker would sit runnable until sysmon takes the P back,
// 20 µs or more later, and with more Ps it would wait for another thread to
// wake up and steal it.
func (l *Loop) yieldToPool() {
	if l.pool.handed.Load() {
		l.pool.handed.Store(false)
		runtime.Gosched()
	}
}

// runThreadCalls runs what CallFromThread queued before this pass began
// and reports whether there was any.
func (l *Loop) runThreadCalls() bool {
	l.qmu.Lock()
	calls := l.queue
	l.queue = l.spare[:0]
	l.queued.Store(false)
	l.qmu.Unlock()
	for i, fn := range calls {
		calls[i] = nil
		protect("thread call", fn)
	}
	l.spare = calls[:0]
	return len(calls) > 0
}
