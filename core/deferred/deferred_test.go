package deferred

import (
	"errors"
	"fmt"
	"log"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var errBoom = errors.New("boom")

// result returns d's current result, failing the test if d has none.
func result(t *testing.T, d *Deferred) any {
	t.Helper()
	r, ok := d.Result()
	if !ok {
		t.Fatalf("%v has no result", d)
	}
	return r
}

// failureOf returns d's Failure, failing the test if d holds none.
func failureOf(t *testing.T, d *Deferred) *Failure {
	t.Helper()
	f, ok := result(t, d).(*Failure)
	if !ok {
		t.Fatalf("%v holds no Failure", d)
	}
	return f
}

// handled adds an errback that swallows d's failure, so no unhandled
// report is logged for it.
func handled(d *Deferred) {
	d.AddErrback(func(*Failure) (any, error) { return nil, nil })
}

func add(n int) func(any) (any, error) {
	return func(v any) (any, error) { return v.(int) + n, nil }
}

// Spec A1: Callback calls the callback exactly once with the value.
func TestDeferredCallbackOnce(t *testing.T) {
	d := New(nil)
	var got []any
	d.AddCallback(func(v any) (any, error) { got = append(got, v); return v, nil })
	if len(got) != 0 {
		t.Fatal("callback ran before firing")
	}
	if err := d.Callback("x"); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "x" {
		t.Fatalf("got %v, want [x]", got)
	}
}

// Spec A2, A3: the Add methods return d; each callback gets the previous
// one's return value; the last is d's result (+1 then *10 on 1 gives 20).
func TestDeferredChainingValues(t *testing.T) {
	d := New(nil)
	if d.AddCallback(add(1)) != d || d.AddErrback(nil) != d || d.AddBoth(func(v any) (any, error) { return v, nil }) != d ||
		d.AddCallbacks(nil, nil) != d || d.Chain(New(nil)) != d {
		t.Fatal("Add* did not return the same Deferred")
	}
	d = New(nil).AddCallback(add(1)).AddCallback(func(v any) (any, error) { return v.(int) * 10, nil })
	d.Callback(1)
	if r := result(t, d); r != 20 {
		t.Fatalf("result %v, want 20", r)
	}
}

// Spec A4: a callback that returns an error, a *Failure or panics skips the
// next callbacks; the next errback gets the Failure.
func TestDeferredCallbackErrors(t *testing.T) {
	for name, cb := range map[string]func(any) (any, error){
		"error":   func(any) (any, error) { return nil, errBoom },
		"failure": func(any) (any, error) { return NewFailure(errBoom), nil },
		"panic":   func(any) (any, error) { panic(errBoom) },
	} {
		t.Run(name, func(t *testing.T) {
			skipped := true
			var got *Failure
			d := New(nil).AddCallback(cb).
				AddCallback(func(v any) (any, error) { skipped = false; return v, nil }).
				AddErrback(func(f *Failure) (any, error) { got = f; return "recovered", nil })
			d.Callback(1)
			if !skipped {
				t.Fatal("callback after the error ran")
			}
			if got == nil || !errors.Is(got, errBoom) {
				t.Fatalf("errback got %v, want boom", got)
			}
			if _, p := got.Panicked(); p != (name == "panic") {
				t.Fatalf("Panicked() = %v", p)
			}
			if r := result(t, d); r != "recovered" {
				t.Fatalf("result %v", r)
			}
		})
	}
}

// Spec A5: an errback returning a value switches back to callbacks; one
// returning a new error replaces the Failure.
func TestDeferredErrbackRecoversOrReplaces(t *testing.T) {
	var got any
	d := New(nil).
		AddErrback(func(*Failure) (any, error) { return 5, nil }).
		AddCallback(func(v any) (any, error) { got = v; return v, nil })
	d.Errback(errBoom)
	if got != 5 {
		t.Fatalf("callback got %v, want 5", got)
	}
	other := errors.New("other")
	d = New(nil).AddErrback(func(*Failure) (any, error) { return nil, other })
	d.Errback(errBoom)
	if f := failureOf(t, d); !errors.Is(f, other) || errors.Is(f, errBoom) {
		t.Fatalf("failure %v, want other", f)
	}
	handled(d)
}

// Spec A6: AddCallback passes failures through, AddErrback passes values
// through, nil halves of AddCallbacks pass through.
func TestDeferredPassThrough(t *testing.T) {
	d := New(nil).AddErrback(func(*Failure) (any, error) { return "eb", nil }).AddCallbacks(add(1), nil)
	d.Callback(1)
	if r := result(t, d); r != 2 {
		t.Fatalf("result %v, want 2", r)
	}
	d = New(nil).AddCallback(add(1)).AddCallbacks(nil, nil)
	d.Errback(errBoom)
	if !errors.Is(failureOf(t, d), errBoom) {
		t.Fatal("failure not passed through")
	}
	handled(d)
}

// Spec A7: AddBoth runs on both paths; on the error path it gets the Failure.
func TestDeferredAddBoth(t *testing.T) {
	var got []any
	both := func(v any) (any, error) { got = append(got, v); return "done", nil }
	New(nil).AddBoth(both).Callback(1)
	d := New(nil).AddBoth(both)
	d.Errback(errBoom)
	if len(got) != 2 || got[0] != 1 {
		t.Fatalf("got %v", got)
	}
	if f, ok := got[1].(*Failure); !ok || !errors.Is(f, errBoom) {
		t.Fatalf("errback path got %v", got[1])
	}
	if r := result(t, d); r != "done" {
		t.Fatalf("result %v", r)
	}
}

// Spec A8: adding to a fired Deferred runs the callback before Add returns.
func TestDeferredImmediate(t *testing.T) {
	ran := false
	Succeed(1).AddCallback(func(v any) (any, error) { ran = true; return v, nil })
	if !ran {
		t.Fatal("callback on a fired Deferred did not run at once")
	}
	var f *Failure
	Fail(errBoom).AddErrback(func(x *Failure) (any, error) { f = x; return nil, nil })
	if f == nil || !errors.Is(f, errBoom) {
		t.Fatal("errback on a failed Deferred did not run at once")
	}
}

// Spec A9: every second firing (CC, CE, EE, EC) is an AlreadyCalledError
// and leaves the first result.
func TestDeferredAlreadyCalled(t *testing.T) {
	fire := map[string]func(*Deferred) error{
		"C": func(d *Deferred) error { return d.Callback(1) },
		"E": func(d *Deferred) error { return d.Errback(errBoom) },
	}
	for _, seq := range []string{"CC", "CE", "EE", "EC"} {
		d := New(nil)
		if err := fire[seq[:1]](d); err != nil {
			t.Fatal(err)
		}
		before, _ := d.Result()
		err := fire[seq[1:]](d)
		var ace *AlreadyCalledError
		if !errors.Is(err, ErrAlreadyCalled) || !errors.As(err, &ace) {
			t.Fatalf("%s: err %v, want AlreadyCalledError", seq, err)
		}
		if after, _ := d.Result(); after != before {
			t.Fatalf("%s: result changed", seq)
		}
		handled(d)
	}
}

// Spec A10: with debugging on, AlreadyCalledError says where the Deferred
// was created (C:) and first fired (I:); off, it says neither.
func TestDeferredAlreadyCalledDebug(t *testing.T) {
	SetDebugging(true)
	d := New(nil)
	d.Callback(1)
	SetDebugging(false)
	if GetDebugging() {
		t.Fatal("GetDebugging")
	}
	msg := d.Callback(2).Error()
	if !strings.Contains(msg, " C:") || !strings.Contains(msg, " I:") || !strings.Contains(msg, "TestDeferredAlreadyCalledDebug") {
		t.Fatalf("debug message lacks the stacks:\n%s", msg)
	}
	d = New(nil)
	d.Callback(1)
	if msg := d.Callback(2).Error(); msg != ErrAlreadyCalled.Error() {
		t.Fatalf("non-debug message %q", msg)
	}
}

// Spec A11: Callback with a *Failure is Errback; Errback wraps a plain
// error in a Failure; Errback(nil) is refused (Twisted: NoCurrentExceptionError).
func TestDeferredErrbackForms(t *testing.T) {
	f := NewFailure(errBoom)
	d := New(nil)
	d.Callback(f)
	if failureOf(t, d) != f {
		t.Fatal("Callback(*Failure) did not take the error path with that Failure")
	}
	handled(d)
	d = New(nil)
	d.Errback(errBoom)
	if g := failureOf(t, d); g.Err() != errBoom {
		t.Fatalf("Errback wrapped %v", g.Err())
	}
	handled(d)
	d = New(nil)
	if err := d.Errback(nil); !errors.Is(err, ErrNilError) || d.Called() {
		t.Fatalf("Errback(nil) = %v, called %v", err, d.Called())
	}
	d = Fail(nil)
	if !errors.Is(failureOf(t, d), ErrNilError) {
		t.Fatal("Fail(nil) should fail with ErrNilError")
	}
	handled(d)
}

// Spec A12: Succeed and Fail give fired Deferreds like manual firing does.
func TestDeferredSucceedFail(t *testing.T) {
	s := Succeed("x")
	m := New(nil)
	m.Callback("x")
	if result(t, s) != result(t, m) || !s.Called() || s.Paused() || s.n != m.n || s.flags != m.flags {
		t.Fatal("Succeed differs from manual callback")
	}
	d := Fail(errBoom)
	if !errors.Is(failureOf(t, d), errBoom) {
		t.Fatal("Fail does not hold the error")
	}
	handled(d)
	if d := Succeed(New(nil)); !errors.Is(failureOf(t, d), ErrDeferredResult) {
		t.Fatal("Succeed(*Deferred) should fail")
	} else {
		handled(d)
	}
}

// Spec A13: a callback adding a callback to its own Deferred does not
// recurse: the new one runs after the current returns, also on the error path.
func TestDeferredReentrantAdd(t *testing.T) {
	var order []string
	d := New(nil)
	d.AddCallback(func(v any) (any, error) {
		d.AddCallback(func(v any) (any, error) { order = append(order, "inner"); return v, nil })
		order = append(order, "outer-end")
		return v, nil
	})
	d.Callback(1)
	if strings.Join(order, ",") != "outer-end,inner" {
		t.Fatalf("order %v", order)
	}
	order = nil
	d = New(nil)
	d.AddCallback(func(any) (any, error) {
		d.AddErrback(func(f *Failure) (any, error) { order = append(order, "eb"); return nil, nil })
		order = append(order, "raise")
		return nil, errBoom
	})
	d.Callback(1)
	if strings.Join(order, ",") != "raise,eb" {
		t.Fatalf("order %v", order)
	}
}

// Spec A14: a Deferred passed to Callback is rejected and nothing fires.
func TestDeferredCallbackWithDeferred(t *testing.T) {
	d := New(nil)
	if err := d.Callback(New(nil)); !errors.Is(err, ErrDeferredResult) || d.Called() {
		t.Fatalf("err %v called %v", err, d.Called())
	}
}

// Spec A15 and DESIGN (Unpause guard): callbacks wait for as many Unpause
// as Pause; Unpause on an unpaused Deferred is an error, not -1.
func TestDeferredPause(t *testing.T) {
	d := New(nil)
	ran := 0
	d.AddCallback(func(v any) (any, error) { ran++; return v, nil })
	if err := d.Unpause(); !errors.Is(err, ErrNotPaused) {
		t.Fatalf("Unpause unpaused = %v", err)
	}
	d.Pause()
	d.Pause()
	d.Callback(1)
	d.AddCallback(func(v any) (any, error) { ran++; return v, nil })
	if ran != 0 || !d.Paused() {
		t.Fatal("ran while paused")
	}
	d.Unpause()
	if ran != 0 {
		t.Fatal("ran after one of two unpauses")
	}
	if err := d.Unpause(); err != nil || ran != 2 {
		t.Fatalf("err %v ran %d", err, ran)
	}
	if err := d.Unpause(); !errors.Is(err, ErrNotPaused) {
		t.Fatalf("extra Unpause = %v", err)
	}
	// Paused before firing with a failure, as testPausedFailure.
	d = New(nil)
	d.Pause()
	var f *Failure
	d.AddErrback(func(x *Failure) (any, error) { f = x; return nil, nil })
	d.Errback(errBoom)
	if f != nil {
		t.Fatal("errback ran while paused")
	}
	d.Unpause()
	if f == nil {
		t.Fatal("errback did not run on unpause")
	}
}

// Spec A16, A21: a callback returning an unfired B pauses A; when B fires
// A goes on with B's result and B holds nil. Errbacks may do the same.
func TestDeferredReturnsUnfiredDeferred(t *testing.T) {
	for _, viaErrback := range []bool{false, true} {
		a, b := New(nil), New(nil)
		var got any
		ret := func(any) (any, error) { return b, nil }
		if viaErrback {
			a.AddErrback(func(*Failure) (any, error) { return b, nil })
		} else {
			a.AddCallback(ret)
		}
		a.AddCallback(func(v any) (any, error) { got = v; return v, nil })
		if viaErrback {
			a.Errback(errBoom)
		} else {
			a.Callback("a")
		}
		if r, _ := a.Result(); r != b || got != nil {
			t.Fatalf("A went on before B fired: %v %v", r, got)
		}
		if !strings.Contains(a.String(), "waiting on Deferred") {
			t.Fatalf("String %s", a)
		}
		b.Callback("b")
		if got != "b" || result(t, a) != "b" || result(t, b) != nil {
			t.Fatalf("got %v a %v b %v", got, result(t, a), result(t, b))
		}
	}
}

// Spec A17: a callback returning a fired B takes B's result at once; B then holds nil.
func TestDeferredReturnsFiredDeferred(t *testing.T) {
	b := Succeed("b")
	a := New(nil).AddCallback(func(any) (any, error) { return b, nil })
	a.Callback("a")
	if result(t, a) != "b" || result(t, b) != nil {
		t.Fatalf("a %v b %v", result(t, a), result(t, b))
	}
}

// Spec A18, A29: a Failure taken over from B is A's alone: B holds nil, so
// only A (if it stays unhandled) can be reported.
func TestDeferredChainedFailureMovesOut(t *testing.T) {
	b := Fail(errBoom)
	a := New(nil).AddCallback(func(any) (any, error) { return b, nil })
	a.Callback(nil)
	if !errors.Is(failureOf(t, a), errBoom) || result(t, b) != nil {
		t.Fatal("failure did not move to A")
	}
	handled(a)
	b2 := New(nil)
	a2 := New(nil).AddCallback(func(any) (any, error) { return b2, nil })
	a2.Callback(nil)
	b2.Errback(errBoom)
	if !errors.Is(failureOf(t, a2), errBoom) || result(t, b2) != nil {
		t.Fatal("async failure did not move to A")
	}
	handled(a2)
}

// Spec A19: B paused with a result makes A wait until B is unpaused.
func TestDeferredChainedPaused(t *testing.T) {
	b := Succeed("b")
	b.Pause()
	a := New(nil).AddCallback(func(any) (any, error) { return b, nil })
	a.Callback(nil)
	if r, _ := a.Result(); r != b {
		t.Fatalf("A took B's result while B was paused: %v", r)
	}
	b.Unpause()
	if result(t, a) != "b" {
		t.Fatalf("A %v after unpause", result(t, a))
	}
}

// Spec A20: nesting is transitive and iterative: 100,000 nested Deferreds
// fire without the stack growing (Twisted's test_boundedStackDepth).
func TestDeferredDeepNestingIterative(t *testing.T) {
	const n = 100000
	ds := make([]*Deferred, n)
	for i := range ds {
		ds[i] = New(nil)
	}
	var depths []int
	for i := 0; i < n-1; i++ {
		next := ds[i+1]
		ds[i].AddCallback(func(any) (any, error) { return next, nil })
		if i == 0 || i == n-2 {
			ds[i].AddCallback(func(v any) (any, error) {
				depths = append(depths, stackDepth())
				return v, nil
			})
		}
	}
	for i := 0; i < n-1; i++ {
		ds[i].Callback(i)
	}
	ds[n-1].Callback("last")
	if result(t, ds[0]) != "last" || len(depths) != 2 {
		t.Fatalf("outermost got %v, depths %v", result(t, ds[0]), depths)
	}
	if depths[0] != depths[1] {
		t.Fatalf("stack depth grew with nesting: %v", depths)
	}
}

func stackDepth() int {
	var pcs [256]uintptr
	return runtime.Callers(0, pcs[:])
}

// Spec A20: a line of Deferreds each returning the next one, fired from
// the innermost, also completes for every outer one.
func TestDeferredDoubleAsynchronousChaining(t *testing.T) {
	first, second, third := New(nil), New(nil), New(nil)
	first.AddCallback(func(any) (any, error) { return second, nil })
	second.AddCallback(func(any) (any, error) { return third, nil })
	var got any
	first.AddCallback(func(v any) (any, error) { got = v; return v, nil })
	first.Callback(nil)
	second.Callback(nil)
	third.Callback("x")
	if got != "x" || result(t, second) != nil || result(t, third) != nil {
		t.Fatalf("got %v", got)
	}
}

// Spec A22 (Go's stricter form): returning the Deferred itself is an error result.
func TestDeferredReturnsItself(t *testing.T) {
	d := New(nil)
	d.AddCallback(func(any) (any, error) { return d, nil })
	d.Callback(1)
	if !errors.Is(failureOf(t, d), ErrSelfResult) {
		t.Fatal("want ErrSelfResult")
	}
	handled(d)
}

// Spec A23: Chain feeds a's result to b; a goes on with nil; firing b does
// not touch a; chaining into a fired b leaves a with AlreadyCalledError.
func TestDeferredChain(t *testing.T) {
	a, b := New(nil), New(nil)
	var bGot any
	b.AddCallback(func(v any) (any, error) { bGot = v; return v, nil })
	var aAfter any = "unset"
	a.Chain(b).AddCallback(func(v any) (any, error) { aAfter = v; return v, nil })
	a.Callback("x")
	if bGot != "x" || aAfter != nil {
		t.Fatalf("b got %v, a after %v", bGot, aAfter)
	}
	a, b = New(nil), Succeed("done")
	a.Chain(b)
	if err := a.Callback("x"); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(failureOf(t, a), ErrAlreadyCalled) {
		t.Fatal("want AlreadyCalled failure on a")
	}
	handled(a)
	// Errors go down the chain to b's errbacks.
	a, b = New(nil), New(nil)
	var bf *Failure
	b.AddErrback(func(f *Failure) (any, error) { bf = f; return nil, nil })
	a.Chain(b)
	a.Errback(errBoom)
	if bf == nil || result(t, a) != nil {
		t.Fatal("failure not chained")
	}
}

// Spec A23 (better than Twisted, whose chainDeferred recurses): a line of
// 100,000 Deferreds joined with Chain fires without stack growth.
func TestDeferredChainIterative(t *testing.T) {
	const n = 100000
	ds := make([]*Deferred, n)
	for i := range ds {
		ds[i] = New(nil)
	}
	for i := 0; i < n-1; i++ {
		ds[i].Chain(ds[i+1])
	}
	depth := 0
	ds[n-1].AddCallback(func(v any) (any, error) { depth = stackDepth(); return v, nil })
	ds[0].Callback("v")
	if result(t, ds[n-1]) != "v" || depth == 0 || depth > 64 {
		t.Fatalf("last %v depth %d", result(t, ds[n-1]), depth)
	}
}

// Spec A24: String shows the address, the result once fired, and what a
// waiting Deferred waits on.
func TestDeferredString(t *testing.T) {
	d := New(nil)
	if s := d.String(); !strings.HasPrefix(s, "<Deferred at 0x") || strings.Contains(s, "result") {
		t.Fatalf("unfired %s", s)
	}
	d.Callback("x")
	if s := d.String(); !strings.Contains(s, `current result: "x"`) {
		t.Fatalf("fired %s", s)
	}
}

// Spec A25: Cancel without canceller fails with ErrCancelled; the
// producer's next firing is dropped, the one after is AlreadyCalled.
func TestDeferredCancelNoCanceller(t *testing.T) {
	for _, fire := range []func(*Deferred) error{
		func(d *Deferred) error { return d.Callback(1) },
		func(d *Deferred) error { return d.Errback(errBoom) },
	} {
		d := New(nil)
		var f *Failure
		d.AddErrback(func(x *Failure) (any, error) { f = x; return nil, nil })
		d.Cancel()
		if f == nil || !errors.Is(f, ErrCancelled) {
			t.Fatalf("errback got %v", f)
		}
		if err := fire(d); err != nil {
			t.Fatalf("first firing after cancel: %v", err)
		}
		if err := fire(d); !errors.Is(err, ErrAlreadyCalled) {
			t.Fatalf("second firing after cancel: %v", err)
		}
	}
}

// Spec A26: the canceller runs once with d; if it does not fire d, d fails
// with ErrCancelled; if it does, that stands; later firings are
// AlreadyCalled. A panicking canceller fails d with the panic.
func TestDeferredCancelWithCanceller(t *testing.T) {
	calls := 0
	var arg *Deferred
	d := New(func(x *Deferred) { calls++; arg = x })
	d.Cancel()
	d.Cancel()
	if calls != 1 || arg != d || !errors.Is(failureOf(t, d), ErrCancelled) {
		t.Fatalf("calls %d arg ok %v", calls, arg == d)
	}
	if err := d.Callback(1); !errors.Is(err, ErrAlreadyCalled) {
		t.Fatalf("firing after cancel with canceller: %v", err)
	}
	handled(d)
	d = New(func(x *Deferred) { x.Callback("by canceller") })
	d.Cancel()
	if result(t, d) != "by canceller" {
		t.Fatal("canceller's callback did not stand")
	}
	d = New(func(x *Deferred) { x.Errback(errBoom) })
	d.Cancel()
	if !errors.Is(failureOf(t, d), errBoom) {
		t.Fatal("canceller's errback did not stand")
	}
	handled(d)
	d = New(func(*Deferred) { panic("canceller broke") })
	d.Cancel()
	if v, ok := failureOf(t, d).Panicked(); !ok || v != "canceller broke" {
		t.Fatal("panicking canceller")
	}
	handled(d)
}

// Spec A27: Cancel on a fired Deferred does nothing and never calls the canceller.
func TestDeferredCancelAfterFiring(t *testing.T) {
	calls := 0
	d := New(func(*Deferred) { calls++ })
	d.Callback(1)
	d.Cancel()
	d.Cancel()
	if calls != 0 || result(t, d) != 1 {
		t.Fatal("cancel after firing had an effect")
	}
}

// Spec A28: A waiting on B: A.Cancel cancels B; B's canceller runs and A
// gets the CancelledError. Also through several levels.
func TestDeferredCancelNested(t *testing.T) {
	cancelled := 0
	c := New(func(*Deferred) { cancelled++ })
	b := New(nil).AddCallback(func(any) (any, error) { return c, nil })
	b.Callback(nil)
	a := New(nil).AddCallback(func(any) (any, error) { return b, nil })
	a.Callback(nil)
	var f *Failure
	a.AddErrback(func(x *Failure) (any, error) { f = x; return nil, nil })
	a.Cancel()
	if cancelled != 1 || f == nil || !errors.Is(f, ErrCancelled) {
		t.Fatalf("cancelled %d f %v", cancelled, f)
	}
}

// collectUntil runs the GC until done reports true or 10 s pass, then a
// few more times so that late reports show up too.
func collectUntil(done func() bool) {
	deadline := time.Now().Add(10 * time.Second)
	for !done() && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	for range 5 {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
}

// Spec A29: a Deferred collected while holding a Failure is reported
// through the hook; a handled or chained-away one is not. Only this test's
// own errors count: other tests' Deferreds may be collected meanwhile.
func TestDeferredUnhandledErrorReported(t *testing.T) {
	unhandled := errors.New("unhandled one")
	mine := []error{unhandled, errors.New("handled one"), errors.New("chained away")}
	var mu sync.Mutex
	var got []string
	SetUnhandledErrorHook(func(f *Failure, debug string) {
		if f.Check(mine...) != nil {
			mu.Lock()
			got = append(got, f.Error()+"|"+debug)
			mu.Unlock()
		}
	})
	defer SetUnhandledErrorHook(nil)
	func() {
		Fail(unhandled)
		handled(Fail(mine[1]))
		b := Fail(mine[2])
		a := New(nil).AddCallback(func(any) (any, error) { return b, nil })
		a.Callback(nil)
		handled(a)
	}()
	collectUntil(func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0
	})
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != "unhandled one|" {
		t.Fatalf("reports %q", got)
	}
}

// Spec A29: by default the report goes to the log as "Unhandled error in
// Deferred:" and the Failure with its stack.
func TestDeferredUnhandledErrorDefaultLog(t *testing.T) {
	var mu sync.Mutex
	var buf strings.Builder
	log.SetOutput(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}))
	defer log.SetOutput(os.Stderr)
	func() { Fail(errors.New("logged unhandled error")) }()
	logged := func() string {
		mu.Lock()
		defer mu.Unlock()
		return buf.String()
	}
	collectUntil(func() bool { return strings.Contains(logged(), "logged unhandled error") })
	if s := logged(); !strings.Contains(s, "Unhandled error in Deferred:\nlogged unhandled error\n") ||
		!strings.Contains(s, "TestDeferredUnhandledErrorDefaultLog") {
		t.Fatalf("log:\n%s", s)
	}
}

