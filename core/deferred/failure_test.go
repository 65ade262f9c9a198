package deferred

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
)

// Spec A4, A11: a Failure wraps the error with the stack where it was made;
// errors.Is and errors.As see through it.
func TestFailureWrapsError(t *testing.T) {
	pe := &fs.PathError{Op: "open", Path: "x", Err: fs.ErrNotExist}
	f := NewFailure(pe)
	if f.Err() != pe || f.Error() != pe.Error() || !errors.Is(f, fs.ErrNotExist) {
		t.Fatal("Failure does not expose its error")
	}
	var got *fs.PathError
	if !errors.As(f, &got) || got != pe {
		t.Fatal("errors.As does not see through")
	}
	if NewFailure(f) != f || NewFailure(nil) != nil {
		t.Fatal("NewFailure of a Failure or nil")
	}
	if _, ok := f.Panicked(); ok {
		t.Fatal("not a panic")
	}
	if !strings.Contains(f.Stack(), "TestFailureWrapsError") {
		t.Fatalf("stack lacks the caller:\n%s", f.Stack())
	}
	if s := fmt.Sprintf("%+v", f); !strings.HasPrefix(s, pe.Error()+"\n") || !strings.Contains(s, "failure_test.go") {
		t.Fatalf("%%+v:\n%s", s)
	}
	if s := fmt.Sprintf("%v|%s|%q", f, f, f); s != fmt.Sprintf("%v|%v|%q", pe, pe, pe.Error()) {
		t.Fatalf("plain formats %s", s)
	}
}

// Spec A4: a panic in a callback becomes a Failure whose stack starts at
// the panicking function; a panic with an error value unwraps to it.
func TestFailureFromPanic(t *testing.T) {
	d := New(nil).AddCallback(func(any) (any, error) { panicHere(); return nil, nil })
	d.Callback(nil)
	f := failureOf(t, d)
	handled(d)
	v, ok := f.Panicked()
	if !ok || v != errBoom || !errors.Is(f, errBoom) {
		t.Fatalf("panic value %v", v)
	}
	var pe *PanicError
	if !errors.As(f, &pe) || pe.Error() != "panic: boom" {
		t.Fatal("PanicError")
	}
	frames := f.Frames()
	if len(frames) == 0 || !strings.HasSuffix(frames[0].Function, "panicHere") {
		t.Fatalf("stack does not start at the panic:\n%s", f.Stack())
	}
	d = New(nil).AddCallback(func(any) (any, error) { panic(42) })
	d.Callback(nil)
	if v, _ := failureOf(t, d).Panicked(); v != 42 || errors.Unwrap(failureOf(t, d).Err()) != nil {
		t.Fatal("non-error panic value")
	}
	handled(d)
}

func panicHere() { panic(errBoom) }

// Spec A4 (Twisted's Failure.trap and check): Check names the first target
// matched; Trap returns nil to handle it, or the Failure to pass it on.
func TestFailureTrapCheck(t *testing.T) {
	other := errors.New("other")
	f := NewFailure(fmt.Errorf("wrapped: %w", errBoom))
	if f.Check(other, errBoom) != errBoom || f.Check(other) != nil || f.Check() != nil {
		t.Fatal("Check")
	}
	if f.Trap(errBoom) != nil || f.Trap(other) != error(f) {
		t.Fatal("Trap")
	}
	var seen []string
	d := New(nil).
		AddErrback(func(f *Failure) (any, error) {
			if err := f.Trap(other); err != nil {
				seen = append(seen, "passed on")
				return nil, err
			}
			return "handled other", nil
		}).
		AddErrback(func(f *Failure) (any, error) {
			if err := f.Trap(errBoom); err != nil {
				return nil, err
			}
			seen = append(seen, "trapped")
			return "ok", nil
		})
	d.Errback(errBoom)
	if strings.Join(seen, ",") != "passed on,trapped" || result(t, d) != "ok" {
		t.Fatalf("seen %v result %v", seen, result(t, d))
	}
}

// Spec A4: the same Failure travels down the errback path untouched when an
// errback passes it on.
func TestFailureIdentityKept(t *testing.T) {
	var got []*Failure
	d := New(nil)
	for range 2 {
		d.AddErrback(func(f *Failure) (any, error) { got = append(got, f); return nil, f })
	}
	d.Errback(errBoom)
	if len(got) != 2 || got[0] != got[1] || failureOf(t, d) != got[0] {
		t.Fatal("Failure was re-wrapped on the way")
	}
	handled(d)
}
