package core

import (
	"errors"
	"sync/atomic"

	"github.com/reactorbench/reactorbench/core/deferred"
)

// Errors of the thread helpers.
var (
	// ErrBlockingCallInIOThread rejects BlockingCallFromThread on the
	// reactor goroutine, where waiting for the reactor would deadlock.
	ErrBlockingCallInIOThread = errors.New("BlockingCallFromThread called on the reactor goroutine (it would deadlock)")
	// ErrReactorStopped is what BlockingCallFromThread returns when the
	// reactor shuts down before the call's result is in.
	ErrReactorStopped = errors.New("reactor shut down before the blocking call finished")
)

// DeferToThread runs f on r's thread pool and returns a Deferred that
// fires on the reactor goroutine with f's result, or fails with its error
// (a panic in f becomes a *Failure). Call it on the reactor goroutine.
func DeferToThread(r ThreadCaller, f func() (any, error)) *deferred.Deferred {
	d := deferred.New(nil)
	if f == nil {
		d.Errback(deferred.ErrNilFunc)
		return d
	}
	r.CallInThread(func() {
		res, err := deferred.Guard(f)
		var fail *deferred.Failure
		if err != nil {
			fail = deferred.NewFailure(err)
		}
		r.CallFromThread(func() { settle(d, res, fail) })
	})
	return d
}

// settle fires d with res, or with fail when not nil; a result Callback
// refuses (a *Deferred from another goroutine) fails d instead.
func settle(d *deferred.Deferred, res any, fail *deferred.Failure) {
	if fail == nil {
		err := d.Callback(res)
		if err == nil || errors.Is(err, deferred.ErrAlreadyCalled) {
			return
		}
		fail = deferred.NewFailure(err)
	}
	_ = d.Errback(fail)
}

// CallMultipleInThread runs fns in order on one thread of r's pool. A
// panicking function ends the run there, as an exception does in Twisted.
func CallMultipleInThread(r ThreadCaller, fns ...func()) {
	fns = append([]func(){}, fns...)
	r.CallInThread(func() {
		for _, fn := range fns {
			if fn != nil {
				fn()
			}
		}
	})
}

// BlockingCallFromThread runs f on the reactor goroutine (see
// deferred.MaybeDeferred) and waits for its result: f's value or error, or,
// when f returns a *Deferred, what that Deferred fires with (an error as its
// *Failure). Call it from another goroutine, such as a pool thread: on the
// reactor goroutine it returns ErrBlockingCallInIOThread at once instead of
// deadlocking (Twisted hangs). Called before Run, it waits for the loop to
// start. If the reactor shuts down before the result is in, or has already
// stopped for good (see Loop.Done), it returns ErrReactorStopped instead of
// waiting forever; f then never runs unless it had started. A Reactor
// without a Done method cannot tell that it stopped, and a call made after
// its last pass waits forever, as in Twisted.
func BlockingCallFromThread(r Reactor, f func() (any, error)) (any, error) {
	if f == nil {
		return nil, deferred.ErrNilFunc
	}
	if r.IsInIOThread() {
		return nil, ErrBlockingCallInIOThread
	}
	type outcome struct {
		v   any
		err error
	}
	ch := make(chan outcome, 1)
	// The loop claims the call by moving state from queued to started; a
	// caller giving up claims it for abandoned, so f runs only if wanted.
	const queued, started, abandoned = 0, 1, 2
	var state atomic.Int32
	r.CallFromThread(func() {
		if !state.CompareAndSwap(queued, started) {
			return
		}
		sent := false
		deliver := func(v any, err error) {
			if !sent {
				sent = true
				ch <- outcome{v, err}
			}
		}
		id, terr := r.AddSystemEventTrigger(Before, Shutdown, func() *deferred.Deferred {
			deliver(nil, ErrReactorStopped)
			return nil
		})
		deferred.MaybeDeferred(f).AddBoth(func(v any) (any, error) {
			if terr == nil {
				_ = r.RemoveSystemEventTrigger(id)
			}
			if fl, ok := v.(*deferred.Failure); ok {
				deliver(nil, fl)
			} else {
				deliver(v, nil)
			}
			return nil, nil
		})
	})
	var done <-chan struct{} // nil, never ready, for a Reactor without Done
	if d, ok := r.(interface{ Done() <-chan struct{} }); ok {
		done = d.Done()
	}
	select {
	case o := <-ch:
		return o.v, o.err
	case <-done:
	}
	if !state.CompareAndSwap(queued, abandoned) {
		select {
		case o := <-ch:
			return o.v, o.err
		default:
		}
	}
	return nil, ErrReactorStopped
}