type writerFunc func([]byte) (int, error)

func (w writerFunc) Write(p []byte) (int, error) { return w(p) }

// Spec A29: in debug mode the report carries the creation (C:) and first
// firing (I:) stacks.
func TestDeferredUnhandledErrorDebugInfo(t *testing.T) {
	mine := errors.New("debugged unhandled error")
	reports := make(chan string, 1)
	SetUnhandledErrorHook(func(f *Failure, debug string) {
		if f.Check(mine) == nil {
			return
		}
		select {
		case reports <- debug:
		default:
		}
	})
	defer SetUnhandledErrorHook(nil)
	SetDebugging(true)
	func() {
		d := New(nil)
		d.Errback(mine)
	}()
	SetDebugging(false)
	var dbg string
	collectUntil(func() bool {
		select {
		case dbg = <-reports:
			return true
		default:
			return false
		}
	})
	if !strings.Contains(dbg, " C:") || !strings.Contains(dbg, " I:") {
		t.Fatalf("debug info %q", dbg)
	}
}

// Spec A33: MaybeDeferred returns f's Deferred itself, a failed one for an
// error, *Failure or panic, else a fired one.
func TestMaybeDeferred(t *testing.T) {
	inner := New(nil)
	if MaybeDeferred(func() (any, error) { return inner, nil }) != inner {
		t.Fatal("returned Deferred not passed through")
	}
	if r := result(t, MaybeDeferred(func() (any, error) { return 3, nil })); r != 3 {
		t.Fatalf("value %v", r)
	}
	for _, f := range []func() (any, error){
		func() (any, error) { return nil, errBoom },
		func() (any, error) { return NewFailure(errBoom), nil },
		func() (any, error) { panic(errBoom) },
	} {
		d := MaybeDeferred(f)
		if !errors.Is(failureOf(t, d), errBoom) {
			t.Fatal("error not turned into a failed Deferred")
		}
		handled(d)
	}
}

