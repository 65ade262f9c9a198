package deferred

import (
	"fmt"
	"strings"
)

// RaceResult is what Race fires with: the position of the first input to
// succeed and its value.
type RaceResult struct {
	Index int
	Value any
}

// RaceError is the failure of a Race whose inputs all failed (Twisted's
// FailureGroup): every failure, in input order. errors.Is and errors.As
// look into each of them.
type RaceError struct {
	Failures []*Failure
}

func (e *RaceError) Error() string {
	msgs := make([]string, len(e.Failures))
	for i, f := range e.Failures {
		msgs[i] = fmt.Sprintf("#%d: %v", i, f)
	}
	return fmt.Sprintf("deferred: all %d raced Deferreds failed [%s]", len(e.Failures), strings.Join(msgs, "; "))
}

// Unwrap returns the failures, for errors.Is and errors.As.
func (e *RaceError) Unwrap() []error {
	errs := make([]error, len(e.Failures))
	for i, f := range e.Failures {
		errs[i] = f
	}
	return errs
}

// Race returns a Deferred that fires with the RaceResult of the first of
// ds to succeed, after cancelling all the others (Twisted's defer.race).
// If every input fails, it fails with a *RaceError holding each failure.
// Cancelling it cancels every input, so it then fails with their
// cancellations. Race takes the inputs' results over: their own chains go
// on with nil. With no input it fails at once with an empty *RaceError
// (Twisted's never fires).
func Race(ds []*Deferred) *Deferred {
	inputs := append([]*Deferred(nil), ds...)
	race := New(func(*Deferred) {
		for _, d := range inputs {
			d.Cancel()
		}
	})
	if len(inputs) == 0 {
		_ = race.Errback(&RaceError{})
		return race
	}
	won := false
	failures := make([]*Failure, len(inputs))
	failed := 0
	for i, d := range inputs {
		d.AddCallbacks(func(v any) (any, error) {
			if !won {
				won = true
				for j, other := range inputs {
					if j != i {
						other.Cancel()
					}
				}
				_ = race.Callback(RaceResult{Index: i, Value: v})
			}
			return nil, nil
		}, func(f *Failure) (any, error) {
			if !won {
				failures[i] = f
				if failed++; failed == len(inputs) {
					_ = race.Errback(&RaceError{Failures: failures})
				}
			}
			return nil, nil
		})
	}
	return race
}
