package deferred

import (
	"errors"
	"fmt"
	"log"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/reactorbench/reactorbench/core/internal/goroutine"
)

// Errors returned by Deferred methods.
var (
	// ErrAlreadyCalled matches (errors.Is) every *AlreadyCalledError.
	ErrAlreadyCalled = errors.New("deferred already called")
	// ErrCancelled is the error a cancelled Deferred fails with.
	ErrCancelled = errors.New("deferred was cancelled")
	// ErrDeferredResult rejects a *Deferred passed to Callback: chain it
	// by returning it from a callback, or use Chain.
	ErrDeferredResult = errors.New("a Deferred cannot be the result of Callback")
	// ErrNilError rejects Errback(nil): there is no error to report.
	ErrNilError = errors.New("errback with a nil error")
	// ErrSelfResult is the error result when a callback returns the very
	// Deferred it is attached to.
	ErrSelfResult = errors.New("callback returned the Deferred it was attached to")
	// ErrNotPaused rejects Unpause on a Deferred that is not paused.
	ErrNotPaused = errors.New("unpause of a Deferred that is not paused")
)

// AlreadyCalledError is returned when a Deferred that already has a result
// is fired again. In debug mode (SetDebugging) it says where the Deferred
// was created and first fired.
type AlreadyCalledError struct {
	// Created and Fired are formatted stacks, empty unless debugging.
	Created, Fired string
}

// Error describes the second firing, with the debug stacks when known.
func (e *AlreadyCalledError) Error() string {
	if e.Created == "" && e.Fired == "" {
		return ErrAlreadyCalled.Error()
	}
	return ErrAlreadyCalled.Error() + ":\n" + debugText(e.Created, e.Fired)
}

// Is makes errors.Is(err, ErrAlreadyCalled) true.
func (e *AlreadyCalledError) Is(target error) bool { return target == ErrAlreadyCalled }

// CallbackFunc is a success handler: it gets the current result and
// returns the next one. A non-nil error (or a returned *Failure, or a panic)
// moves the chain to the errback path; a returned *Deferred pauses the chain
// until it fires.
type CallbackFunc = func(result any) (any, error)

// ErrbackFunc is an error handler: returning a value without error moves
// the chain back to the callback path.
type ErrbackFunc = func(f *Failure) (any, error)

// pairOp says what a queued callback pair does: a kind in the low byte
// and, for kindList, the input's position above it. Four fields keep the
// pair a value the compiler copies field by field, without a bulk barrier.
type pairOp uint64

const (
	kindCallbacks pairOp = iota // run cb or eb
	kindBoth                    // run cb on either path
	kindResume                  // hand the result to target, which waits on us
	kindChain                   // fire target with the result (Chain)
	kindList                    // record the result in target's List
)

func (o pairOp) kind() pairOp { return o & 0xff }

func (o pairOp) index() int { return int(o >> 8) }

func listOp(i int) pairOp { return kindList | pairOp(i)<<8 }

type callbackPair struct {
	cb     CallbackFunc
	eb     ErrbackFunc
	target *Deferred
	op     pairOp
}

// Deferred state flags.
const (
	flagCalled     uint8 = 1 << iota // has a result
	flagRunning                      // inside one of its own callbacks
	flagSuppress                     // drop the next firing (cancelled without canceller)
	flagFirst                        // first holds a queued pair
	flagCancelling                   // inside its canceller
)

// chunkPairs is the size of the overflow chunks of the callback queue.
// Chunks are linked, never copied, and go back to a pool once run, so a
// long chain costs no allocation per callback once warm.
const chunkPairs = 16

type chunk struct {
	next *chunk
	r, w int32 // next pair to run, next free slot
	p    [chunkPairs]callbackPair
}

var chunkPool = sync.Pool{New: func() any { return new(chunk) }}

// Deferred is Twisted's Deferred: a result you don't have yet, with a chain
// of callbacks and errbacks that process it once it arrives. It is not safe
// for concurrent use: use it from one goroutine (the reactor's). Under the
// race detector or with SetDebugging(true), firing or extending it from a
// second goroutine while the first is at it panics with
// ErrConcurrentUse.
type Deferred struct {
	result    any          // value, *Failure, or nil
	first     callbackPair // oldest queued pair, when flagFirst
	qhead     *chunk       // queued pairs after first
	qtail     *chunk
	n         int32 // pairs queued
	paused    int32
	flags     uint8
	waiting   *Deferred // Deferred a callback returned, which we wait on
	canceller func(*Deferred)
	extra     *deferredExtra
	// busy is the goroutine inside Callback, Errback or an Add method,
	// zero when none; kept only while misuse is checked (see enter).
	busy atomic.Uintptr
}

