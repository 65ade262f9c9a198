package core

import (
	"slices"
	"testing"
	"time"
)

// Item 58: Advance runs due calls in time order, equal times FIFO, and
// calls they schedule for a time already reached.
func TestClockAdvance(t *testing.T) {
	start := time.Unix(1000, 0)
	c := NewClock(start)
	if !c.Now().Equal(start) {
		t.Fatalf("Now = %v, want %v", c.Now(), start)
	}
	var got []string
	c.CallLater(2*time.Second, func() { got = append(got, "b") })
	c.CallLater(time.Second, func() {
		got = append(got, "a1")
		c.CallLater(0, func() { got = append(got, "a1-child") })
	})
	c.CallLater(time.Second, func() { got = append(got, "a2") })
	c.CallLater(3*time.Second, func() { got = append(got, "c") })
	c.Advance(500 * time.Millisecond)
	if len(got) != 0 {
		t.Fatalf("ran early: %v", got)
	}
	c.Advance(1500 * time.Millisecond)
	// a1-child is due at the new time (2s) and was scheduled after b.
	if want := []string{"a1", "a2", "b", "a1-child"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if want := start.Add(2 * time.Second); !c.Now().Equal(want) {
		t.Errorf("Now = %v, want %v", c.Now(), want)
	}
	c.Advance(-time.Hour)
	if want := start.Add(2 * time.Second); !c.Now().Equal(want) {
		t.Errorf("a negative Advance moved time back to %v", c.Now())
	}
	if n := len(c.GetDelayedCalls()); n != 1 {
		t.Errorf("%d pending, want 1", n)
	}
}

// Pump advances step by step.
func TestClockPump(t *testing.T) {
	c := NewClock(time.Unix(0, 0))
	var at []time.Duration
	for _, d := range []time.Duration{1, 2, 3} {
		c.CallLater(d*time.Second, func() { at = append(at, c.Now().Sub(time.Unix(0, 0))) })
	}
	c.Pump([]time.Duration{time.Second, time.Second, time.Second})
	if want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}; !slices.Equal(at, want) {
		t.Errorf("ran at %v, want %v", at, want)
	}
}

// The Clock is a Scheduler.
var _ Scheduler = (*Clock)(nil)
