package deferred

import "fmt"

// ListOptions changes when a List fires and what it does to its
// inputs' failures.
type ListOptions struct {
	// FireOnOneCallback fires the list with a FirstResult as soon as one
	// input succeeds (with every result only if all of them fail).
	FireOnOneCallback bool
	// FireOnOneErrback fails the list with a *FirstError as soon as one
	// input fails.
	FireOnOneErrback bool
	// ConsumeErrors makes each failing input's own chain go on with nil
	// after the list has recorded its Failure, so it is not reported as
	// unhandled.
	ConsumeErrors bool
}

// ListResult is one input's outcome in a List's result.
type ListResult struct {
	OK      bool     // the input succeeded
	Value   any      // its result when OK
	Failure *Failure // its failure when not OK
}

// FirstResult is a List's result with FireOnOneCallback: the first
// successful input's result and position.
type FirstResult struct {
	Value any
	Index int
}

// FirstError is a List's error with FireOnOneErrback: the first
// failed input's Failure and position. errors.Is and errors.As see through
// it to that Failure's error.
type FirstError struct {
	Index   int
	Failure *Failure
}

// Error reads like Twisted's repr: FirstError[#index, error].
func (e *FirstError) Error() string {
	return fmt.Sprintf("FirstError[#%d, %v]", e.Index, e.Failure)
}

// Unwrap returns the input's Failure.
func (e *FirstError) Unwrap() error { return e.Failure }

// listState is what the Deferred of a List keeps about its inputs.
type listState struct {
	inputs  []*Deferred
	results []ListResult
	done    int
	opts    ListOptions
}

// List (Twisted's DeferredList) returns a Deferred that fires once every
// input has fired with a []ListResult in input order (not completion
// order), or earlier as opts say. The inputs' chains go on with their own
// results (nil for failures when opts.ConsumeErrors). With no inputs it
// fires at once with an empty list, except with FireOnOneCallback, where it
// never fires (as in Twisted). Cancelling it before it fires cancels every
// input.
func List(ds []*Deferred, opts ListOptions) *Deferred {
	l := &listState{inputs: append([]*Deferred(nil), ds...), results: make([]ListResult, len(ds)), opts: opts}
	d := New(l.cancel)
	if d.extra == nil {
		d.extra = &deferredExtra{}
	}
	d.extra.list = l
	if len(ds) == 0 && !opts.FireOnOneCallback {
		d.Callback(l.results)
	}
	for i, in := range l.inputs {
		in.add(callbackPair{target: d, op: listOp(i)})
	}
	return d
}

// cancel cancels every input; each one's outcome is then recorded.
func (l *listState) cancel(*Deferred) {
	for _, in := range l.inputs {
		in.Cancel()
	}
}

// record stores input i's result r and returns what the input's chain goes
// on with, and the list's own result if it must fire now (nil if not).
func (l *listState) record(i int, r any, called bool) (out, fire any) {
	f, failed := r.(*Failure)
	if failed {
		l.results[i] = ListResult{Failure: f}
	} else {
		l.results[i] = ListResult{OK: true, Value: r}
	}
	l.done++
	out = r
	if failed && l.opts.ConsumeErrors {
		out = nil
	}
	switch {
	case called:
	case !failed && l.opts.FireOnOneCallback:
		fire = FirstResult{Value: r, Index: i}
	case failed && l.opts.FireOnOneErrback:
		fire = newFailure(&FirstError{Index: i, Failure: f}, 3)
	case l.done == len(l.results):
		fire = l.results
	}
	return out, fire
}

// Gather (Twisted's gatherResults) returns a Deferred that fires with every
// input's result in input order as a []any, or fails with a *FirstError at
// the first failure. consumeErrors is as ListOptions.ConsumeErrors.
// Cancelling it cancels every input.
func Gather(ds []*Deferred, consumeErrors bool) *Deferred {
	return List(ds, ListOptions{FireOnOneErrback: true, ConsumeErrors: consumeErrors}).
		AddCallback(gatherValues)
}

func gatherValues(r any) (any, error) {
	rs := r.([]ListResult)
	out := make([]any, len(rs))
	for i, x := range rs {
		out[i] = x.Value
	}
	return out, nil
}