// deferredExtra holds what only failing or debugged Deferreds need.
type deferredExtra struct {
	created, fired []uintptr
	unhandled      *unhandledRecord
	list           *listState // when the Deferred is a List's
	// chainedTo is the Deferred whose Chain will fire this one, until it
	// does (Twisted's _chainedTo, shown by String).
	chainedTo *Deferred
}

// unhandledRecord is what the GC cleanup reports: it must not point back at
// the Deferred, or the Deferred would never be collected.
type unhandledRecord struct {
	failure        atomic.Pointer[Failure]
	created, fired []uintptr
}

var debugging atomic.Bool

// SetDebugging turns on recording where each new Deferred is created and
// first fired; AlreadyCalledError and unhandled-error reports then show both.
func SetDebugging(on bool) { debugging.Store(on) }

// GetDebugging reports whether SetDebugging is on.
func GetDebugging() bool { return debugging.Load() }

type unhandledHook = func(f *Failure, debug string)

var hook atomic.Pointer[unhandledHook]

// SetUnhandledErrorHook sets the function that receives each Failure still
// held by a Deferred when it is garbage-collected, with the Deferred's debug
// stacks (empty unless debugging). nil restores the default, which logs
// "Unhandled error in Deferred:" and the Failure with log.Printf. It runs on
// a runtime goroutine, so it must be safe for concurrent use.
func SetUnhandledErrorHook(h func(f *Failure, debug string)) {
	if h == nil {
		hook.Store(nil)
		return
	}
	hook.Store(&h)
}

func reportUnhandled(r *unhandledRecord) {
	f := r.failure.Load()
	if f == nil {
		return
	}
	dbg := ""
	if r.created != nil || r.fired != nil {
		dbg = debugText(formatPCs(r.created), formatPCs(r.fired))
	}
	if h := hook.Load(); h != nil {
		(*h)(f, dbg)
		return
	}
	log.Printf("Unhandled error in Deferred:\n%+v%s", f, dbg)
}

func debugText(created, fired string) string {
	var b strings.Builder
	if created != "" {
		b.WriteString(" C: Deferred was created:\n" + created)
	}
	if fired != "" {
		b.WriteString(" I: First Invoker was:\n" + fired)
	}
	return b.String()
}

func callers(skip int) []uintptr {
	var buf [32]uintptr
	n := runtime.Callers(skip, buf[:])
	return append([]uintptr(nil), buf[:n]...)
}

func formatPCs(pcs []uintptr) string {
	if len(pcs) == 0 {
		return ""
	}
	var b strings.Builder
	frames := runtime.CallersFrames(pcs)
	for {
		fr, more := frames.Next()
		if fr.Function != "" {
			fmt.Fprintf(&b, "  %s\n    %s:%d\n", fr.Function, fr.File, fr.Line)
		}
		if !more {
			return b.String()
		}
	}
}

// New returns an unfired Deferred. canceller, if not nil, is called
// by Cancel while the Deferred has no result (see Cancel).
func New(canceller func(*Deferred)) *Deferred {
	d := &Deferred{canceller: canceller}
	if debugging.Load() {
		d.extra = &deferredExtra{created: callers(3)}
	}
	return d
}

// Succeed returns a Deferred already fired with v.
func Succeed(v any) *Deferred {
	d := New(nil)
	if err := d.Callback(v); err != nil {
		d.start(newFailure(err, 2))
	}
	return d
}

// Fail returns a Deferred already failed with err (a nil err fails with
// ErrNilError).
func Fail(err error) *Deferred {
	d := New(nil)
	if err == nil {
		err = ErrNilError
	}
	d.start(newFailure(err, 3))
	return d
}

// Called reports whether the Deferred has been fired.
func (d *Deferred) Called() bool { return d.flags&flagCalled != 0 }

// Paused reports whether the Deferred is paused by Pause.
func (d *Deferred) Paused() bool { return d.paused > 0 }

// Result returns the current result and whether the Deferred has been
// fired. On the error path the result is a *Failure; while the chain waits on
// another Deferred the result is that Deferred.
func (d *Deferred) Result() (any, bool) {
	if d.waiting != nil {
		return d.waiting, true
	}
	return d.result, d.flags&flagCalled != 0
}

// Callback fires the Deferred with result. A *Failure result is the same as
// Errback. It fails with an *AlreadyCalledError when the Deferred was already
// fired, and with ErrDeferredResult for a *Deferred result (nothing fires).
func (d *Deferred) Callback(result any) error {
	switch r := result.(type) {
	case *Deferred:
		return ErrDeferredResult
	case *Failure:
		if r == nil {
			result = nil
		}
	}
	return d.start(result)
}

