package core

import (
	"cmp"
	"math"
	"math/rand"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// tick is one tick of the timing wheel.
const tick = time.Duration(1) << wheelTickShift

// The queue against a sorted model over the wheel's whole range: delays
// from nanoseconds to years, cascades through every level, advances from
// one nanosecond to months. Every due call fires, in (time, order of
// scheduling) order, none early, and the loop's wake-up time is never
// after the earliest call nor, with a call pending, at or before now.
func TestTimerWheelModel(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	c := NewClock(time.Unix(0, 0))
	// delay draws a delay whose size spans the levels of the wheel.
	delay := func() time.Duration {
		switch rng.Intn(8) {
		case 0:
			return 0
		case 1:
			return time.Duration(rng.Int63n(int64(tick)))
		case 2: // exactly on a level's boundary, give or take a nanosecond
			level := rng.Intn(wheelLevels - 1)
			return tick<<(level*wheelBits) + time.Duration(rng.Intn(3)-1)
		case 3:
			return time.Duration(math.MaxInt64)
		}
		return time.Duration(rng.Int63n(1 << (10 + rng.Intn(42))))
	}
	// order is each pending call's place in the order of scheduling
	// (Reset and Delay count as scheduling anew); fired is what ran.
	order := map[*DelayedCall]int{}
	var pending []*DelayedCall
	var fired []*DelayedCall
	next := 0
	pick := func() *DelayedCall { return pending[rng.Intn(len(pending))] }
	for step := range 30000 {
		var touched *DelayedCall
		switch op := rng.Intn(12); {
		case op < 5:
			var dc *DelayedCall
			dc = c.CallLater(delay(), func() {
				if c.Now().Before(dc.Time()) {
					t.Fatalf("a call ran at %v, before its time %v", c.Now(), dc.Time())
				}
				fired = append(fired, dc)
			})
			pending = append(pending, dc)
			touched = dc
		case op < 7 && len(pending) > 0:
			dc := pick()
			if err := dc.Cancel(); err != nil {
				t.Fatal(err)
			}
			delete(order, dc)
			pending = slices.DeleteFunc(pending, func(p *DelayedCall) bool { return p == dc })
		case op < 8 && len(pending) > 0:
			touched = pick()
			_ = touched.Reset(delay())
		case op < 9 && len(pending) > 0:
			d := delay()
			if rng.Intn(2) == 0 {
				d = -d
			}
			touched = pick()
			_ = touched.Delay(d)
		default:
			by := delay() / time.Duration(1+rng.Intn(1000))
			var want []*DelayedCall
			pending = slices.DeleteFunc(pending, func(dc *DelayedCall) bool {
				if dc.Time().Sub(c.Now()) > by {
					return false
				}
				want = append(want, dc)
				return true
			})
			slices.SortFunc(want, func(a, b *DelayedCall) int {
				return cmp.Or(a.Time().Compare(b.Time()), order[a]-order[b])
			})
			fired = fired[:0]
			c.Advance(by)
			if !slices.Equal(fired, want) {
				t.Fatalf("step %d: fired %d calls, want %d, or in another order", step, len(fired), len(want))
			}
			for _, dc := range want {
				delete(order, dc)
			}
		}
		if touched != nil { // the latest in the order of scheduling
			order[touched] = next
			next++
		}
		checkWakeAt(t, &c.timers)
		if n := len(c.GetDelayedCalls()); n != len(pending) {
			t.Fatalf("step %d: %d pending, want %d", step, n, len(pending))
		}
	}
}

// checkWakeAt fails unless the queue's wake-up time is after now and no
// later than its earliest call, and its count of calls is right.
func checkWakeAt(t *testing.T, q *timerQueue) {
	t.Helper()
	next, ok := q.next()
	wake, wok := q.wakeAt()
	if ok != wok {
		t.Fatalf("next reports a call: %v, wakeAt: %v", ok, wok)
	}
	if !ok {
		return
	}
	if wake > next {
		t.Fatalf("wakeAt %d is after the earliest call %d", wake, next)
	}
	if wake <= q.now && next > q.now {
		t.Fatalf("wakeAt %d is not after now %d while no call is due", wake, q.now)
	}
}

// A million pending calls, a wheel's worth of levels apart, fire in order
// and each exactly once as the clock moves over them in uneven steps.
func TestTimerWheelMillion(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	rng := rand.New(rand.NewSource(3))
	c := NewClock(time.Unix(0, 0))
	last, lastSeq, fired := time.Duration(-1), -1, 0
	for i := range n {
		at := time.Duration(rng.Int63n(int64(100 * time.Hour)))
		if i%7 == 0 {
			at = at.Truncate(time.Second) // many equal times
		}
		c.CallLater(at, func() {
			now := c.Now().Sub(time.Unix(0, 0))
			switch {
			case now < at:
				t.Fatalf("call due at %v ran at %v", at, now)
			case at < last || (at == last && i < lastSeq):
				t.Fatalf("call %d due at %v ran after call %d due at %v", i, at, lastSeq, last)
			}
			last, lastSeq = at, i
			fired++
		})
	}
	for fired < n {
		c.Advance(time.Duration(rng.Int63n(int64(10 * time.Minute))))
		checkWakeAt(t, &c.timers)
	}
	if len(c.GetDelayedCalls()) != 0 || fired != n {
		t.Fatalf("%d fired, %d still pending", fired, len(c.GetDelayedCalls()))
	}
}

// Calls that cascade from the top of the wheel to the due queue keep
// FIFO order among equal times, whichever way they got there.
func TestTimerWheelCascadeFIFO(t *testing.T) {
	c := NewClock(time.Unix(0, 0))
	var got []int
	at := 5 * time.Hour
	for i := range 10 {
		c.CallLater(at, func() { got = append(got, i) })
		c.Advance(tick * 97) // later calls start on lower levels
		at -= tick * 97
	}
	moved := c.CallLater(time.Hour*9, func() { got = append(got, 10) })
	if err := moved.Delay(at - 9*time.Hour); err != nil {
		t.Fatal(err)
	}
	c.Advance(at - time.Nanosecond)
	if len(got) != 0 {
		t.Fatalf("ran early: %v", got)
	}
	c.Advance(time.Nanosecond)
	if want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// A call cancelled in the middle of the due queue's lane never sets the
// wait time and never fires; its neighbours fire in order.
func TestDueLaneCancel(t *testing.T) {
	c := NewClock(time.Unix(0, 0))
	var got []int
	var calls []*DelayedCall
	for i := range 3 * laneCompact {
		calls = append(calls, c.CallLater(time.Duration(i%5), func() { got = append(got, i) }))
	}
	var want []int
	for i, dc := range calls {
		if i%3 != 0 || i == len(calls)-1 {
			_ = dc.Cancel()
			continue
		}
		want = append(want, i)
	}
	if at, ok := c.timers.next(); !ok || at != 0 {
		t.Fatalf("earliest pending call at %d, %v; want 0", at, ok)
	}
	for i := range want {
		_ = calls[want[i]].Cancel()
	}
	if at, ok := c.timers.next(); ok {
		t.Fatalf("after cancelling every call, one is reported due at %d", at)
	}
	if _, ok := c.timers.wakeAt(); ok {
		t.Fatal("after cancelling every call, the loop would still wake for one")
	}
	c.Advance(time.Second)
	if len(got) != 0 {
		t.Fatalf("cancelled calls ran: %v", got)
	}
	for i := range 2 * laneCompact {
		c.CallLater(0, func() { got = append(got, i) })
		if i%2 == 0 {
			c.Advance(0)
		}
	}
	c.Advance(0)
	if len(got) != 2*laneCompact || !slices.IsSorted(got) {
		t.Fatalf("%d of %d calls ran, sorted: %v", len(got), 2*laneCompact, slices.IsSorted(got))
	}
}

// Inside a pass, CallLater and Now count from the pass's time: fixed for
// the stretch of callbacks it covers, never older than the start of that
// stretch, and read again when Wait returns, so an I/O callback counts
// from after the data it handles arrived.
func TestPassTime(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		before := time.Now()
		var inPass, inPassLater, scheduled time.Time
		var dc *DelayedCall
		l.CallFromThread(func() {
			inPass = l.Now()
			dc = l.CallLater(time.Minute, func() {})
			inPassLater = l.Now()
			scheduled = time.Now()
		})
		if err := l.Iterate(0); err != nil {
			t.Fatal(err)
		}
		if inPass.Before(before) || inPass.After(scheduled) {
			t.Errorf("pass time %v is not between the pass's start %v and the call %v", inPass, before, scheduled)
		}
		if !inPassLater.Equal(inPass) {
			t.Errorf("the pass time moved within one stretch of callbacks: %v then %v", inPass, inPassLater)
		}
		if want := inPass.Add(time.Minute); !dc.Time().Equal(want) {
			t.Errorf("CallLater(1m) in a pass is due at %v, want the pass time plus 1m, %v", dc.Time(), want)
		}
		if outside := l.Now(); outside.Before(scheduled) {
			t.Errorf("Now outside a pass is %v, before %v", outside, scheduled)
		}

		fd, peer := socketPair(t)
		var readAt time.Time
		written := make(chan time.Time, 1)
		d := &testDesc{fd: fd, onRead: func() error {
			readAt = l.Now()
			var b [1]byte
			_, err := unix.Read(fd, b[:])
			return err
		}}
		if err := l.AddReader(d); err != nil {
			t.Fatal(err)
		}
		go func() {
			time.Sleep(time.Millisecond) // most often, the loop is in Wait by now
			written <- time.Now()
			_, _ = unix.Write(peer, []byte{1})
		}()
		for d.reads == 0 {
			if err := l.Iterate(-1); err != nil {
				t.Fatal(err)
			}
		}
		if w := <-written; readAt.Before(w) {
			t.Errorf("an I/O callback saw the pass time %v, before its data was written at %v", readAt, w)
		}
	})
}

// A call scheduled from a callback with delay d never runs before d has
// passed by the loop's clock, however long the callbacks before it ran.
func TestPassTimeNeverEarly(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		const calls = 50
		ran := 0
		for i := range calls {
			l.CallLater(time.Duration(i%5)*time.Millisecond, func() {
				start := l.Now()
				d := time.Duration(i%3) * time.Millisecond
				var dc *DelayedCall
				dc = l.CallLater(d, func() {
					if l.Now().Sub(start) < d || l.Now().Before(dc.Time()) {
						t.Errorf("call with delay %v ran %v after the pass time it counted from", d, l.Now().Sub(start))
					}
					ran++
				})
			})
		}
		for ran < calls { // the pass that runs the last call must not block after it
			if err := l.Iterate(10 * time.Millisecond); err != nil {
				t.Fatal(err)
			}
		}
	})
}
