package deferred

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
)

// failureDepth is how many stack frames a Failure keeps. Capturing is a
// single runtime.Callers into an inline array; formatting waits until
// someone asks for the stack.
const failureDepth = 16

// Failure is an error on a Deferred's errback path: the error (or the value
// of a recovered panic, as a *PanicError) together with the stack where it
// happened. errors.Is and errors.As see through it to the wrapped error.
type Failure struct {
	err error
	n   int
	pcs [failureDepth]uintptr
}

// PanicError is the error of a Failure made from a recovered panic.
type PanicError struct {
	// Value is what was passed to panic.
	Value any
}

// Error describes the panic value.
func (p *PanicError) Error() string { return fmt.Sprintf("panic: %v", p.Value) }

// Unwrap returns the panic value when it is an error, so errors.Is finds it.
func (p *PanicError) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// NewFailure wraps err with the caller's stack. A *Failure is returned
// unchanged and a nil err gives nil.
func NewFailure(err error) *Failure {
	return newFailure(err, 3)
}

// newFailure captures the stack skipping skip frames (runtime.Callers
// counts itself as 0 and newFailure as 1).
func newFailure(err error, skip int) *Failure {
	if err == nil {
		return nil
	}
	if f, ok := err.(*Failure); ok {
		return f
	}
	f := &Failure{err: err}
	f.n = runtime.Callers(skip, f.pcs[:])
	return f
}

// panicFailure wraps a recovered panic value; called from the deferred
// recover, so the stack still holds the panicking frames.
func panicFailure(v any) *Failure {
	if f, ok := v.(*Failure); ok {
		return f
	}
	f := &Failure{err: &PanicError{Value: v}}
	f.n = runtime.Callers(4, f.pcs[:])
	return f
}

// Error is the wrapped error's message.
func (f *Failure) Error() string { return f.err.Error() }

// Unwrap returns the wrapped error.
func (f *Failure) Unwrap() error { return f.err }

// Err returns the wrapped error.
func (f *Failure) Err() error { return f.err }

// Panicked reports whether the Failure comes from a recovered panic, and
// the value passed to panic.
func (f *Failure) Panicked() (any, bool) {
	if p, ok := f.err.(*PanicError); ok {
		return p.Value, true
	}
	return nil, false
}

// Check returns the first of targets that the Failure matches with
// errors.Is, or nil when none does (Twisted's Failure.check).
func (f *Failure) Check(targets ...error) error {
	for _, t := range targets {
		if errors.Is(f.err, t) {
			return t
		}
	}
	return nil
}

// Trap is Twisted's Failure.trap for errbacks: it returns nil when the
// Failure matches one of targets (the errback handles it), else the
// Failure itself, so `if err := f.Trap(ErrX); err != nil { return nil, err }`
// passes every other error on down the chain.
func (f *Failure) Trap(targets ...error) error {
	if f.Check(targets...) != nil {
		return nil
	}
	return f
}

// Frames returns the stack where the Failure happened, innermost first.
func (f *Failure) Frames() []runtime.Frame {
	out := make([]runtime.Frame, 0, f.n)
	frames := runtime.CallersFrames(f.pcs[:f.n])
	for {
		fr, more := frames.Next()
		if fr.Function != "" {
			out = append(out, fr)
		}
		if !more {
			return out
		}
	}
}

// Stack formats the stack where the Failure happened, one "function\n\tfile:line" per frame.
func (f *Failure) Stack() string {
	var b strings.Builder
	for _, fr := range f.Frames() {
		fmt.Fprintf(&b, "%s\n\t%s:%d\n", fr.Function, fr.File, fr.Line)
	}
	return b.String()
}

// Format prints the error with %v and %s, and adds the stack with %+v.
func (f *Failure) Format(s fmt.State, verb rune) {
	switch {
	case verb == 'v' && s.Flag('+'):
		fmt.Fprintf(s, "%s\n%s", f.err.Error(), f.Stack())
	case verb == 'q':
		fmt.Fprintf(s, "%q", f.err.Error())
	default:
		fmt.Fprint(s, f.err.Error())
	}
}
