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
	at    int64  // nanoseconds since the scheduler's epoch
	seq   uint64 // breaks ties between equal times: first scheduled runs first
	index int    // position in its heap while pending
	long  bool   // in the heap of long delays
	state dcState
	q     *timerQueue
}

// Cancel stops the call from running. It fails with ErrAlreadyCancelled or
// ErrDelayedCallCalled. The call leaves the heap at once, so it never sets the
// reactor's wait time again.
func (dc *DelayedCall) Cancel() error {
	if err := dc.check("DelayedCall.Cancel"); err != nil {
		return err
	}
	dc.state = dcCancelled
	dc.q.cancel(dc)
	return nil
}

// Reset reschedules the call to run d from now.
func (dc *DelayedCall) Reset(d time.Duration) error {
	if err := dc.check("DelayedCall.Reset"); err != nil {
		return err
	}
	dc.q.move(dc, addSat(dc.q.now(), d))
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

// heapArity is the heaps' fan-out: 4 keeps them shallow while one node's
// children share a cache line or two.
const heapArity = 4

// longDelay splits pending calls in two heaps by the delay they were
// scheduled with. Servers keep many long timeouts and churn through short
// delays; with their own heap the short ones sift through a small, cached
// heap instead of one the size of all the timeouts.
const longDelay = time.Second

// timerQueue holds the pending calls of a Loop or a Clock in two min-heaps
// ordered by (time, sequence): short delays and long ones. The earliest
// call is the smaller of the two roots. Each DelayedCall knows its heap
// and index, so cancel and reschedule are O(log n) and eager.
type timerQueue struct {
	heaps [2]timerHeap
	seq   uint64
	epoch time.Time
	now   func() int64 // nanoseconds since epoch
	owner *loopOwner   // the Loop's, for the goroutine check; nil for a Clock
}

// schedule adds a call due delay from now (a negative delay counts as 0).
func (q *timerQueue) schedule(delay time.Duration, fn func()) *DelayedCall {
	now := q.now()
	dc := &DelayedCall{fn: fn, at: addSat(now, max(delay, 0)), q: q}
	q.push(dc, now)
	return dc
}

// push gives dc the next sequence number and files it by its delay.
func (q *timerQueue) push(dc *DelayedCall, now int64) {
	dc.seq = q.seq
	q.seq++
	dc.long = dc.at-now >= int64(longDelay)
	q.heapOf(dc).push(dc)
}

func (q *timerQueue) heapOf(dc *DelayedCall) *timerHeap {
	if dc.long {
		return &q.heaps[1]
	}
	return &q.heaps[0]
}

func (q *timerQueue) cancel(dc *DelayedCall) { q.heapOf(dc).remove(dc.index) }

// move gives a pending call a new time and a new sequence number, as if it
// had just been scheduled.
func (q *timerQueue) move(dc *DelayedCall, at int64) {
	q.heapOf(dc).remove(dc.index)
	dc.at = at
	q.push(dc, q.now())
}

// first returns the heap whose root is the earliest call, or nil.
func (q *timerQueue) first() *timerHeap {
	short, long := &q.heaps[0], &q.heaps[1]
	switch {
	case len(*long) == 0:
		if len(*short) == 0 {
			return nil
		}
		return short
	case len(*short) == 0 || (*long)[0].less(&(*short)[0]):
		return long
	}
	return short
}

// popDue removes and returns the earliest call if it is due at now and was
// scheduled before sequence number limit; nil otherwise.
func (q *timerQueue) popDue(now int64, limit uint64) *DelayedCall {
	h := q.first()
	if h == nil {
		return nil
	}
	e := &(*h)[0]
	if e.at > now || e.seq >= limit {
		return nil
	}
	dc := e.dc
	h.remove(0)
	dc.state = dcCalled
	return dc
}

// next returns the earliest pending call's time, or false when none.
func (q *timerQueue) next() (int64, bool) {
	h := q.first()
	if h == nil {
		return 0, false
	}
	return (*h)[0].at, true
}

func (q *timerQueue) list() []*DelayedCall {
	out := make([]*DelayedCall, 0, len(q.heaps[0])+len(q.heaps[1]))
	for _, h := range q.heaps {
		for i := range h {
			out = append(out, h[i].dc)
		}
	}
	return out
}

// timerHeap is a heapArity-ary min-heap that keeps each DelayedCall's
// index up to date.
type timerHeap []timerEntry

func (h *timerHeap) push(dc *DelayedCall) {
	dc.index = len(*h)
	*h = append(*h, timerEntry{dc.at, dc.seq, dc})
	h.up(dc.index)
}

func (h *timerHeap) remove(i int) {
	s := *h
	last := len(s) - 1
	if i != last {
		s[i] = s[last]
		s[i].dc.index = i
	}
	s[last] = timerEntry{}
	*h = s[:last]
	if i < last && !h.down(i) {
		h.up(i)
	}
}

func (h timerHeap) up(i int) {
	e := h[i]
	for i > 0 {
		p := (i - 1) / heapArity
		if !e.less(&h[p]) {
			break
		}
		h[i] = h[p]
		h[i].dc.index = i
		i = p
	}
	h[i] = e
	e.dc.index = i
}

// down sifts entry i towards the leaves and reports whether it moved.
func (h timerHeap) down(i int) bool {
	e := h[i]
	start, n := i, len(h)
	for {
		c := heapArity*i + 1
		if c >= n || c < 0 {
			break
		}
		best := c
		for j := c + 1; j < c+heapArity && j < n; j++ {
			if h[j].less(&h[best]) {
				best = j
			}
		}
		if !h[best].less(&e) {
			break
		}
		h[i] = h[best]
		h[i].dc.index = i
		i = best
	}
	h[i] = e
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
