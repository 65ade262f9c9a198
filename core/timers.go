package core

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"time"
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
func (delayedCallCalled) Is(target error) bool { return target == ErrAlreadyCalled }

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
	at    int64  // nanoseconds since the scheduler's epoch
	seq   uint64 // breaks ties between equal times: first scheduled runs first
	index int    // position in the heap while pending
	state dcState
	q     *timerQueue
}

// Cancel stops the call from running. It fails with ErrAlreadyCancelled or
// ErrDelayedCallCalled. The call leaves the heap at once, so it never sets the
// reactor's wait time again.
func (dc *DelayedCall) Cancel() error {
	if err := dc.check(); err != nil {
		return err
	}
	dc.state = dcCancelled
	dc.q.remove(dc.index)
	return nil
}

// Reset reschedules the call to run d from now.
func (dc *DelayedCall) Reset(d time.Duration) error {
	if err := dc.check(); err != nil {
		return err
	}
	dc.q.move(dc, addSat(dc.q.now(), d))
	return nil
}

// Delay postpones the call by d (earlier when d is negative).
func (dc *DelayedCall) Delay(d time.Duration) error {
	if err := dc.check(); err != nil {
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

// String describes the call: its function, state and due time. It never
// panics, whatever the state.
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
	return fmt.Sprintf("<DelayedCall %s %s due in %v>", name, state, time.Duration(dc.at-dc.q.now()))
}

func (dc *DelayedCall) check() error {
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

// timerEntry keeps the sort key next to the pointer, so that sifting
// compares without touching the DelayedCall.
type timerEntry struct {
	at  int64
	seq uint64
	dc  *DelayedCall
}

func (a *timerEntry) less(b *timerEntry) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// heapArity is the heap's fan-out: a wide, shallow heap moves fewer
// entries per sift, and each moved entry costs a write to its DelayedCall.
const heapArity = 4

// timerQueue is a heapArity-ary min-heap of pending calls ordered by (time,
// sequence), shared by the Loop and the Clock. Each DelayedCall knows its
// index, so cancel and reschedule are O(log n) and eager.
type timerQueue struct {
	heap  []timerEntry
	seq   uint64
	epoch time.Time
	now   func() int64 // nanoseconds since epoch
}

// schedule adds a call due delay from now (a negative delay counts as 0).
func (q *timerQueue) schedule(delay time.Duration, fn func()) *DelayedCall {
	dc := &DelayedCall{fn: fn, at: addSat(q.now(), max(delay, 0)), q: q}
	dc.seq = q.seq
	q.seq++
	dc.index = len(q.heap)
	q.heap = append(q.heap, timerEntry{dc.at, dc.seq, dc})
	q.up(dc.index)
	return dc
}

// move gives a pending call a new time and a new sequence number, as if it
// had just been scheduled.
func (q *timerQueue) move(dc *DelayedCall, at int64) {
	dc.at, dc.seq = at, q.seq
	q.seq++
	e := &q.heap[dc.index]
	e.at, e.seq = dc.at, dc.seq
	if !q.down(dc.index) {
		q.up(dc.index)
	}
}

// popDue removes and returns the earliest call if it is due at now and was
// scheduled before sequence number limit; nil otherwise.
func (q *timerQueue) popDue(now int64, limit uint64) *DelayedCall {
	if len(q.heap) == 0 {
		return nil
	}
	e := &q.heap[0]
	if e.at > now || e.seq >= limit {
		return nil
	}
	dc := e.dc
	q.remove(0)
	dc.state = dcCalled
	return dc
}

// next returns the earliest pending call's time, or false when none.
func (q *timerQueue) next() (int64, bool) {
	if len(q.heap) == 0 {
		return 0, false
	}
	return q.heap[0].at, true
}

func (q *timerQueue) list() []*DelayedCall {
	out := make([]*DelayedCall, len(q.heap))
	for i := range q.heap {
		out[i] = q.heap[i].dc
	}
	return out
}

func (q *timerQueue) remove(i int) {
	last := len(q.heap) - 1
	if i != last {
		q.heap[i] = q.heap[last]
		q.heap[i].dc.index = i
	}
	q.heap[last] = timerEntry{}
	q.heap = q.heap[:last]
	if i < last && !q.down(i) {
		q.up(i)
	}
}

func (q *timerQueue) up(i int) {
	e := q.heap[i]
	for i > 0 {
		p := (i - 1) / heapArity
		if !e.less(&q.heap[p]) {
			break
		}
		q.heap[i] = q.heap[p]
		q.heap[i].dc.index = i
		i = p
	}
	q.heap[i] = e
	e.dc.index = i
}

// down sifts entry i towards the leaves and reports whether it moved.
func (q *timerQueue) down(i int) bool {
	e := q.heap[i]
	start, n := i, len(q.heap)
	for {
		c := heapArity*i + 1
		if c >= n || c < 0 {
			break
		}
		best := c
		for j := c + 1; j < c+heapArity && j < n; j++ {
			if q.heap[j].less(&q.heap[best]) {
				best = j
			}
		}
		if !q.heap[best].less(&e) {
			break
		}
		q.heap[i] = q.heap[best]
		q.heap[i].dc.index = i
		i = best
	}
	q.heap[i] = e
	e.dc.index = i
	return i > start
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
