package core

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/core/deferred"
)

// The Loop is a Reactor.
var _ Reactor = (*Loop)(nil)

func TestOpenUnknown(t *testing.T) {
	if _, err := Open("nope"); err == nil || !strings.Contains(err.Error(), "available") {
		t.Errorf("Open(nope) = %v, want an error listing the backends", err)
	}
	l, err := Open("default")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.BackendName() == "default" || l.BackendName() == "" || l.Poller() == nil {
		t.Errorf("BackendName = %q", l.BackendName())
	}
}

// Item 59: Stop when not running, twice, or after Run returned fails.
func TestStopWhenNotRunning(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		if err := l.Stop(); !errors.Is(err, ErrReactorNotRunning) {
			t.Errorf("Stop before Run = %v", err)
		}
		var second error
		l.CallWhenRunning(func() {
			if err := l.Stop(); err != nil {
				t.Error(err)
			}
			second = l.Stop()
		})
		runTestLoop(t, l)
		if !errors.Is(second, ErrReactorNotRunning) {
			t.Errorf("second Stop = %v", second)
		}
		if err := l.Stop(); !errors.Is(err, ErrReactorNotRunning) {
			t.Errorf("Stop after Run returned = %v", err)
		}
	})
}

// Item 60: Run while running, Run after Stop, Run after Crash.
func TestRunErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var nested error
		l.CallWhenRunning(func() {
			nested = l.Run()
			l.Crash()
		})
		runTestLoop(t, l)
		if !errors.Is(nested, ErrReactorAlreadyRunning) {
			t.Errorf("Run while running = %v", nested)
		}
		ran := false
		l.CallWhenRunning(func() { ran = true; _ = l.Stop() })
		runTestLoop(t, l)
		if !ran {
			t.Error("Run after Crash did not start again")
		}
		if err := l.Run(); !errors.Is(err, ErrReactorNotRestartable) {
			t.Errorf("Run after Stop = %v", err)
		}
	})
}

// Items 61 and 62: startup phases, Running in each, CallWhenRunning order,
// and CallWhenRunning while running calls at once.
func TestStartupOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var got []string
		note := func(s string) func() *deferred.Deferred {
			return func() *deferred.Deferred {
				got = append(got, s+":"+map[bool]string{true: "running", false: "stopped"}[l.Running()])
				return nil
			}
		}
		l.CallWhenRunning(func() { got = append(got, "cwr1") })
		mustTrigger(t, l, After, Startup, note("after"))
		mustTrigger(t, l, During, Startup, note("during"))
		mustTrigger(t, l, Before, Startup, note("before"))
		l.CallWhenRunning(func() {
			got = append(got, "cwr2")
			l.CallWhenRunning(func() { got = append(got, "nested") })
			got = append(got, "cwr2-end")
			_ = l.Stop()
		})
		runTestLoop(t, l)
		want := []string{"before:stopped", "during:running", "cwr1", "after:running", "cwr2", "nested", "cwr2-end"}
		if !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func mustTrigger(t *testing.T, l *Loop, p Phase, event string, fn func() *deferred.Deferred) TriggerID {
	t.Helper()
	id, err := l.AddSystemEventTrigger(p, event, fn)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Item 63: Deferreds from "before" triggers hold back the later phases
// until all fired, without a busy loop while waiting.
func TestAsyncBeforeTrigger(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var got []string
		var waitsAtFire uint64
		for _, delay := range []time.Duration{20 * time.Millisecond, 40 * time.Millisecond} {
			mustTrigger(t, l, Before, Startup, func() *deferred.Deferred {
				d := deferred.New(nil)
				l.CallLater(delay, func() {
					got = append(got, "fire")
					waitsAtFire = l.Counters().Waits
					_ = d.Callback(nil)
				})
				return d
			})
		}
		mustTrigger(t, l, Before, Startup, func() *deferred.Deferred { return deferred.Succeed(nil) })
		mustTrigger(t, l, During, Startup, func() *deferred.Deferred { got = append(got, "during"); return nil })
		l.CallWhenRunning(func() { got = append(got, "after"); _ = l.Stop() })
		runTestLoop(t, l)
		if want := []string{"fire", "fire", "during", "after"}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		// A busy loop would make thousands of passes in 40ms.
		if waitsAtFire > 20 {
			t.Errorf("%d Waits while startup waited on two timers", waitsAtFire)
		}
	})
}

