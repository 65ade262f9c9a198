package deferred

import (
	"errors"
	"reflect"
	"testing"
)

func listResults(t *testing.T, d *Deferred) []ListResult {
	t.Helper()
	rs, ok := result(t, d).([]ListResult)
	if !ok {
		t.Fatalf("%v: result is not a []ListResult", d)
	}
	return rs
}

// Spec A34: the list fires once all inputs fired, with results in input
// order (not completion order); failures go on down the inputs' chains.
func TestDeferredListOrderAndFailures(t *testing.T) {
	ds := []*Deferred{New(nil), New(nil), New(nil)}
	l := List(ds, ListOptions{})
	ds[2].Callback("c")
	ds[0].Errback(errBoom)
	if l.Called() {
		t.Fatal("fired before every input fired")
	}
	var later *Failure
	ds[0].AddErrback(func(f *Failure) (any, error) { later = f; return nil, nil })
	if later == nil {
		t.Fatal("input's failure did not go on down its chain")
	}
	ds[1].Callback("b")
	rs := listResults(t, l)
	if len(rs) != 3 || rs[0].OK || !errors.Is(rs[0].Failure, errBoom) ||
		rs[1] != (ListResult{OK: true, Value: "b"}) || rs[2] != (ListResult{OK: true, Value: "c"}) {
		t.Fatalf("results %+v", rs)
	}
	// Already-fired inputs count at once.
	l = List([]*Deferred{Succeed(1), Succeed(2)}, ListOptions{})
	if rs := listResults(t, l); len(rs) != 2 || rs[0].Value != 1 || rs[1].Value != 2 {
		t.Fatalf("already fired: %+v", rs)
	}
}

// Spec A35: an empty list fires at once with no results, except with
// FireOnOneCallback, where it never fires.
func TestDeferredListEmpty(t *testing.T) {
	if rs := listResults(t, List(nil, ListOptions{})); len(rs) != 0 {
		t.Fatalf("results %v", rs)
	}
	if List(nil, ListOptions{FireOnOneCallback: true}).Called() {
		t.Fatal("empty FireOnOneCallback list fired")
	}
}

// Spec A36: FireOnOneCallback fires with the first success and its index,
// ignoring later ones, or with the full list if all fail;
// FireOnOneErrback fails with FirstError, also for inputs that had failed
// before the list was made.
func TestDeferredListFireOnOne(t *testing.T) {
	ds := []*Deferred{New(nil), New(nil), New(nil)}
	l := List(ds, ListOptions{FireOnOneCallback: true})
	ds[0].Errback(errBoom)
	ds[1].Callback("first")
	ds[2].Callback("second")
	if r := result(t, l); r != (FirstResult{Value: "first", Index: 1}) {
		t.Fatalf("result %+v", r)
	}
	handled(ds[0])

	ds = []*Deferred{Fail(errBoom), Fail(errBoom)}
	l = List(ds, ListOptions{FireOnOneCallback: true, ConsumeErrors: true})
	if rs := listResults(t, l); len(rs) != 2 || rs[0].OK || rs[1].OK {
		t.Fatalf("all failed: %+v", rs)
	}

	ds = []*Deferred{Succeed(0), New(nil), Fail(errBoom)}
	l = List(ds, ListOptions{FireOnOneErrback: true})
	var fe *FirstError
	if f := failureOf(t, l); !errors.As(f, &fe) || fe.Index != 2 || !errors.Is(f, errBoom) {
		t.Fatalf("failure %v", f)
	}
	handled(l)
	handled(ds[2])
	ds[1].Callback(nil)
}

// Spec A37: ConsumeErrors makes a failing input's chain go on with nil
// while the list keeps the Failure.
func TestDeferredListConsumeErrors(t *testing.T) {
	d := New(nil)
	l := List([]*Deferred{d}, ListOptions{ConsumeErrors: true})
	d.Errback(errBoom)
	if result(t, d) != nil {
		t.Fatalf("input holds %v, want nil", result(t, d))
	}
	if rs := listResults(t, l); rs[0].OK || !errors.Is(rs[0].Failure, errBoom) {
		t.Fatalf("results %+v", rs)
	}
}

// Spec A38: cancelling an unfired list cancels every input (a panicking
// canceller does not stop the rest); once fired, Cancel does nothing.
func TestDeferredListCancel(t *testing.T) {
	cancelled := 0
	ds := []*Deferred{
		New(func(*Deferred) { cancelled++ }),
		New(func(*Deferred) { panic("bad canceller") }),
		New(func(*Deferred) { cancelled++ }),
	}
	l := List(ds, ListOptions{ConsumeErrors: true})
	l.Cancel()
	if cancelled != 2 {
		t.Fatalf("%d of 2 cancellers ran", cancelled)
	}
	rs := listResults(t, l)
	if !errors.Is(rs[0].Failure, ErrCancelled) || !errors.Is(rs[2].Failure, ErrCancelled) {
		t.Fatalf("results %+v", rs)
	}
	if _, ok := rs[1].Failure.Panicked(); !ok {
		t.Fatalf("panicking canceller: %+v", rs[1])
	}

	cancelled = 0
	a, b := Succeed(1), New(func(*Deferred) { cancelled++ })
	l = List([]*Deferred{a, b}, ListOptions{FireOnOneCallback: true})
	l.Cancel()
	if cancelled != 0 {
		t.Fatal("cancel after FireOnOneCallback cancelled an input")
	}
}

// Spec A39: Gather gives the plain results, fails with FirstError at
// the first failure, and cancelling it cancels the inputs.
func TestGatherResults(t *testing.T) {
	g := Gather([]*Deferred{Succeed(1), Succeed(2)}, false)
	if r := result(t, g); !reflect.DeepEqual(r, []any{1, 2}) {
		t.Fatalf("result %v", r)
	}
	bad := Fail(errBoom)
	g = Gather([]*Deferred{Succeed(1), bad}, true)
	var fe *FirstError
	if f := failureOf(t, g); !errors.As(f, &fe) || fe.Index != 1 {
		t.Fatalf("failure %v", f)
	}
	handled(g)
	if result(t, bad) != nil {
		t.Fatal("consumeErrors did not clear the input's failure")
	}
	a, b := New(nil), New(nil)
	g = Gather([]*Deferred{a, b}, true)
	g.Cancel()
	if !a.Called() || !b.Called() || result(t, a) != nil {
		t.Fatal("inputs not cancelled")
	}
	if !errors.As(failureOf(t, g), &fe) || !errors.Is(fe, ErrCancelled) {
		t.Fatal("gather did not fail with the cancellation")
	}
	handled(g)
}

// Spec A40: FirstError reads FirstError[#i, error] and compares by index
// and Failure.
func TestFirstError(t *testing.T) {
	f := NewFailure(errBoom)
	e := &FirstError{Index: 3, Failure: f}
	if e.Error() != "FirstError[#3, boom]" {
		t.Fatalf("Error() %q", e.Error())
	}
	if *e != (FirstError{Index: 3, Failure: f}) || *e == (FirstError{Index: 2, Failure: f}) {
		t.Fatal("comparison")
	}
	if !errors.Is(e, errBoom) {
		t.Fatal("errors.Is does not see through FirstError")
	}
}
