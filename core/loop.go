package core

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

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
}

// Loop is the reactor: one event loop over a reactors.Poller. It
// implements Reactor. Apart from CallFromThread, CallInThread, Done,
// SuggestThreadPoolSize, IsInIOThread and Close, its methods must be called
// on the loop's goroutine (the one in Run, or the one calling Iterate).
type Loop struct {
	poller  reactors.Poller
	backend string
	epoch   time.Time
	timers  timerQueue

	// Calls from other goroutines: producers append to queue under qmu;
	// each pass swaps it with spare, which only the loop touches.
	qmu   sync.Mutex
	queue []func()
	wakes uint64
	spare []func()

	fds     []fdEntry // indexed by descriptor number
	events  []reactors.Event
	inPass  bool
	counter Counters
	rbuf    *[readBufferSize]byte // see tcpReadBuffer

	lifecycle
	pool    workerPool
	signals signalHandler
	loopID  atomic.Uint64 // goroutine id of the loop, see IsInIOThread
	closed  bool

	done     chan struct{} // see Done
	doneOnce sync.Once
}

// NewLoop makes a reactor over p, which it owns from now on (Close closes
// it). It panics on a nil Poller.
func NewLoop(p reactors.Poller) *Loop {
	if p == nil {
		panic("core: NewLoop with a nil Poller")
	}
	l := &Loop{poller: p, backend: fmt.Sprintf("%T", p), epoch: time.Now(), done: make(chan struct{})}
	l.timers = timerQueue{epoch: l.epoch, now: l.nanotime}
	l.events = make([]reactors.Event, minEvents)
	l.pool.init(defaultPoolSize)
	l.loopID.Store(goroutineID())
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

// Close stops the thread pool (waiting for the work it runs) and closes
// the Poller. Call it once the loop is done; a later Run or Iterate fails.
// Repeat calls return nil.
func (l *Loop) Close() error {
	if l.closed {
		return nil
	}
	l.closed = true
	l.markDone() // first, so pool work waiting on the loop gives up
	l.pool.stop()
	return l.poller.Close()
}

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
	l.qmu.Lock()
	c.Wakes = l.wakes
	l.qmu.Unlock()
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

// Now is the loop's monotonic time.
func (l *Loop) Now() time.Time { return l.epoch.Add(time.Duration(l.nanotime())) }

// CallLater runs fn on the loop after delay (negative counts as zero).
// Calls due at the same time run in the order they were scheduled.
func (l *Loop) CallLater(delay time.Duration, fn func()) *DelayedCall {
	return l.timers.schedule(delay, fn)
}

// GetDelayedCalls lists every pending call, in no particular order.
func (l *Loop) GetDelayedCalls() []*DelayedCall { return l.timers.list() }

// Timeout is the time until the next pending call is due (never negative,
// capped to what one Wait accepts); false when no call is pending.
func (l *Loop) Timeout() (time.Duration, bool) {
	at, ok := l.timers.next()
	if !ok {
		return 0, false
	}
	return min(max(time.Duration(at-l.nanotime()), 0), maxWait), true
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
	first := len(l.queue) == 1
	if first {
		l.wakes++
	}
	l.qmu.Unlock()
	if first {
		// The queue was empty: the loop may be in Wait. Later calls in
		// this pass ride on this wake-up. An error means a closed poller,
		// which has no one to wake.
		_ = l.poller.Wake()
	}
}

// IsInIOThread reports whether the caller runs on the loop goroutine: the
// one that made the loop, or the one in Run once it started. It reads the
// goroutine's stack header, so keep it off hot paths.
func (l *Loop) IsInIOThread() bool { return goroutineID() == l.loopID.Load() }

// goroutineID parses the caller's goroutine id from its stack header
// ("goroutine 42 [running]:"); Go offers no cheaper way.
func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}

// Iterate runs one pass: the queued thread calls, the due timed calls,
// shutdown if Stop was called, then one Wait of at most maxWait (negative:
// until the next timed call or event) and the dispatch of its events.
func (l *Loop) Iterate(maxWait time.Duration) error {
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
	defer func() { l.inPass = false }()

	l.runThreadCalls()
	l.runTimers()
	if l.justStopped {
		l.justStopped = false
		l.fireSystemEvent(Shutdown)
	}
	if inRun && !l.started {
		return nil
	}
	if t, ok := l.Timeout(); ok && (wait < 0 || t < wait) {
		wait = t
	}
	l.yieldToPool()
	n, err := l.poller.Wait(l.events, wait)
	l.counter.Waits++
	if err != nil {
		return fmt.Errorf("core: %s wait: %w", l.backend, err)
	}
	l.counter.Events += uint64(n)
	for i := range n {
		l.dispatch(l.events[i])
	}
	if n == len(l.events) && n < maxEvents {
		l.events = make([]reactors.Event, 2*n)
	}
	return nil
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

// runThreadCalls runs what CallFromThread queued before this pass began.
func (l *Loop) runThreadCalls() {
	l.qmu.Lock()
	calls := l.queue
	l.queue = l.spare[:0]
	l.qmu.Unlock()
	for i, fn := range calls {
		calls[i] = nil
		protect("thread call", fn)
	}
	l.spare = calls[:0]
}

// runTimers runs every call due at the time read once here, earliest
// first; calls scheduled meanwhile wait for the next pass.
func (l *Loop) runTimers() {
	now, limit := l.nanotime(), l.timers.seq
	for {
		dc := l.timers.popDue(now, limit)
		if dc == nil {
			return
		}
		protect("timed call", dc.fn)
	}
}