// Items 64 and 66: Stop fires nothing itself; shutdown triggers all run
// before Run returns; Crash skips them.
func TestShutdownTriggers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var got []string
		for _, p := range []Phase{After, During, Before} {
			mustTrigger(t, l, p, Shutdown, func() *deferred.Deferred { got = append(got, string(p)); return nil })
		}
		l.CallWhenRunning(func() {
			_ = l.Stop()
			if len(got) != 0 {
				t.Errorf("Stop fired triggers at once: %v", got)
			}
		})
		runTestLoop(t, l)
		if want := []string{"before", "during", "after"}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}

		c := newTestLoop(t, name)
		fired := false
		mustTrigger(t, c, Before, Shutdown, func() *deferred.Deferred { fired = true; return nil })
		c.CallWhenRunning(c.Crash)
		runTestLoop(t, c)
		if fired || c.Running() {
			t.Errorf("Crash: fired %v, running %v", fired, c.Running())
		}
	})
}

// A Deferred from a "before shutdown" trigger holds Run until it fires.
func TestAsyncBeforeShutdown(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var got []string
		mustTrigger(t, l, Before, Shutdown, func() *deferred.Deferred {
			d := deferred.New(nil)
			l.CallLater(10*time.Millisecond, func() { got = append(got, "fired"); _ = d.Callback(nil) })
			return d
		})
		mustTrigger(t, l, After, Shutdown, func() *deferred.Deferred { got = append(got, "after"); return nil })
		l.CallWhenRunning(func() { _ = l.Stop() })
		runTestLoop(t, l)
		if want := []string{"fired", "after"}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

// Item 67: a panicking trigger is logged; the other triggers of every
// phase still run.
func TestTriggerPanic(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		logs := captureLog(t)
		l := newTestLoop(t, name)
		var got []string
		mustTrigger(t, l, Before, Startup, func() *deferred.Deferred { panic("before") })
		mustTrigger(t, l, Before, Startup, func() *deferred.Deferred { got = append(got, "before2"); return nil })
		mustTrigger(t, l, During, Startup, func() *deferred.Deferred { panic("during") })
		mustTrigger(t, l, After, Startup, func() *deferred.Deferred { got = append(got, "after"); return nil })
		mustTrigger(t, l, Before, Startup, func() *deferred.Deferred { return deferred.Fail(errors.New("failed before")) })
		l.CallWhenRunning(func() { _ = l.Stop() })
		runTestLoop(t, l)
		if want := []string{"before2", "after"}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		for _, s := range []string{"before", "during", "failed before"} {
			if !strings.Contains(logs.String(), s) {
				t.Errorf("log lacks %q: %s", s, logs)
			}
		}
	})
}

// Item 68: bad phase, removing twice, removal while firing, run once.
func TestTriggerManagement(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		if _, err := l.AddSystemEventTrigger("sometime", Startup, func() *deferred.Deferred { return nil }); !errors.Is(err, ErrInvalidPhase) {
			t.Errorf("bad phase: %v", err)
		}
		if _, err := l.AddSystemEventTrigger(Before, "x", nil); err == nil {
			t.Error("nil trigger accepted")
		}
		id := mustTrigger(t, l, Before, "x", func() *deferred.Deferred { return nil })
		if err := l.RemoveSystemEventTrigger(id); err != nil {
			t.Fatal(err)
		}
		if err := l.RemoveSystemEventTrigger(id); !errors.Is(err, ErrNoSuchTrigger) {
			t.Errorf("removing a removed trigger: %v", err)
		}
		n := 0
		var during TriggerID
		mustTrigger(t, l, Before, "x", func() *deferred.Deferred {
			n++
			if err := l.RemoveSystemEventTrigger(during); err != nil {
				t.Error(err)
			}
			return nil
		})
		during = mustTrigger(t, l, During, "x", func() *deferred.Deferred { n += 100; return nil })
		mustTrigger(t, l, After, "x", func() *deferred.Deferred { n += 10; return nil })
		l.FireSystemEvent("x")
		l.FireSystemEvent("x")
		if n != 11 {
			t.Errorf("n = %d, want 11 (before and after once, during removed)", n)
		}
		l.FireSystemEvent("never registered")
	})
}

