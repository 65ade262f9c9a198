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

// pin binds every thread of this process to cpus (threads started later
// inherit them) and sizes the Go scheduler to procs. With no CPUs (a
// machine with one) it only sizes the scheduler.
func pin(cpus []int, procs int) error {
	runtime.GOMAXPROCS(procs)
	if len(cpus) == 0 {
		return nil
	}
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
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
			return fmt.Errorf("pin to cpu %s: %w", cpuList(cpus), err)
		}
	}
	return nil
}

// pinningNote describes where the suite's processes run at each loop
// count.
func pinningNote(loops []int) string { return layoutNote(loops, runtime.NumCPU()) }