// Errback fires the Deferred's error path with err, wrapped in a *Failure
// holding the caller's stack unless it is one already. It fails with an
// *AlreadyCalledError when the Deferred was already fired, and with
// ErrNilError for a nil err.
func (d *Deferred) Errback(err error) error {
	if err == nil {
		return ErrNilError
	}
	return d.start(newFailure(err, 3))
}

// start gives the Deferred its first result and runs the callbacks.
func (d *Deferred) start(result any) error {
	if d.enter("Deferred.Callback/Errback") {
		defer d.busy.Store(0)
	}
	if err := d.accept(result); err == errSuppressed {
		return nil
	} else if err != nil {
		return err
	}
	d.runCallbacks()
	return nil
}

// accept stores the first result; it reports the second firing (or
// silently drops the one after a canceller-less Cancel).
func (d *Deferred) accept(result any) error {
	if d.flags&flagCalled != 0 {
		if d.flags&flagSuppress != 0 {
			d.flags &^= flagSuppress
			return errSuppressed
		}
		return d.alreadyCalled()
	}
	d.flags |= flagCalled
	d.result = result
	if d.extra != nil && debugging.Load() {
		d.extra.fired = callers(4)
	}
	return nil
}

// errSuppressed marks a firing dropped after Cancel; never returned to users.
var errSuppressed = errors.New("suppressed")

func (d *Deferred) alreadyCalled() error {
	e := &AlreadyCalledError{}
	if d.extra != nil {
		e.Created, e.Fired = formatPCs(d.extra.created), formatPCs(d.extra.fired)
	}
	return e
}

// enter catches a Deferred fired or extended from two goroutines at once,
// which loses or repeats callbacks: under the race detector or with
// SetDebugging(true) it panics naming the method. It reports whether the
// caller took the Deferred and must clear busy; a nested call from the
// same goroutine (a callback adding to its own Deferred) passes through.
func (d *Deferred) enter(method string) bool {
	if !goroutine.Race && !debugging.Load() {
		return false
	}
	me := goroutine.Current()
	if d.busy.CompareAndSwap(0, me) {
		return true
	}
	if d.busy.Load() != me {
		panic(fmt.Errorf("deferred: %s %w", method, ErrConcurrentUse))
	}
	return false
}

// ErrConcurrentUse is what a Deferred used from two goroutines at
// once panics with, where that is checked (see Deferred).
var ErrConcurrentUse = errors.New("called while another goroutine fires or extends the same Deferred; " +
	"use it from one goroutine, and reach the loop's with Loop.CallFromThread")

// AddCallbacks appends a callback and an errback, either of which may be
// nil to pass the result through. If the Deferred already has a result the
// chain runs now, before AddCallbacks returns. It returns d.
func (d *Deferred) AddCallbacks(cb CallbackFunc, eb ErrbackFunc) *Deferred {
	return d.add(callbackPair{cb: cb, eb: eb})
}

func (d *Deferred) add(p callbackPair) *Deferred {
	if d.enter("Deferred.AddCallbacks") {
		defer d.busy.Store(0)
	}
	d.push(p)
	if d.flags&(flagCalled|flagRunning) == flagCalled && d.paused == 0 && d.waiting == nil {
		d.runCallbacks()
	}
	return d
}

// AddCallback appends a success handler; see AddCallbacks.
func (d *Deferred) AddCallback(cb func(any) (any, error)) *Deferred {
	return d.AddCallbacks(cb, nil)
}

// AddErrback appends an error handler; see AddCallbacks.
func (d *Deferred) AddErrback(eb func(*Failure) (any, error)) *Deferred {
	return d.AddCallbacks(nil, eb)
}

// AddBoth appends fn as both callback and errback; on the error path fn
// gets the *Failure as its argument.
func (d *Deferred) AddBoth(fn func(any) (any, error)) *Deferred {
	return d.add(callbackPair{cb: fn, op: kindBoth})
}

// Chain feeds d's result into other: other fires with it when d reaches
// this point of its chain, and d goes on with nil. If other was already
// fired, d goes on with the *AlreadyCalledError instead. Until it fires,
// other's String says it waits on d. It returns d.
func (d *Deferred) Chain(other *Deferred) *Deferred {
	if other != nil && !other.Called() {
		if other.extra == nil {
			other.extra = &deferredExtra{}
		}
		other.extra.chainedTo = d
	}
	return d.add(callbackPair{target: other, op: kindChain})
}

