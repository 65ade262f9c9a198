package deferred

import (
	"errors"
	"fmt"
	"time"
)

// ErrTimeout matches (errors.Is) every *TimeoutError.
var ErrTimeout = errors.New("deferred timed out")

// TimeoutError is what a Deferred cancelled by AddTimeout fails with.
type TimeoutError struct {
	// Timeout is the time the Deferred was given.
	Timeout time.Duration
}

// Error says how long the Deferred was given.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("deferred timed out after %v", e.Timeout)
}

// Is makes errors.Is(err, ErrTimeout) true.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// Timer is a pending call a Scheduler made: core's *DelayedCall.
type Timer interface {
	// Active reports whether the call is still pending.
	Active() bool
	// Cancel stops a pending call.
	Cancel() error
}

// Scheduler runs fn on the reactor goroutine after delay and returns the
// pending call, as core's Loop and Clock do.
type Scheduler[T Timer] interface {
	CallLater(delay time.Duration, fn func()) T
}

// AddTimeout cancels d if it has not fired timeout after now on s (core's
// Loop or Clock), and turns the resulting ErrCancelled into a
// *TimeoutError. If onTimeout is not nil it is called instead, only when
// the timeout fired (not on another Cancel), with the result at that point
// and timeout; what it returns becomes the result. When d fires first the
// timer is cancelled. Only callbacks added before AddTimeout see the
// cancellation itself. It returns d.
func AddTimeout[T Timer](d *Deferred, timeout time.Duration, s Scheduler[T], onTimeout func(result any, timeout time.Duration) (any, error)) *Deferred {
	timedOut := false
	call := s.CallLater(timeout, func() {
		timedOut = true
		d.Cancel()
	})
	return d.AddBoth(func(r any) (any, error) {
		if call.Active() {
			_ = call.Cancel()
		}
		if !timedOut {
			return r, nil
		}
		if onTimeout != nil {
			return onTimeout(r, timeout)
		}
		if f, ok := r.(*Failure); ok && f.Check(ErrCancelled) != nil {
			return nil, &TimeoutError{Timeout: timeout}
		}
		return r, nil
	})
}
