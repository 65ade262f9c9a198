package core

import (
	"errors"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/core/deferred"
)

func TestLoopingCallBeats(t *testing.T) {
	c := NewClock(time.Unix(0, 0))
	n := 0
	lc := NewLoopingCall(c, func() error { n++; return nil })
	var stopped any
	lc.Start(time.Second, true).AddCallback(func(r any) (any, error) { stopped = r; return nil, nil })
	if n != 1 || !lc.Running() {
		t.Fatalf("after Start(now=true): %d calls, running %v", n, lc.Running())
	}
	c.Pump([]time.Duration{time.Second, time.Second, 500 * time.Millisecond})
	if n != 3 {
		t.Fatalf("after 2.5 intervals: %d calls, want 3", n)
	}
	if err := lc.Stop(); err != nil {
		t.Fatal(err)
	}
	if stopped != lc {
		t.Errorf("Deferred fired with %v, want the LoopingCall", stopped)
	}
	c.Advance(time.Hour)
	if n != 3 || lc.Running() {
		t.Errorf("ran after Stop: %d calls", n)
	}
	if len(c.GetDelayedCalls()) != 0 {
		t.Error("Stop left a pending call")
	}
	if err := lc.Stop(); !errors.Is(err, ErrLoopingCallNotRunning) {
		t.Errorf("second Stop = %v", err)
	}
}

// Beats stay on the grid start + k*interval; late ones are skipped and
// counted.
func TestLoopingCallSkipped(t *testing.T) {
	c := NewClock(time.Unix(0, 0))
	var at []time.Duration
	lc := NewLoopingCall(c, func() error { at = append(at, c.Now().Sub(time.Unix(0, 0))); return nil })
	lc.Start(time.Second, false)
	c.Advance(time.Second)
	c.Advance(3500 * time.Millisecond)
	c.Advance(500 * time.Millisecond)
	want := []time.Duration{time.Second, 4500 * time.Millisecond, 5 * time.Second}
	if len(at) != len(want) {
		t.Fatalf("ran at %v, want %v", at, want)
	}
	for i := range want {
		if at[i] != want[i] {
			t.Fatalf("ran at %v, want %v", at, want)
		}
	}
	if lc.Skipped() != 2 {
		t.Errorf("Skipped = %d, want 2 (beats 2 and 3)", lc.Skipped())
	}
}

// An error (or panic) from the function stops the loop and fails the
// Deferred; Start on a running loop and a negative interval fail.
func TestLoopingCallErrors(t *testing.T) {
	c := NewClock(time.Unix(0, 0))
	boom := errors.New("boom")
	n := 0
	lc := NewLoopingCall(c, func() error {
		n++
		if n == 2 {
			return boom
		}
		return nil
	})
	var failed error
	lc.Start(time.Second, true).AddErrback(func(f *deferred.Failure) (any, error) { failed = f; return nil, nil })
	var again error
	lc.Start(time.Second, true).AddErrback(func(f *deferred.Failure) (any, error) { again = f; return nil, nil })
	if !errors.Is(again, ErrLoopingCallRunning) {
		t.Errorf("Start while running: %v", again)
	}
	c.Advance(time.Second)
	if !errors.Is(failed, boom) || lc.Running() {
		t.Fatalf("after the error: failure %v, running %v", failed, lc.Running())
	}
	c.Advance(time.Hour)
	if n != 2 {
		t.Errorf("%d calls after the error, want 2", n)
	}

	p := NewLoopingCall(c, func() error { panic("bad") })
	var perr error
	p.Start(time.Second, true).AddErrback(func(f *deferred.Failure) (any, error) { perr = f; return nil, nil })
	if perr == nil || p.Running() {
		t.Errorf("panic: failure %v, running %v", perr, p.Running())
	}
	var neg error
	NewLoopingCall(c, func() error { return nil }).Start(-time.Second, false).AddErrback(func(f *deferred.Failure) (any, error) { neg = f; return nil, nil })
	if neg == nil {
		t.Error("negative interval accepted")
	}
}

// Stop from inside the function ends the loop; interval 0 runs every
// pass of a real loop.
func TestLoopingCallOnLoop(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		n := 0
		var lc *LoopingCall
		lc = NewLoopingCall(l, func() error {
			n++
			if n == 5 {
				return lc.Stop()
			}
			return nil
		})
		lc.Start(0, false).AddCallback(func(any) (any, error) { return nil, l.Stop() })
		runTestLoop(t, l)
		if n != 5 {
			t.Errorf("%d calls, want 5", n)
		}
	})
}
