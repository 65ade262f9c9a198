package deferred

import (
	"errors"
	"testing"
)

// The first input to succeed wins, with its index; the others are
// cancelled, and their failures do not matter.
func TestRaceFirstSuccessWins(t *testing.T) {
	cancelled := 0
	ds := []*Deferred{
		New(func(*Deferred) { cancelled++ }),
		New(func(*Deferred) { cancelled++ }),
		New(func(*Deferred) { cancelled++ }),
	}
	r := Race(ds)
	_ = ds[0].Errback(errBoom)
	if r.Called() {
		t.Fatal("the race fired on a failure while others are pending")
	}
	_ = ds[2].Callback("third")
	res, ok := r.Result()
	if got, isResult := res.(RaceResult); !ok || !isResult || got.Index != 2 || got.Value != "third" {
		t.Fatalf("race result %v, %v; want {2 third}", res, ok)
	}
	if cancelled != 1 || !ds[1].Called() {
		t.Errorf("%d inputs cancelled, loser fired %v; want the pending one cancelled", cancelled, ds[1].Called())
	}
	for i, d := range ds {
		if v, _ := d.Result(); v != nil {
			t.Errorf("input %d goes on with %v; want nil", i, v)
		}
	}
}

// An input that already succeeded wins at once.
func TestRaceAlreadyFired(t *testing.T) {
	pending := New(nil)
	r := Race([]*Deferred{pending, Succeed(7)})
	if res, _ := r.Result(); res != (RaceResult{Index: 1, Value: 7}) {
		t.Errorf("race result %v; want {1 7}", res)
	}
	if !pending.Called() {
		t.Error("the pending input was not cancelled")
	}
}

// When every input fails, the race fails with all the failures, in input
// order, which errors.Is can find.
func TestRaceAllFail(t *testing.T) {
	other := errors.New("other")
	a, b := New(nil), New(nil)
	r := Race([]*Deferred{a, b})
	_ = b.Errback(other)
	_ = a.Errback(errBoom)
	f := failureOf(t, r)
	var re *RaceError
	if !errors.As(f, &re) || len(re.Failures) != 2 || !errors.Is(re.Failures[0], errBoom) || !errors.Is(re.Failures[1], other) {
		t.Fatalf("race failure %v; want a RaceError with boom then other", f)
	}
	if !errors.Is(f, other) {
		t.Error("errors.Is does not see into the RaceError")
	}
	handled(r)
}

// Cancelling the race cancels every input; no input: an empty RaceError.
func TestRaceCancelAndEmpty(t *testing.T) {
	a, b := New(nil), New(nil)
	r := Race([]*Deferred{a, b})
	r.Cancel()
	if !a.Called() || !b.Called() || !errors.Is(failureOf(t, r), ErrCancelled) {
		t.Errorf("after Cancel: inputs fired %v %v, race %v", a.Called(), b.Called(), r)
	}
	handled(r)
	e := Race(nil)
	var re *RaceError
	if !errors.As(failureOf(t, e), &re) || len(re.Failures) != 0 {
		t.Errorf("Race(nil): %v; want an empty RaceError", e)
	}
	handled(e)
}
