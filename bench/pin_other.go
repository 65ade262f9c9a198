//go:build !linux

package bench

import "runtime"

// pin only sizes the Go scheduler here: there is no sched_setaffinity to
// bind threads with.
func pin(_ []int, procs int) error {
	runtime.GOMAXPROCS(procs)
	return nil
}

// pinningNote says the suite's processes run unpinned.
func pinningNote([]int) string {
	return "not pinned (no sched_setaffinity on " + runtime.GOOS + ")"
}