func (d *Deferred) push(p callbackPair) {
	d.n++
	if d.n == 1 {
		d.first = p
		d.flags |= flagFirst
		return
	}
	c := d.qtail
	if c == nil || c.w == chunkPairs {
		nc := chunkPool.Get().(*chunk)
		if c == nil {
			d.qhead = nc
		} else {
			c.next = nc
		}
		d.qtail, c = nc, nc
	}
	c.p[c.w] = p
	c.w++
}

// take removes the oldest queued pair; d.n must be > 0.
func (d *Deferred) take() callbackPair {
	d.n--
	var p callbackPair
	if d.flags&flagFirst != 0 {
		d.flags &^= flagFirst
		p, d.first = d.first, callbackPair{}
		return p
	}
	// Run slots are not cleared one by one: the whole chunk is cleared
	// when it goes back to the pool.
	c := d.qhead
	p = c.p[c.r]
	c.r++
	if c.r == chunkPairs {
		d.qhead = c.next
		if d.qhead == nil {
			d.qtail = nil
		}
		c.release()
	}
	return p
}

// release clears the used slots and returns c to the pool.
func (c *chunk) release() {
	clear(c.p[:c.w])
	c.next, c.r, c.w = nil, 0, 0
	chunkPool.Put(c)
}

// Pause stops the chain: callbacks queue up until as many Unpause calls.
func (d *Deferred) Pause() { d.paused++ }

// Unpause undoes one Pause and runs the queued callbacks after the last
// one. Unlike Twisted, it fails with ErrNotPaused on an unpaused Deferred
// instead of driving the count negative.
func (d *Deferred) Unpause() error {
	if d.paused == 0 {
		return ErrNotPaused
	}
	d.paused--
	if d.paused == 0 && d.flags&flagCalled != 0 {
		d.runCallbacks()
	}
	return nil
}

// Cancel asks the producer to stop. Unfired: the canceller (if any) runs
// with d; if d still has no result it fails with ErrCancelled, and without a
// canceller the producer's next Callback or Errback is silently dropped.
// Waiting on a Deferred returned by a callback: that one is cancelled
// instead. Otherwise Cancel does nothing.
func (d *Deferred) Cancel() {
	for d.flags&flagCalled != 0 {
		if d.waiting == nil {
			return
		}
		d = d.waiting
	}
	if c := d.canceller; c != nil {
		if d.flags&flagCancelling != 0 {
			return // Cancel from inside the canceller
		}
		d.flags |= flagCancelling
		f := callCanceller(c, d)
		d.flags &^= flagCancelling
		if f != nil && d.flags&flagCalled == 0 {
			d.start(f)
			return
		}
	} else {
		d.flags |= flagSuppress
	}
	if d.flags&flagCalled == 0 {
		d.start(newFailure(ErrCancelled, 3))
	}
}

// callCanceller runs c, turning a panic into a Failure.
func callCanceller(c func(*Deferred), d *Deferred) (f *Failure) {
	defer func() {
		if v := recover(); v != nil {
			f = panicFailure(v)
		}
	}()
	c(d)
	return nil
}

// runCallbacks runs the queued pairs of d and, iteratively, of every
// Deferred that was waiting on it, so the Go stack does not grow with the
// depth of nested Deferreds.
func (d *Deferred) runCallbacks() {
	if d.flags&flagRunning != 0 {
		return
	}
	var stack []*Deferred // Deferreds to go back to, rarely needed
	cur := d
	for {
		if cur.paused == 0 && cur.waiting == nil {
			next := cur.runQueue()
			if next != nil && cur.n > 0 {
				stack = append(stack, cur)
			} else {
				// Done, or waiting: finishing it before moving on keeps
				// the stack short for long lines of nested Deferreds.
				cur.finish()
			}
			if next != nil {
				cur = next
				continue
			}
		}
		if len(stack) == 0 {
			return
		}
		cur = stack[len(stack)-1]
		stack = stack[:len(stack)-1]
	}
}

// runQueue runs d's queued pairs until the queue is empty, d waits on
// another Deferred, or a pair hands the result to another Deferred, which
// it returns. A panicking callback becomes the Failure result and the run
// goes on; one recover per run, not per callback, keeps callbacks cheap.
func (d *Deferred) runQueue() *Deferred {
	for d.n > 0 {
		if next, panicked := d.runGuarded(); !panicked {
			return next
		}
	}
	return nil
}

