package core

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/core/deferred"
	"github.com/reactorbench/reactorbench/core/internal/goroutine"
	"github.com/reactorbench/reactorbench/reactors"
)

var errBoom = errors.New("boom")

// Spec D78, D81: DeferToThread runs f off the loop; the Deferred fires on
// the loop goroutine with the result, or with the error or panic as a
// Failure.
func TestDeferToThread(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var inPool, onLoop []bool
		results := make([]any, 5)
		record := func(i int) func(any) (any, error) {
			return func(v any) (any, error) {
				onLoop = append(onLoop, l.IsInIOThread())
				results[i] = v
				return nil, nil
			}
		}
		var mu sync.Mutex
		l.CallWhenRunning(func() {
			ds := []*deferred.Deferred{
				DeferToThread(l, func() (any, error) {
					mu.Lock()
					inPool = append(inPool, l.IsInIOThread())
					mu.Unlock()
					return 3, nil
				}),
				DeferToThread(l, func() (any, error) { return nil, errBoom }),
				DeferToThread(l, func() (any, error) { panic("in pool") }),
				DeferToThread(l, func() (any, error) { return deferred.New(nil), nil }),
				DeferToThread(l, nil),
			}
			for i, d := range ds {
				d.AddBoth(record(i))
			}
			deferred.List(ds, deferred.ListOptions{}).AddBoth(func(any) (any, error) { l.Stop(); return nil, nil })
		})
		runTestLoop(t, l)
		if len(inPool) != 1 || inPool[0] {
			t.Fatalf("f ran on the loop goroutine: %v", inPool)
		}
		if len(onLoop) != 5 {
			t.Fatalf("%d results", len(onLoop))
		}
		for i, on := range onLoop {
			if !on {
				t.Fatalf("Deferred %d fired off the loop goroutine", i)
			}
		}
		if results[0] != 3 {
			t.Fatalf("result %v", results[0])
		}
		if f, _ := results[1].(*deferred.Failure); f == nil || !errors.Is(f, errBoom) {
			t.Fatalf("error result %v", results[1])
		}
		if f, _ := results[2].(*deferred.Failure); f == nil {
			t.Fatalf("panic result %v", results[2])
		} else if v, ok := f.Panicked(); !ok || v != "in pool" {
			t.Fatalf("panic value %v", v)
		}
		if f, _ := results[3].(*deferred.Failure); f == nil || !errors.Is(f, deferred.ErrDeferredResult) {
			t.Fatalf("Deferred from a thread: %v", results[3])
		}
		if f, _ := results[4].(*deferred.Failure); f == nil || !errors.Is(f, deferred.ErrNilFunc) {
			t.Fatalf("nil f: %v", results[4])
		}
	})
}

// Spec D79: from a pool thread BlockingCallFromThread returns f's value or
// error, or waits for the Deferred f returns; DESIGN: on the loop goroutine
// it returns ErrBlockingCallInIOThread at once instead of deadlocking.
func TestBlockingCallFromThread(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		type got struct {
			v   any
			err error
		}
		var results []got
		var onLoop bool
		var loopErr error
		l.CallWhenRunning(func() {
			_, loopErr = BlockingCallFromThread(l, func() (any, error) { return 1, nil })
			l.CallInThread(func() {
				call := func(f func() (any, error)) {
					v, err := BlockingCallFromThread(l, f)
					results = append(results, got{v, err})
				}
				call(func() (any, error) { onLoop = l.IsInIOThread(); return "sync", nil })
				call(func() (any, error) { return nil, errBoom })
				call(func() (any, error) {
					d := deferred.New(nil)
					l.CallLater(time.Millisecond, func() { d.Callback("async") })
					return d, nil
				})
				call(func() (any, error) {
					d := deferred.New(nil)
					l.CallLater(time.Millisecond, func() { d.Errback(errBoom) })
					return d, nil
				})
				call(nil)
				l.CallFromThread(func() { l.Stop() })
			})
		})
		runTestLoop(t, l)
		if !errors.Is(loopErr, ErrBlockingCallInIOThread) {
			t.Fatalf("on the loop: %v", loopErr)
		}
		if !onLoop {
			t.Fatal("f did not run on the loop goroutine")
		}
		if len(results) != 5 || results[0] != (got{"sync", nil}) || results[2] != (got{"async", nil}) {
			t.Fatalf("results %v", results)
		}
		for _, i := range []int{1, 3} {
			var f *deferred.Failure
			if !errors.Is(results[i].err, errBoom) || !errors.As(results[i].err, &f) {
				t.Fatalf("result %d: %v", i, results[i].err)
			}
		}
		if !errors.Is(results[4].err, deferred.ErrNilFunc) {
			t.Fatalf("nil f: %v", results[4].err)
		}
	})
}

