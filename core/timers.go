package core

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"time"

	"github.com/reactorbench/reactorbench/core/deferred"
)

// Errors of DelayedCall methods on a call that can no longer change.
var (
	// ErrAlreadyCancelled: the call was cancelled.
	ErrAlreadyCancelled = errors.New("core: delayed call was already cancelled")
	// ErrDelayedCallCalled: the call has run (or is running). It matches
	// ErrAlreadyCalled with errors.Is.
	ErrDelayedCallCalled error = delayedCallCalled{}
)

type delayedCallCalled struct{}

func (delayedCallCalled) Error() string        { return "core: delayed call was already called" }
func (delayedCallCalled) Is(target error) bool { return target == deferred.ErrAlreadyCalled }

type dcState uint8

const (
	dcPending dcState = iota
	dcCancelled
	dcCalled
)

// DelayedCall is a call scheduled with CallLater. Its methods are called on
// the goroutine that owns its scheduler (the reactor goroutine, or the test
// goroutine driving a Clock).
type DelayedCall struct {
	fn    func()
	at    int64 // nanoseconds since the scheduler's epoch
	q     *timerQueue
	index int32  // position in its heap, lane or wheel slot while pending
	slot  uint16 // inHeap, inLane, or 1 + its wheel slot
	state dcState
}

// Cancel stops the call from running. It fails with ErrAlreadyCancelled or
// ErrDelayedCallCalled. The call leaves its queue at once, so it never sets
// the reactor's wait time again, and drops its function (as a call that
// has run does), so a kept DelayedCall keeps nothing else alive.
func (dc *DelayedCall) Cancel() error {
	if err := dc.check("DelayedCall.Cancel"); err != nil {
		return err
	}
	dc.state = dcCancelled
	dc.fn = nil
	dc.q.remove(dc)
	return nil
}

// Reset reschedules the call to run d from now (the scheduler's Now).
func (dc *DelayedCall) Reset(d time.Duration) error {
	if err := dc.check("DelayedCall.Reset"); err != nil {
		return err
	}
	dc.q.move(dc, addSat(dc.q.current(), d))
	return nil
}

// Delay postpones the call by d (earlier when d is negative).
func (dc *DelayedCall) Delay(d time.Duration) error {
	if err := dc.check("DelayedCall.Delay"); err != nil {
		return err
	}
	dc.q.move(dc, addSat(dc.at, d))
	return nil
}

// Active reports whether the call is still pending: neither run nor
// cancelled.
func (dc *DelayedCall) Active() bool { return dc.q != nil && dc.state == dcPending }

// Time is when the call is due.
func (dc *DelayedCall) Time() time.Time {
	if dc.q == nil {
		return time.Time{}
	}
	return dc.q.epoch.Add(time.Duration(dc.at))
}

// String describes the call: its function (while pending), state and due
// time. It never panics, whatever the state.
func (dc *DelayedCall) String() string {
	if dc == nil || dc.q == nil {
		return "<DelayedCall (unscheduled)>"
	}
	state := "pending"
	switch dc.state {
	case dcCancelled:
		state = "cancelled"
	case dcCalled:
		state = "called"
	}
	name := "?"
	if f := runtime.FuncForPC(reflect.ValueOf(dc.fn).Pointer()); f != nil {
		name = f.Name()
	}
	return fmt.Sprintf("<DelayedCall %s %s due in %v>", name, state, time.Duration(dc.at-dc.q.current()))
}

func (dc *DelayedCall) check(method string) error {
	if dc.q != nil && dc.q.owner != nil {
		dc.q.owner.check(method)
	}
	switch {
	case dc.q == nil:
		return errors.New("core: DelayedCall was not made by CallLater")
	case dc.state == dcCancelled:
		return ErrAlreadyCancelled
	case dc.state == dcCalled:
		return ErrDelayedCallCalled
	}
	return nil
}

// timerEntry keeps the sort key next to the pointer, so that sifting and
// cascading read no DelayedCall but the one they move.
type timerEntry struct {
	at  int64
	seq uint64 // breaks ties between equal times: first scheduled runs first
	dc  *DelayedCall
}

func (a *timerEntry) less(b *timerEntry) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// timerQueue holds the pending calls of a Loop or a Clock. Calls due
// within the wheel's current tick (about a millisecond) sit in the due
// queue, ordered by (time, sequence), which fires them exactly; later
// calls sit in a hierarchical timing wheel, where scheduling and
// cancelling cost the same whatever the number pending, and move to the
// due queue when their tick comes. Each DelayedCall knows its place, so
// cancel is eager.
type timerQueue struct {
	due   dueQueue
	wheel timerWheel
	seq   uint64
	epoch time.Time
	slab  []DelayedCall // see newCall

	// now is the time CallLater counts from, in nanoseconds since epoch:
	// a Clock's time, or a Loop's pass time while cached is set. Outside
	// a pass a Loop reads its clock with read.
	now    int64
	cached bool
	read   func() int64 // nil for a Clock
	owner  *loopOwner   // the Loop's, for the goroutine check; nil for a Clock
}

