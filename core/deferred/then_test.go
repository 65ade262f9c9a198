package deferred

import (
	"errors"
	"io/fs"
	"strconv"
	"testing"
)

// Spec A3 with types: Then passes typed results along the chain.
func TestThen(t *testing.T) {
	d := New(nil)
	Then(Then(d, func(s string) (int, error) { return strconv.Atoi(s) }),
		func(n int) (string, error) { return strconv.Itoa(n * 2), nil })
	d.Callback("21")
	if result(t, d) != "42" {
		t.Fatalf("result %v", result(t, d))
	}
	d = Then(Succeed("x"), func(s string) (int, error) { return strconv.Atoi(s) })
	if !errors.Is(failureOf(t, d), strconv.ErrSyntax) {
		t.Fatal("fn's error not on the errback path")
	}
	handled(d)
	d = Then(Succeed(1), func(s string) (string, error) { return s, nil })
	if !errors.Is(failureOf(t, d), ErrResultType) {
		t.Fatal("wrong type not reported")
	}
	handled(d)
	var got error = errBoom
	Then(Succeed(nil), func(e error) (any, error) { got = e; return nil, nil })
	if got != nil {
		t.Fatal("nil result as a nil interface")
	}
	d = Then(Succeed(nil), func(n int) (int, error) { return n, nil })
	if !errors.Is(failureOf(t, d), ErrResultType) {
		t.Fatal("nil accepted as an int")
	}
	handled(d)
}

// Spec A5 with types: Catch handles one error type and passes others on.
func TestCatch(t *testing.T) {
	var path string
	d := Catch(Fail(&fs.PathError{Op: "open", Path: "/x", Err: fs.ErrNotExist}),
		func(e *fs.PathError) (any, error) { path = e.Path; return "default", nil })
	if path != "/x" || result(t, d) != "default" {
		t.Fatalf("path %q result %v", path, result(t, d))
	}
	d = Catch(Fail(errBoom), func(*fs.PathError) (any, error) { return "wrong", nil })
	if !errors.Is(failureOf(t, d), errBoom) {
		t.Fatal("other errors should pass on")
	}
	handled(d)
}
