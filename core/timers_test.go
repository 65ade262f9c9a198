package core

import (
	"bytes"
	"errors"
	"log"
	"math/rand"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/core/deferred"
)

// captureLog collects what the standard logger prints during the test.
func captureLog(t *testing.T) *syncBuffer {
	t.Helper()
	var buf syncBuffer
	prev, flags := log.Writer(), log.Flags()
	log.SetOutput(&buf)
	t.Cleanup(func() { log.SetOutput(prev); log.SetFlags(flags) })
	return &buf
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Item 45: the call is due at Now()+delay and active; a negative delay
// counts as zero.
func TestCallLaterTime(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		before := l.Now()
		dc := l.CallLater(time.Hour, func() {})
		after := l.Now()
		if dc.Time().Before(before.Add(time.Hour)) || dc.Time().After(after.Add(time.Hour)) {
			t.Errorf("Time() = %v, want between %v and %v", dc.Time(), before.Add(time.Hour), after.Add(time.Hour))
		}
		if !dc.Active() {
			t.Error("new call is not active")
		}
		ran := false
		neg := l.CallLater(-time.Hour, func() { ran = true })
		if neg.Time().Before(before) {
			t.Errorf("negative delay scheduled in the past: %v < %v", neg.Time(), before)
		}
		if err := l.Iterate(0); err != nil {
			t.Fatal(err)
		}
		if !ran {
			t.Error("call with a negative delay did not run on the next pass")
		}
	})
}

// Items 46 and 47: a pass runs due calls in time order, equal times FIFO;
// a call scheduled from a timed call (even with delay 0) runs next pass.
func TestTimedCallOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var got []int
		for i := range 20 {
			l.CallLater(0, func() { got = append(got, i) })
		}
		l.CallLater(-time.Second, func() { got = append(got, -1) })
		l.CallLater(0, func() {
			l.CallLater(0, func() { got = append(got, 100) })
		})
		if err := l.Iterate(0); err != nil {
			t.Fatal(err)
		}
		want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, -1}
		if !slices.Equal(got, want) {
			t.Fatalf("first pass ran %v, want %v", got, want)
		}
		if err := l.Iterate(0); err != nil {
			t.Fatal(err)
		}
		if got[len(got)-1] != 100 || len(got) != len(want)+1 {
			t.Fatalf("call scheduled from a timed call: got %v", got)
		}
	})
}

// Items 48 and 52: Cancel, Active and the errors of cancelling twice or
// after (or while) the call ran.
func TestDelayedCallCancel(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		ran := false
		dc := l.CallLater(0, func() { ran = true })
		if err := dc.Cancel(); err != nil {
			t.Fatal(err)
		}
		if dc.Active() {
			t.Error("cancelled call is active")
		}
		if err := dc.Cancel(); !errors.Is(err, ErrAlreadyCancelled) {
			t.Errorf("second Cancel = %v, want ErrAlreadyCancelled", err)
		}
		var self *DelayedCall
		var selfErr error
		self = l.CallLater(0, func() { selfErr = self.Cancel() })
		if err := l.Iterate(0); err != nil {
			t.Fatal(err)
		}
		if ran {
			t.Error("cancelled call ran")
		}
		if !errors.Is(selfErr, deferred.ErrAlreadyCalled) || !errors.Is(selfErr, ErrDelayedCallCalled) {
			t.Errorf("Cancel from inside the call = %v, want ErrAlreadyCalled", selfErr)
		}
		if self.Active() {
			t.Error("call is active after it ran")
		}
		if err := self.Cancel(); !errors.Is(err, deferred.ErrAlreadyCalled) {
			t.Errorf("Cancel after the call ran = %v, want ErrAlreadyCalled", err)
		}
	})
}

