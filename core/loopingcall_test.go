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

// Twisted fires Start's Deferred only once the function returns: a
// function that calls Stop and then returns an error fails it with that
// error; one that returns nil after Stop fires it with the LoopingCall.
func TestLoopingCallStopInsideFunction(t *testing.T) {
	for _, ret := range []error{errors.New("boom"), nil} {
		c := NewClock(time.Unix(0, 0))
		var lc *LoopingCall
		lc = NewLoopingCall(c, func() error {
			if err := lc.Stop(); err != nil {
				t.Errorf("Stop inside the function: %v", err)
			}
			return ret
		})
		res, ok := lc.Start(time.Second, true).Result()
		switch f, failed := res.(*deferred.Failure); {
		case !ok:
			t.Errorf("returning %v after Stop: Start's Deferred has not fired", ret)
		case ret != nil && (!failed || !errors.Is(f, ret)):
			t.Errorf("returning %v after Stop: Start's Deferred has %v; want that error", ret, res)
		case ret == nil && res != lc:
			t.Errorf("returning nil after Stop: Start's Deferred has %v; want the LoopingCall", res)
		}
		if lc.Running() || len(c.GetDelayedCalls()) != 0 {
			t.Errorf("after Stop: running %v, %d calls pending", lc.Running(), len(c.GetDelayedCalls()))
		}
	}
}

// Twisted's testWaitDeferred: the next call waits for the Deferred the
// function returned; once it fires (and stops the loop) nothing is left.
func TestLoopingCallWaitsForDeferred(t *testing.T) {
	c := NewClock(time.Unix(0, 0))
	calls := 0
	var lc *LoopingCall
	lc = NewLoopingCallDeferred(c, func() *deferred.Deferred {
		calls++
		d := deferred.New(nil)
		d.AddCallback(func(any) (any, error) { return nil, lc.Stop() })
		c.CallLater(time.Second, func() { _ = d.Callback(nil) })
		return d
	})
	done := lc.Start(200*time.Millisecond, true)
	c.Pump([]time.Duration{200 * time.Millisecond, 800 * time.Millisecond})
	if calls != 1 || len(c.GetDelayedCalls()) != 0 {
		t.Errorf("%d calls, %d pending; want 1 and none", calls, len(c.GetDelayedCalls()))
	}
	if res, ok := done.Result(); !ok || res != lc {
		t.Errorf("Start's Deferred: %v, %v; want the LoopingCall", res, ok)
	}
}

// Twisted's testFailurePropagation: the failure of the function's
// Deferred stops the loop and fails Start's Deferred.
func TestLoopingCallDeferredFailureStops(t *testing.T) {
	c := NewClock(time.Unix(0, 0))
	boom := errors.New("boom")
	lc := NewLoopingCallDeferred(c, func() *deferred.Deferred {
		d := deferred.New(nil)
		c.CallLater(300*time.Millisecond, func() { _ = d.Errback(boom) })
		return d
	})
	done := lc.Start(time.Second, true)
	c.Pump([]time.Duration{300 * time.Millisecond})
	res, ok := done.Result()
	if f, failed := res.(*deferred.Failure); !ok || !failed || !errors.Is(f, boom) {
		t.Errorf("Start's Deferred: %v, %v; want the failure", res, ok)
	}
	if lc.Running() || len(c.GetDelayedCalls()) != 0 {
		t.Errorf("running %v, %d calls pending; want stopped, none", lc.Running(), len(c.GetDelayedCalls()))
	}
}

// Twisted's test_deferredWithCount: no call while the Deferred is pending;
// the next one comes on the next beat after it fired, with the beats
// missed meanwhile counted.
func TestLoopingCallDeferredSkipsBeats(t *testing.T) {
	c := NewClock(time.Unix(0, 0))
	first := deferred.New(nil)
	calls := 0
	lc := NewLoopingCallDeferred(c, func() *deferred.Deferred {
		calls++
		if calls == 1 {
			return first
		}
		return nil
	})
	lc.Start(200*time.Millisecond, false)
	c.Pump([]time.Duration{200 * time.Millisecond, 400 * time.Millisecond})
	if calls != 1 {
		t.Fatalf("%d calls while the first Deferred is pending; want 1", calls)
	}
	_ = first.Callback(nil)
	c.Pump([]time.Duration{200 * time.Millisecond})
	if calls != 2 || lc.Skipped() != 2 {
		t.Errorf("%d calls, %d beats skipped; want 2 calls (the second one 3 beats after the first) and 2", calls, lc.Skipped())
	}
	_ = lc.Stop()
}