func (d *Deferred) runGuarded() (next *Deferred, panicked bool) {
	defer func() {
		if v := recover(); v != nil {
			d.flags &^= flagRunning
			d.result = panicFailure(v)
			next, panicked = nil, true
		}
	}()
	for d.n > 0 && d.paused == 0 { // a callback may Pause its own Deferred
		p := d.take()
		if p.op > kindBoth {
			if next := d.handOver(p); next != nil {
				return next, false
			}
			continue
		}
		var res any
		var err error
		d.flags |= flagRunning
		if f, failed := d.result.(*Failure); !failed || p.op == kindBoth {
			if p.cb == nil {
				d.flags &^= flagRunning
				continue
			}
			res, err = p.cb(d.result)
		} else {
			if p.eb == nil {
				d.flags &^= flagRunning
				continue
			}
			res, err = p.eb(f)
		}
		d.flags &^= flagRunning
		if err != nil {
			d.result = newFailure(err, 2)
			continue
		}
		if inner, ok := res.(*Deferred); ok {
			if d.await(inner) {
				return nil, false
			}
			continue
		}
		if f, ok := res.(*Failure); ok && f == nil {
			res = nil
		}
		d.result = res
	}
	return nil, false
}

// handOver runs a resume or chain pair and returns the Deferred to run
// next, if any.
func (d *Deferred) handOver(p callbackPair) *Deferred {
	t := p.target
	res := d.result
	switch p.op.kind() {
	case kindResume:
		t.result, d.result = res, nil
		t.waiting = nil
		return t
	case kindList:
		var fire any
		if d.result, fire = t.extra.list.record(p.op.index(), res, t.Called()); fire == nil || t.accept(fire) != nil {
			return nil
		}
		return t
	}
	if t.extra != nil {
		t.extra.chainedTo = nil
	}
	switch err := t.accept(res); {
	case err == errSuppressed:
		d.result = nil
		return nil
	case err != nil:
		d.result = newFailure(err, 3)
		return nil
	}
	d.result = nil
	return t
}

// await handles a callback that returned inner: take its result now if it
// has one, else wait for it. It reports whether d now waits.
func (d *Deferred) await(inner *Deferred) bool {
	if inner == d {
		d.result = newFailure(ErrSelfResult, 3)
		return false
	}
	if inner.flags&(flagCalled|flagRunning) == flagCalled && inner.paused == 0 && inner.waiting == nil {
		d.result, inner.result = inner.result, nil
		inner.finish()
		return false
	}
	d.result = nil
	d.waiting = inner
	inner.push(callbackPair{target: d, op: kindResume})
	return true
}

// finish records the end of a run: a Failure left as the result is
// reported if the Deferred is collected with it; any other result disarms
// that report. The success path pays one nil check.
func (d *Deferred) finish() {
	if c := d.qhead; c != nil && d.n == 0 {
		d.qhead, d.qtail = nil, nil
		c.release()
	}
	f, failed := d.result.(*Failure)
	if !failed || d.waiting != nil {
		if d.extra != nil && d.extra.unhandled != nil {
			d.extra.unhandled.failure.Store(nil)
		}
		return
	}
	if d.extra == nil {
		d.extra = &deferredExtra{}
	}
	r := d.extra.unhandled
	if r == nil {
		r = &unhandledRecord{created: d.extra.created, fired: d.extra.fired}
		d.extra.unhandled = r
		runtime.AddCleanup(d, reportUnhandled, r)
	}
	r.failure.Store(f)
}

// String describes the Deferred for debugging, like Twisted's repr.
func (d *Deferred) String() string {
	s := fmt.Sprintf("<Deferred at %p", d)
	switch {
	case d.waiting != nil:
		s += fmt.Sprintf(" waiting on Deferred at %p", d.waiting)
	case d.extra != nil && d.extra.chainedTo != nil && d.flags&flagCalled == 0:
		s += fmt.Sprintf(" waiting on Deferred at %p", d.extra.chainedTo)
	case d.flags&flagCalled != 0:
		s += fmt.Sprintf(" current result: %#v", d.result)
	}
	return s + ">"
}

// Guard calls f and returns what it returns, a panic in f as a *Failure
// whose stack holds the panicking frames.
func Guard(f func() (any, error)) (res any, err error) {
	defer func() {
		if v := recover(); v != nil {
			res, err = nil, panicFailure(v)
		}
	}()
	return f()
}

// MaybeDeferred calls f and returns its result as a Deferred: f's own
// *Deferred unchanged, a failed one for an error, a returned *Failure or a
// panic, else one fired with the value.
func MaybeDeferred(f func() (any, error)) *Deferred {
	res, err := Guard(f)
	if err != nil {
		return Fail(err)
	}
	switch r := res.(type) {
	case *Deferred:
		if r != nil {
			return r
		}
	case *Failure:
		if r != nil {
			return Fail(r)
		}
	}
	return Succeed(res)
}