// Item 49: Reset and Delay fail on cancelled and called calls.
func TestDelayedCallResetDelayErrors(t *testing.T) {
	c := NewClock(time.Unix(100, 0))
	cancelled := c.CallLater(time.Second, func() {})
	_ = cancelled.Cancel()
	called := c.CallLater(time.Second, func() {})
	c.Advance(time.Second)
	for _, tc := range []struct {
		dc   *DelayedCall
		want error
	}{{cancelled, ErrAlreadyCancelled}, {called, deferred.ErrAlreadyCalled}} {
		if err := tc.dc.Reset(time.Second); !errors.Is(err, tc.want) {
			t.Errorf("Reset = %v, want %v", err, tc.want)
		}
		if err := tc.dc.Delay(time.Second); !errors.Is(err, tc.want) {
			t.Errorf("Delay = %v, want %v", err, tc.want)
		}
	}
	var zero DelayedCall
	if err := zero.Cancel(); err == nil {
		t.Error("Cancel of a DelayedCall not made by CallLater succeeded")
	}
}

// Items 49-51: Reset moves the call to now+d, Delay adds d; both take
// effect at once in either direction (eager, unlike Twisted's lazy later
// moves).
func TestDelayedCallResetDelayClock(t *testing.T) {
	c := NewClock(time.Unix(100, 0))
	ran := 0
	dc := c.CallLater(50*time.Second, func() { ran++ })
	c.Advance(25 * time.Second)
	if err := dc.Reset(15 * time.Second); err != nil {
		t.Fatal(err)
	}
	if want := time.Unix(140, 0); !dc.Time().Equal(want) {
		t.Errorf("after Reset(15s) at 125: Time = %v, want %v", dc.Time(), want)
	}
	c.Advance(14 * time.Second)
	if ran != 0 {
		t.Fatal("ran early")
	}
	c.Advance(time.Second)
	if ran != 1 {
		t.Fatal("did not run at the reset time")
	}

	c = NewClock(time.Unix(100, 0))
	dc = c.CallLater(50*time.Second, func() { ran++ })
	c.Advance(10 * time.Second)
	if err := dc.Delay(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got := dc.Time().Sub(c.Now()); got != 60*time.Second {
		t.Errorf("after Delay(20s) at 110: due in %v, want 60s", got)
	}
	if err := dc.Delay(-55 * time.Second); err != nil {
		t.Fatal(err)
	}
	c.Advance(5 * time.Second)
	if ran != 2 {
		t.Error("did not run after being moved earlier")
	}
}

// Items 50, 51, 54 and 55 on the loop: Timeout follows Reset, Delay and
// Cancel at once.
func TestTimeout(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		if _, ok := l.Timeout(); ok {
			t.Fatal("Timeout reports a call with none pending")
		}
		a := l.CallLater(50*time.Second, func() {})
		if d, ok := l.Timeout(); !ok || d > 50*time.Second || d < 49*time.Second {
			t.Errorf("Timeout = %v, %v; want about 50s", d, ok)
		}
		if err := a.Reset(time.Hour); err != nil {
			t.Fatal(err)
		}
		if d, _ := l.Timeout(); d < 59*time.Minute {
			t.Errorf("after Reset(1h): Timeout = %v", d)
		}
		if err := a.Delay(-59 * time.Minute); err != nil {
			t.Fatal(err)
		}
		if d, _ := l.Timeout(); d > time.Minute || d < 59*time.Second {
			t.Errorf("after Delay(-59m): Timeout = %v, want about 1m", d)
		}
		b := l.CallLater(-time.Second, func() {})
		if d, _ := l.Timeout(); d != 0 {
			t.Errorf("with a call due: Timeout = %v, want 0", d)
		}
		_ = b.Cancel()
		_ = a.Cancel()
		if d, ok := l.Timeout(); ok {
			t.Errorf("after cancelling everything: Timeout = %v, true", d)
		}
		l.CallLater(1<<62, func() {})
		if d, _ := l.Timeout(); d != maxWait {
			t.Errorf("far call: Timeout = %v, want the cap %v", d, maxWait)
		}
	})
}

// Item 53: GetDelayedCalls lists the pending calls only.
func TestGetDelayedCalls(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		a := l.CallLater(time.Hour, func() {})
		b := l.CallLater(time.Hour, func() {})
		c := l.CallLater(0, func() {})
		_ = b.Cancel()
		if err := l.Iterate(0); err != nil {
			t.Fatal(err)
		}
		d := l.CallLater(time.Minute, func() {})
		got := l.GetDelayedCalls()
		if len(got) != 2 || !slices.Contains(got, a) || !slices.Contains(got, d) || slices.Contains(got, c) {
			t.Errorf("GetDelayedCalls = %v, want [a d]", got)
		}
	})
}