// Item 69: Iterate runs one pass without blocking past its delay.
func TestIterate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		ran := 0
		l.CallLater(0, func() { ran++ })
		l.CallFromThread(func() { ran++ })
		for range 3 {
			if err := l.Iterate(0); err != nil {
				t.Fatal(err)
			}
		}
		if ran != 2 {
			t.Errorf("ran %d calls, want 2", ran)
		}
		if err := l.Iterate(time.Millisecond); err != nil {
			t.Fatal(err)
		}
		var inner error
		l.CallLater(0, func() { inner = l.Iterate(0) })
		_ = l.Iterate(0)
		if inner == nil {
			t.Error("re-entrant Iterate succeeded")
		}
		if c := l.Counters(); c.Waits != 5 {
			t.Errorf("Waits = %d, want 5", c.Waits)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if err := l.Iterate(0); err == nil {
			t.Error("Iterate after Close succeeded")
		}
		l.CallFromThread(func() {}) // queues; there is no one to wake
		if err := l.Run(); err == nil {
			t.Error("Run after Close succeeded")
		}
	})
}

// Item 71: the waker is internal: a fresh loop has no readers or writers.
func TestWakerIsInternal(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		if r, w, all := l.GetReaders(), l.GetWriters(), l.RemoveAll(); len(r)+len(w)+len(all) != 0 {
			t.Errorf("fresh loop: readers %v writers %v all %v", r, w, all)
		}
	})
}

// Items 72 and 73: CallFromThread is FIFO, queues before Run, and a pass
// runs only what was queued when it began.
func TestCallFromThread(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var got []int
		l.CallFromThread(func() {
			got = append(got, 1)
			l.CallFromThread(func() { got = append(got, 3) })
		})
		l.CallFromThread(func() { got = append(got, 2) })
		l.CallFromThread(nil)
		if err := l.Iterate(0); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, []int{1, 2}) {
			t.Fatalf("first pass: %v", got)
		}
		if err := l.Iterate(0); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, []int{1, 2, 3}) {
			t.Fatalf("second pass: %v", got)
		}

		r := newTestLoop(t, name)
		var order []string
		r.CallFromThread(func() { order = append(order, "queued before Run"); _ = r.Stop() })
		r.CallWhenRunning(func() { order = append(order, "running") })
		runTestLoop(t, r)
		if want := []string{"running", "queued before Run"}; !slices.Equal(order, want) {
			t.Errorf("got %v, want %v", order, want)
		}
	})
}

// Item 74: a call queued from the loop itself wakes the next Wait.
func TestCallFromThreadOnLoopWakes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		ran := false
		l.CallLater(0, func() { l.CallFromThread(func() { ran = true; _ = l.Stop() }) })
		// Without a wake-up the loop would block with nothing to wait for.
		runTestLoop(t, l)
		if !ran {
			t.Error("call did not run")
		}
	})
}

// Item 75: 100,000 back-to-back calls from other goroutines never block
// or fail, arrive in order per goroutine, and cost at most one wake-up
// per pass.
func TestCallFromThreadFlood(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		const n = 100000
		seen := 0
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := range n {
				l.CallFromThread(func() {
					if i != seen {
						t.Errorf("call %d ran as number %d", i, seen)
					}
					seen++
					if seen == n {
						_ = l.Stop()
					}
				})
			}
		}()
		l.CallWhenRunning(func() {})
		runTestLoop(t, l)
		<-done
		if seen != n {
			t.Errorf("%d of %d calls ran", seen, n)
		}
		if c := l.Counters(); c.Wakes > c.Waits+1 {
			t.Errorf("%d wakes for %d passes", c.Wakes, c.Waits)
		}
	})
}

// Item 81: IsInIOThread is true on the loop and false elsewhere.
func TestIsInIOThread(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		results := make(chan bool, 1)
		go func() { results <- l.IsInIOThread() }()
		if <-results {
			t.Error("another goroutine is the IO thread")
		}
		var inLoop, inPool bool
		l.CallWhenRunning(func() {
			inLoop = l.IsInIOThread()
			l.CallInThread(func() {
				r := l.IsInIOThread()
				l.CallFromThread(func() { inPool = r; _ = l.Stop() })
			})
		})
		runErr := make(chan error)
		go func() { runErr <- l.Run() }() // Run on a goroutine other than the one that made l
		if err := <-runErr; err != nil {
			t.Fatal(err)
		}
		if !inLoop || inPool {
			t.Errorf("IsInIOThread: on the loop %v, in the pool %v", inLoop, inPool)
		}
	})
}
