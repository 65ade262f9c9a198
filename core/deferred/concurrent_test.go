package deferred

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// panicOf runs fn on a new goroutine and returns what it panicked with,
// or nil.
func panicOf(fn func()) (p any) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { p = recover() }()
		fn()
	}()
	<-done
	return p
}

// Firing a Deferred from a second goroutine while the first is running its
// callbacks panics (checked under the race detector and when debugging).
func TestDeferredConcurrentCallbackPanics(t *testing.T) {
	SetDebugging(true)
	defer SetDebugging(false)
	d := New(nil)
	inside := make(chan struct{})
	release := make(chan struct{})
	d.AddCallback(func(r any) (any, error) {
		close(inside)
		<-release
		return r, nil
	})
	go func() { _ = d.Callback(1) }()
	<-inside
	for _, m := range []struct {
		method string
		call   func()
	}{
		{"Deferred.Callback", func() { _ = d.Callback(2) }},
		{"Deferred.AddCallbacks", func() { d.AddCallback(func(r any) (any, error) { return r, nil }) }},
	} {
		p := panicOf(m.call)
		err, _ := p.(error)
		if !errors.Is(err, ErrConcurrentUse) || !strings.Contains(fmt.Sprint(p), m.method) {
			t.Errorf("%s during another goroutine's Callback: panic %v; want ErrConcurrentUse", m.method, p)
		}
	}
	close(release)
	// A callback that adds to its own Deferred is the same goroutine: fine.
	e := New(nil)
	ran := false
	e.AddCallback(func(r any) (any, error) {
		e.AddCallback(func(r any) (any, error) { ran = true; return r, nil })
		return r, nil
	})
	_ = e.Callback(nil)
	if !ran {
		t.Error("a callback added from inside a callback did not run")
	}
}
