package core

import (
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/reactors"
	_ "github.com/reactorbench/reactorbench/reactors/all"
)

// forEachBackend runs f as a subtest "reactor=NAME" for every registered
// backend.
func forEachBackend(t *testing.T, f func(t *testing.T, name string)) {
	t.Helper()
	names := reactors.Names()
	if len(names) == 0 {
		t.Fatal("no backend registered")
	}
	for _, name := range names {
		t.Run("reactor="+name, func(t *testing.T) {
			if err := reactors.Available(name); err != nil {
				t.Skip(err)
			}
			f(t, name)
		})
	}
}

// newTestLoop opens a Loop on the named backend and closes it when the test
// ends.
func newTestLoop(t testing.TB, name string) *Loop {
	t.Helper()
	l, err := Open(name)
	if err != nil {
		t.Fatalf("Open(%q): %v", name, err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// runTestLoop runs l until it stops, failing the test (and crashing the
// loop) when it is still running after a generous watchdog delay.
func runTestLoop(t testing.TB, l *Loop) {
	t.Helper()
	watchdog := time.AfterFunc(30*time.Second, func() {
		t.Error("watchdog: the loop did not stop within 30s")
		l.CallFromThread(l.Crash)
	})
	defer watchdog.Stop()
	if err := l.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}
