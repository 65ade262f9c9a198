package core

import (
	"errors"
	"fmt"
	"time"

	"github.com/reactorbench/reactorbench/core/deferred"
)

// Errors of LoopingCall misuse.
var (
	// ErrLoopingCallRunning: Start on a LoopingCall that runs.
	ErrLoopingCallRunning = errors.New("core: LoopingCall is already running")
	// ErrLoopingCallNotRunning: Stop on a LoopingCall that does not run.
	ErrLoopingCallNotRunning = errors.New("core: LoopingCall is not running")
)

// LoopingCall calls a function every interval on a Scheduler (Twisted's
// task.LoopingCall). Beats are kept on the grid start + k*interval: a call
// that overruns skips the beats it missed (counted by Skipped) instead of
// drifting or bunching up. Use it on the scheduler's goroutine.
type LoopingCall struct {
	s        Scheduler
	fn       func() error
	fnD      func() *deferred.Deferred
	tick     func()
	interval time.Duration
	start    time.Time
	call     *DelayedCall
	done     *deferred.Deferred
	running  bool
	busy     bool   // the function runs, or its Deferred has not fired
	gen      uint64 // bumped by Start and Stop, so a stale tick does nothing
	lastBeat int64
	skipped  uint64
}

// NewLoopingCall returns a stopped LoopingCall of fn on s.
func NewLoopingCall(s Scheduler, fn func() error) *LoopingCall {
	lc := &LoopingCall{s: s, fn: fn}
	lc.tick = lc.run
	return lc
}

// NewLoopingCallDeferred returns a stopped LoopingCall of fn on s, where fn
// returns a Deferred (nil counts as done at once): the next call waits
// until it has fired, and a failure stops the loop and fails the Deferred
// Start returned, as in Twisted.
func NewLoopingCallDeferred(s Scheduler, fn func() *deferred.Deferred) *LoopingCall {
	lc := &LoopingCall{s: s, fnD: fn}
	lc.tick = lc.run
	return lc
}

// Start calls fn every interval, at once too if now is true. The returned
// Deferred fires with the LoopingCall when Stop is called, or fails with
// fn's error (a panic counts as one), which also stops the loop. A Stop
// from inside fn (or while its Deferred is pending) takes effect when fn
// is done: the Deferred then fires with fn's outcome, failing if fn
// returned an error after calling Stop. An interval of zero calls fn on
// every pass of the scheduler. Starting a running LoopingCall or a
// negative interval gives a failed Deferred.
func (lc *LoopingCall) Start(interval time.Duration, now bool) *deferred.Deferred {
	if lc.running || interval < 0 || (lc.fn == nil && lc.fnD == nil) || lc.s == nil {
		err := ErrLoopingCallRunning
		if !lc.running {
			err = fmt.Errorf("core: LoopingCall.Start: bad interval %v or no function/scheduler", interval)
		}
		d := deferred.New(nil)
		_ = d.Errback(err)
		return d
	}
	lc.running, lc.interval, lc.skipped = true, interval, 0
	lc.gen++
	lc.done = deferred.New(nil)
	lc.start = lc.s.Now()
	d := lc.done
	if now {
		lc.lastBeat = -1
		lc.run()
	} else {
		lc.lastBeat = 0
		lc.schedule()
	}
	return d
}

// Stop stops the calls and fires the Deferred Start returned; while fn
// runs (or its Deferred is pending) the firing waits for fn's outcome.
func (lc *LoopingCall) Stop() error {
	if !lc.running {
		return ErrLoopingCallNotRunning
	}
	lc.running = false
	lc.gen++
	if lc.call != nil {
		_ = lc.call.Cancel()
		lc.call = nil
	}
	if lc.busy {
		return nil // finish fires lc.done
	}
	d := lc.done
	lc.done = nil
	return d.Callback(lc)
}

// Running reports whether the LoopingCall is started.
func (lc *LoopingCall) Running() bool { return lc.running }

// Interval is the interval given to the last Start.
func (lc *LoopingCall) Interval() time.Duration { return lc.interval }

// Skipped counts the beats missed since Start because a call (or the
// scheduler) ran late, or a Deferred from fn took more than an interval.
func (lc *LoopingCall) Skipped() uint64 { return lc.skipped }

func (lc *LoopingCall) run() {
	lc.call = nil
	if lc.interval > 0 {
		beat := int64(lc.s.Now().Sub(lc.start) / lc.interval)
		if beat > lc.lastBeat+1 {
			lc.skipped += uint64(beat - lc.lastBeat - 1)
		}
		lc.lastBeat = beat
	}
	gen, done := lc.gen, lc.done
	lc.busy = true
	if lc.fnD == nil {
		lc.finish(gen, done, lc.callFn())
		return
	}
	d := lc.callFnD()
	if d == nil {
		lc.finish(gen, done, nil)
		return
	}
	d.AddBoth(func(r any) (any, error) {
		var err error
		if f, ok := r.(*deferred.Failure); ok {
			err = f
		}
		lc.finish(gen, done, err)
		return nil, nil // the loop took the outcome over
	})
}

// finish ends the call made in run generation gen, whose Start returned
// done: the loop goes on, or done fires if the call failed or Stop came
// while it ran.
func (lc *LoopingCall) finish(gen uint64, done *deferred.Deferred, err error) {
	lc.busy = false
	if gen == lc.gen {
		if err == nil {
			lc.schedule()
			return
		}
		lc.running = false
		lc.gen++
	}
	if lc.done == done {
		lc.done = nil
	}
	if err != nil {
		_ = done.Errback(err)
	} else {
		_ = done.Callback(lc)
	}
}

func (lc *LoopingCall) callFn() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("core: LoopingCall function panicked: %v", p)
		}
	}()
	return lc.fn()
}

func (lc *LoopingCall) callFnD() (d *deferred.Deferred) {
	defer func() {
		if p := recover(); p != nil {
			d = deferred.Fail(fmt.Errorf("core: LoopingCall function panicked: %v", p))
		}
	}()
	return lc.fnD()
}

// schedule sets the next call on the next beat after now.
func (lc *LoopingCall) schedule() {
	var delay time.Duration
	if lc.interval > 0 {
		elapsed := lc.s.Now().Sub(lc.start)
		delay = lc.interval - elapsed%lc.interval
	}
	lc.call = lc.s.CallLater(delay, lc.tick)
}