// testClock is the least Scheduler: Advance runs the calls that come due.
type testClock struct {
	now   time.Duration
	calls []*testCall
}

// testCall is a call a testClock holds.
type testCall struct {
	at      time.Duration
	fn      func()
	pending bool
}

func (c *testCall) Active() bool { return c.pending }

func (c *testCall) Cancel() error {
	if !c.pending {
		return errors.New("call not pending")
	}
	c.pending = false
	return nil
}

func newTestClock() *testClock { return &testClock{} }

func (c *testClock) CallLater(delay time.Duration, fn func()) *testCall {
	call := &testCall{at: c.now + delay, fn: fn, pending: true}
	c.calls = append(c.calls, call)
	return call
}

func (c *testClock) Advance(d time.Duration) {
	c.now += d
	for _, call := range c.calls {
		if call.pending && call.at <= c.now {
			call.pending = false
			call.fn()
		}
	}
}

// GetDelayedCalls lists the calls still pending.
func (c *testClock) GetDelayedCalls() []*testCall {
	var pending []*testCall
	for _, call := range c.calls {
		if call.pending {
			pending = append(pending, call)
		}
	}
	return pending
}

// Spec A30: unfired after the timeout, d is cancelled and fails with a
// TimeoutError; fired first (either way), the timer is cancelled. AddTimeout
// returns d.
func TestDeferredAddTimeout(t *testing.T) {
	c := newTestClock()
	d := New(nil)
	if AddTimeout(d, 10*time.Second, c, nil) != d {
		t.Fatal("AddTimeout did not return d")
	}
	c.Advance(9 * time.Second)
	if d.Called() {
		t.Fatal("timed out early")
	}
	c.Advance(time.Second)
	var te *TimeoutError
	if f := failureOf(t, d); !errors.As(f, &te) || te.Timeout != 10*time.Second || !errors.Is(f, ErrTimeout) {
		t.Fatalf("failure %v", f)
	}
	handled(d)

	for _, fire := range []func(*Deferred){
		func(d *Deferred) { d.Callback("ok") },
		func(d *Deferred) { d.Errback(errBoom) },
	} {
		d := AddTimeout(New(nil), time.Second, c, nil)
		fire(d)
		if n := len(c.GetDelayedCalls()); n != 0 {
			t.Fatalf("%d delayed calls left after firing first", n)
		}
		if r := result(t, d); r != "ok" {
			if f, _ := r.(*Failure); f == nil || !errors.Is(f, errBoom) {
				t.Fatalf("result %v", r)
			}
		}
		handled(d)
	}
}