// current is the time a new call counts its delay from.
func (q *timerQueue) current() int64 {
	if q.cached || q.read == nil {
		return q.now
	}
	return q.read()
}

// schedule adds a call due delay from now (a negative delay counts as 0).
func (q *timerQueue) schedule(delay time.Duration, fn func()) *DelayedCall {
	dc := q.newCall()
	*dc = DelayedCall{fn: fn, at: addSat(q.current(), max(delay, 0)), q: q}
	q.push(dc)
	return dc
}

// callSlab is how many DelayedCalls one allocation makes.
const callSlab = 16

// newCall hands out the next DelayedCall of the current slab, allocating
// callSlab of them once it is used up: scheduling costs a sixteenth of an
// allocation. Each DelayedCall is handed out once and never reused, so a
// kept handle stays valid; it keeps its slab (512 bytes) alive, and calls
// drop their functions once run or cancelled so that is all it keeps.
func (q *timerQueue) newCall() *DelayedCall {
	if len(q.slab) == 0 {
		q.slab = make([]DelayedCall, callSlab)
	}
	dc := &q.slab[0]
	q.slab = q.slab[1:]
	return dc
}

// push gives dc the next sequence number and files it.
func (q *timerQueue) push(dc *DelayedCall) {
	e := timerEntry{dc.at, q.seq, dc}
	q.seq++
	q.file(e)
}

// file puts e in the due queue when it is due by the end of the wheel's
// current tick, else in the wheel.
func (q *timerQueue) file(e timerEntry) {
	if t := e.at >> wheelTickShift; t > q.wheel.cur {
		q.wheel.add(e, t)
		return
	}
	q.due.push(e)
}

func (q *timerQueue) remove(dc *DelayedCall) {
	if dc.slot == inHeap || dc.slot == inLane {
		q.due.remove(dc)
		return
	}
	q.wheel.remove(dc)
}

// move gives a pending call a new time and a new sequence number, as if it
// had just been scheduled.
func (q *timerQueue) move(dc *DelayedCall, at int64) {
	q.remove(dc)
	dc.at = at
	q.push(dc)
}

// advance moves to the due queue every call of the wheel whose tick has
// come by now. Call it before popDue with the same now.
func (q *timerQueue) advance(now int64) {
	w := &q.wheel
	t := now >> wheelTickShift
	for t > w.cur && w.n > 0 {
		start, slot, ok := w.next()
		if !ok || start > t {
			break
		}
		// From the slot's first tick on, each of its calls belongs to a
		// lower level or, if its tick has come, the due queue: never to this
		// slot again.
		w.cur = start
		entries := w.take(slot)
		for _, e := range entries {
			q.file(e)
		}
		clear(entries)
	}
	w.cur = max(w.cur, t)
}

// popDue removes the earliest call of the due queue if it is due at now
// and was scheduled before sequence number limit, marks it called and
// returns its function; false when there is none.
func (q *timerQueue) popDue(now int64, limit uint64) (func(), bool) {
	e := q.due.front()
	if e == nil || e.at > now || e.seq >= limit {
		return nil, false
	}
	dc := e.dc
	q.due.popFront(e)
	dc.state = dcCalled
	fn := dc.fn
	dc.fn = nil
	return fn, true
}

// next returns the earliest pending call's time, or false when none.
func (q *timerQueue) next() (int64, bool) {
	e, ok := q.wheel.earliest()
	if f := q.due.front(); f != nil && (!ok || f.less(&e)) {
		return f.at, true
	}
	return e.at, ok
}

// wakeAt is when the loop must next look at its calls: the earliest call
// of the due queue, or the first tick of the wheel's earliest occupied
// slot, when it cascades. Unlike next it reads no slot, so it costs the
// same whatever the number pending. False when no call is pending.
func (q *timerQueue) wakeAt() (int64, bool) {
	start, _, ok := q.wheel.next()
	at := start << wheelTickShift
	if f := q.due.front(); f != nil && (!ok || f.at < at) {
		return f.at, true
	}
	return at, ok
}

func (q *timerQueue) list() []*DelayedCall {
	out := make([]*DelayedCall, 0, q.due.len()+q.wheel.n)
	out = q.due.appendTo(out)
	for _, s := range q.wheel.slots {
		for i := range s {
			out = append(out, s[i].dc)
		}
	}
	return out
}

// addSat adds d to t, saturating instead of overflowing.
func addSat(t int64, d time.Duration) int64 {
	switch {
	case d > 0 && t > math.MaxInt64-int64(d):
		return math.MaxInt64
	case d < 0 && t < math.MinInt64-int64(d):
		return math.MinInt64
	}
	return t + int64(d)
}