// Item 56: a panicking timed call is logged and the loop goes on.
func TestTimedCallPanic(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		logs := captureLog(t)
		l := newTestLoop(t, name)
		after := false
		l.CallLater(0, func() { panic("boom") })
		l.CallLater(0, func() { after = true })
		if err := l.Iterate(0); err != nil {
			t.Fatal(err)
		}
		if !after {
			t.Error("the call after the panicking one did not run")
		}
		if !strings.Contains(logs.String(), "while handling timed call: boom") {
			t.Errorf("log = %q", logs.String())
		}
	})
}

// Item 57: String never panics, whatever the state.
func TestDelayedCallString(t *testing.T) {
	c := NewClock(time.Unix(0, 0))
	pending := c.CallLater(time.Second, func() {})
	reset := c.CallLater(time.Second, func() {})
	_ = reset.Reset(time.Minute)
	cancelled := c.CallLater(time.Second, nil)
	_ = cancelled.Cancel()
	called := c.CallLater(0, func() {})
	c.Advance(0)
	var nilDC *DelayedCall
	for _, dc := range []*DelayedCall{pending, reset, cancelled, called, {}, nilDC} {
		if s := dc.String(); !strings.HasPrefix(s, "<DelayedCall") {
			t.Errorf("String() = %q", s)
		}
	}
	if s := cancelled.String(); !strings.Contains(s, "cancelled") {
		t.Errorf("cancelled: %q", s)
	}
	if s := called.String(); !strings.Contains(s, "called") {
		t.Errorf("called: %q", s)
	}
}

// The heaps against a sorted model: random schedules, cancels, resets and
// delays, short and long, fire in (time, order of scheduling) order.
func TestTimerHeapModel(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	c := NewClock(time.Unix(0, 0))
	type item struct {
		dc  *DelayedCall
		id  int
		seq int
	}
	var live []*item
	var fired []int
	seq := 0
	for step := range 20000 {
		switch op := rng.Intn(10); {
		case op < 5:
			it := &item{id: step, seq: seq}
			seq++
			it.dc = c.CallLater(time.Duration(rng.Intn(3000))*time.Millisecond, func() { fired = append(fired, it.id) })
			live = append(live, it)
		case op < 7 && len(live) > 0:
			i := rng.Intn(len(live))
			if err := live[i].dc.Cancel(); err != nil {
				t.Fatal(err)
			}
			live = slices.Delete(live, i, i+1)
		case op < 8 && len(live) > 0:
			it := live[rng.Intn(len(live))]
			_ = it.dc.Reset(time.Duration(rng.Intn(3000)) * time.Millisecond)
			it.seq = seq
			seq++
		case op < 9 && len(live) > 0:
			it := live[rng.Intn(len(live))]
			_ = it.dc.Delay(time.Duration(rng.Intn(3000)-1500) * time.Millisecond)
			it.seq = seq
			seq++
		default:
			now := c.Now().Add(time.Duration(rng.Intn(1500)) * time.Millisecond)
			var due []*item
			live = slices.DeleteFunc(live, func(it *item) bool {
				if it.dc.Time().After(now) {
					return false
				}
				due = append(due, it)
				return true
			})
			slices.SortFunc(due, func(a, b *item) int {
				if c := a.dc.Time().Compare(b.dc.Time()); c != 0 {
					return c
				}
				return a.seq - b.seq
			})
			fired = fired[:0]
			c.Advance(now.Sub(c.Now()))
			want := make([]int, len(due))
			for i, it := range due {
				want[i] = it.id
			}
			if !slices.Equal(fired, want) {
				t.Fatalf("step %d: fired %v, want %v", step, fired, want)
			}
		}
		if len(c.GetDelayedCalls()) != len(live) {
			t.Fatalf("step %d: %d pending, want %d", step, len(c.GetDelayedCalls()), len(live))
		}
	}
}