// DESIGN (better than Twisted, #10124): a blocking call waiting on a
// Deferred that never fires returns ErrReactorStopped when the reactor
// shuts down, so the pool can be joined and Run returns.
func TestBlockingCallFromThreadShutdown(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var err error
		l.CallWhenRunning(func() {
			l.CallInThread(func() {
				_, err = BlockingCallFromThread(l, func() (any, error) {
					l.CallLater(0, func() { l.Stop() })
					return deferred.New(nil), nil
				})
			})
		})
		runTestLoop(t, l)
		if !errors.Is(err, ErrReactorStopped) {
			t.Fatalf("err %v", err)
		}
	})
}

// Spec D80: CallMultipleInThread runs the functions in order on one pool
// goroutine.
func TestCallMultipleInThread(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var order []int
		var ids []uintptr
		step := func(i int) func() {
			return func() { order = append(order, i); ids = append(ids, goroutine.Current()) }
		}
		l.CallWhenRunning(func() {
			CallMultipleInThread(l, step(0), step(1), nil, step(2), func() { l.CallFromThread(func() { l.Stop() }) })
		})
		runTestLoop(t, l)
		if len(order) != 3 || order[0] != 0 || order[1] != 1 || order[2] != 2 {
			t.Fatalf("order %v", order)
		}
		if ids[0] != ids[1] || ids[1] != ids[2] || ids[0] == l.loopID.Load() {
			t.Fatalf("goroutines %v", ids)
		}
	})
}

// Spec A30 on a real reactor: a Deferred that never fires times out.
func TestDeferredAddTimeoutOnLoop(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var err error
		l.CallWhenRunning(func() {
			deferred.AddTimeout(deferred.New(nil), time.Millisecond, l, nil).AddErrback(func(f *deferred.Failure) (any, error) {
				err = f
				l.Stop()
				return nil, nil
			})
		})
		runTestLoop(t, l)
		if !errors.Is(err, deferred.ErrTimeout) {
			t.Fatalf("err %v", err)
		}
	})
}

// within runs fn on a new goroutine and fails the test if it has not
// returned after a generous watchdog delay.
func within(t *testing.T, what string, fn func()) {
	t.Helper()
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		fn()
	}()
	select {
	case <-finished:
	case <-time.After(30 * time.Second):
		t.Fatalf("watchdog: %s still running after 30s", what)
	}
}

// DESIGN: once the reactor stopped for good (after Stop, or closed),
// BlockingCallFromThread returns ErrReactorStopped without running f,
// where Twisted would wait forever.
func TestBlockingCallFromThreadAfterStop(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		l.CallWhenRunning(func() { _ = l.Stop() })
		runTestLoop(t, l)
		closed := newTestLoop(t, name)
		_ = closed.Close()
		for what, r := range map[string]*Loop{"stopped": l, "closed": closed} {
			select {
			case <-r.Done():
			default:
				t.Errorf("%s: Done not closed", what)
			}
			ran := false
			var err error
			within(t, "BlockingCallFromThread on a "+what+" loop", func() {
				_, err = BlockingCallFromThread(r, func() (any, error) { ran = true; return nil, nil })
			})
			if !errors.Is(err, ErrReactorStopped) || ran {
				t.Errorf("%s: err %v, f ran %v; want ErrReactorStopped and f not run", what, err, ran)
			}
			_ = r.Iterate(0) // a later pass must not run the abandoned call
			if ran {
				t.Errorf("%s: an abandoned call ran", what)
			}
		}
	})
}