// Spec A31: onTimeout runs only when the timeout fired, with the result and
// the timeout; its return is the result. A manual Cancel does not call it.
func TestDeferredAddTimeoutCustom(t *testing.T) {
	c := newTestClock()
	var gotT time.Duration
	on := func(r any, timeout time.Duration) (any, error) {
		gotT = timeout
		if f, ok := r.(*Failure); !ok || !errors.Is(f, ErrCancelled) {
			t.Errorf("onTimeout got %v", r)
		}
		return "custom", nil
	}
	d := AddTimeout(New(nil), 5*time.Second, c, on)
	c.Advance(5 * time.Second)
	if result(t, d) != "custom" || gotT != 5*time.Second {
		t.Fatalf("result %v, timeout %v", result(t, d), gotT)
	}
	gotT = 0
	d = AddTimeout(New(nil), 5*time.Second, c, on)
	d.Cancel()
	if gotT != 0 || !errors.Is(failureOf(t, d), ErrCancelled) {
		t.Fatal("onTimeout ran on a manual cancel")
	}
	handled(d)
	if len(c.GetDelayedCalls()) != 0 {
		t.Fatal("manual cancel left the timer")
	}
}

// Spec A32: the timeout wraps the callbacks added before it: a canceller
// that callbacks keeps its value, one that errbacks keeps its error, an
// earlier errback that swallows the cancellation gives success.
func TestDeferredAddTimeoutCancellerOutcomes(t *testing.T) {
	c := newTestClock()
	d := AddTimeout(New(func(d *Deferred) { d.Callback("by canceller") }), time.Second, c, nil)
	c.Advance(time.Second)
	if result(t, d) != "by canceller" {
		t.Fatalf("result %v", result(t, d))
	}
	d = AddTimeout(New(func(d *Deferred) { d.Errback(errBoom) }), time.Second, c, nil)
	c.Advance(time.Second)
	if f := failureOf(t, d); !errors.Is(f, errBoom) || errors.Is(f, ErrTimeout) {
		t.Fatalf("failure %v", f)
	}
	handled(d)
	d = AddTimeout(New(nil).AddErrback(func(f *Failure) (any, error) {
		if err := f.Trap(ErrCancelled); err != nil {
			return nil, err
		}
		return "swallowed", nil
	}), time.Second, c, nil)
	c.Advance(time.Second)
	if result(t, d) != "swallowed" {
		t.Fatalf("result %v", result(t, d))
	}
}

