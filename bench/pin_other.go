//go:build !linux

package bench

import "runtime"

// pin does nothing here: there is no sched_setaffinity to bind threads with.
func pin(int) error { return nil }

// pinningNote says the suite's processes run unpinned.
func pinningNote() string {
	return "not pinned (no sched_setaffinity on " + runtime.GOOS + ")"
}