// As in Twisted, a call made before Run waits for the loop to start; so
// does one made after a Crash, since Run may start again.
func TestBlockingCallFromThreadBeforeRun(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		for _, crashed := range []bool{false, true} {
			l := newTestLoop(t, name)
			if crashed {
				l.CallWhenRunning(l.Crash)
				runTestLoop(t, l)
			}
			got := make(chan any, 1)
			go func() {
				v, err := BlockingCallFromThread(l, func() (any, error) { _ = l.Stop(); return "ran", nil })
				if err != nil {
					v = err
				}
				got <- v
			}()
			for queued := false; !queued; {
				l.qmu.Lock()
				queued = len(l.queue) > 0
				l.qmu.Unlock()
				if !queued {
					time.Sleep(time.Millisecond)
				}
			}
			runTestLoop(t, l)
			within(t, "BlockingCallFromThread", func() {
				if v := <-got; v != "ran" {
					t.Errorf("crashed before %v: got %v, want ran", crashed, v)
				}
			})
		}
	})
}

// DESIGN: goroutines and pool threads calling in while the reactor stops
// all return, with results until the shutdown and ErrReactorStopped after;
// none hangs, and the pool can be joined.
func TestBlockingCallFromThreadWhileStopping(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		const callers = 8
		var calls atomic.Int64
		errs := make(chan error, callers+1)
		hammer := func() {
			for i := 0; ; i++ {
				f := func() (any, error) { return i, nil }
				if i%2 == 1 {
					f = func() (any, error) {
						d := deferred.New(nil)
						l.CallLater(0, func() { _ = d.Callback(i) })
						return d, nil
					}
				}
				v, err := BlockingCallFromThread(l, f)
				if err != nil {
					errs <- err
					return
				}
				if v != i {
					errs <- fmt.Errorf("call %d returned %v", i, v)
					return
				}
				if calls.Add(1) == 200 {
					l.CallFromThread(func() { _ = l.Stop() })
				}
			}
		}
		l.CallWhenRunning(func() {
			for range callers / 2 {
				go hammer()
				l.CallInThread(hammer)
			}
			l.CallInThread(func() {
				_, err := BlockingCallFromThread(l, func() (any, error) { return deferred.New(nil), nil })
				errs <- err
			})
		})
		var runErr error
		within(t, "Run", func() { runErr = l.Run() })
		if runErr != nil {
			t.Fatal(runErr)
		}
		within(t, "the callers", func() {
			for range callers + 1 {
				if err := <-errs; !errors.Is(err, ErrReactorStopped) {
					t.Errorf("a caller ended with %v, want ErrReactorStopped", err)
				}
			}
		})
	})
}

// BenchmarkDeferToThread times sequential round trips: from the loop to a
// pool goroutine and back, one Deferred each. Twisted's counterpart is
// shape=defer-to-thread of bench/peers/twisted_inproc.py callbacks.
func BenchmarkDeferToThread(b *testing.B) {
	for _, name := range reactors.Names() {
		b.Run("backend="+name, func(b *testing.B) {
			l := newTestLoop(b, name)
			var step func(any) (any, error)
			left := 0
			step = func(any) (any, error) {
				if left == 0 {
					return nil, l.Stop()
				}
				left--
				DeferToThread(l, benchWork).AddCallback(step)
				return nil, nil
			}
			b.ReportAllocs()
			l.CallWhenRunning(func() {
				b.ResetTimer()
				left = b.N
				step(nil)
			})
			runTestLoop(b, l)
		})
	}
}

func benchWork() (any, error) { return nil, nil }