// Spec A26 (API misuse): a canceller that calls Cancel again does not
// recurse; d still fails with ErrCancelled once.
func TestDeferredCancelFromCanceller(t *testing.T) {
	calls := 0
	d := New(func(d *Deferred) { calls++; d.Cancel() })
	d.Cancel()
	if calls != 1 || !errors.Is(failureOf(t, d), ErrCancelled) {
		t.Fatalf("calls %d", calls)
	}
	handled(d)
}

// Spec A15: a callback that pauses its own Deferred holds the callbacks
// after it until Unpause.
func TestDeferredPauseFromCallback(t *testing.T) {
	d := New(nil)
	var order []string
	d.AddCallback(func(v any) (any, error) { d.Pause(); order = append(order, "pause"); return v, nil })
	d.AddCallback(func(v any) (any, error) { order = append(order, "after"); return v, nil })
	d.Callback(nil)
	if strings.Join(order, ",") != "pause" {
		t.Fatalf("ran %v while paused", order)
	}
	d.Unpause()
	if strings.Join(order, ",") != "pause,after" {
		t.Fatalf("order %v", order)
	}
}

// Twisted's test_reprWithChaining and test_explicitChainClearedWhenResolved:
// after b.Chain(a), a's String says it waits on b, and stops saying so
// once b has fired it.
func TestDeferredStringWhileChained(t *testing.T) {
	a, b := New(nil), New(nil)
	b.Chain(a)
	want := fmt.Sprintf("<Deferred at %p waiting on Deferred at %p>", a, b)
	if got := a.String(); got != want {
		t.Errorf("chained: %s; want %s", got, want)
	}
	_ = b.Callback("x")
	if got := a.String(); strings.Contains(got, "waiting") || !strings.Contains(got, `current result: "x"`) {
		t.Errorf("after b fired: %s; want a's result and no wait", got)
	}
	// Fired by someone else first, a no longer waits on b either.
	a, b = New(nil), New(nil)
	b.Chain(a)
	_ = a.Callback("own")
	if got := a.String(); strings.Contains(got, "waiting") {
		t.Errorf("a fired on its own: %s", got)
	}
	handled(b)
}
