//go:build linux

package bench

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// pin binds every thread of this process to cpu (threads started later
// inherit it) and sizes the Go scheduler to that one CPU. On a machine with
// one CPU it does nothing.
func pin(cpu int) error {
	if runtime.NumCPU() < 2 {
		return nil
	}
	var set unix.CPUSet
	set.Set(cpu)
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := unix.SchedSetaffinity(tid, &set); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("pin to cpu %d: %w", cpu, err)
		}
	}
	runtime.GOMAXPROCS(1)
	return nil
}

// pinningNote describes where the suite's processes run.
func pinningNote() string {
	if runtime.NumCPU() < 2 {
		return "not pinned (one CPU)"
	}
	return "server cpu 0, load generator cpu 1"
}
