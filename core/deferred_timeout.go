package core

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

// AddTimeout cancels d if it has not fired timeout after now on s (a Loop
// or a Clock), and turns the resulting ErrCancelled into a *TimeoutError.
// If onTimeout is not nil it is called instead, only when the timeout
// fired (not on another Cancel), with the result at that point and
// timeout; what it returns becomes the result. When d fires first the
// timer is cancelled. Only callbacks added before AddTimeout see the
// cancellation itself. It returns d.
func (d *Deferred) AddTimeout(timeout time.Duration, s Scheduler, onTimeout func(result any, timeout time.Duration) (any, error)) *Deferred {
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
