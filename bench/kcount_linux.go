//go:build linux

package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The kernel's count of a server's system calls: perf stat on the
// raw_syscalls tracepoints of the server process, started disabled and
// switched on and off at the window's edges through perf's control FIFO,
// so it counts the timed window only, for any server (ours or a peer's).
// Counting is in the kernel; while it is on, every system call on the
// machine pays the tracepoint (about 50 ns here).

// syscallNames are the calls counted by name; the rest count in the
// total only. They cover what an event loop, Go's runtime, Node and
// Python do per request.
var syscallNames = []string{
	"read", "write", "readv", "writev", "recvfrom", "sendto", "recvmsg", "sendmsg",
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "poll", "ppoll", "select", "pselect6",
	"io_uring_enter", "futex", "nanosleep", "clock_nanosleep", "sched_yield", "getpid", "tgkill",
	"rt_sigreturn", "accept4", "close", "madvise", "mmap", "munmap", "getsockopt", "setsockopt", "fcntl", "ioctl",
}

// errAgain is the value a system call that would block returns (-EAGAIN).
const errAgain = -int(syscall.EAGAIN)

// syscallCount is what a kernelCounter counted over its window.
type syscallCount struct {
	Total  float64            // every system call
	Again  float64            // those that returned EAGAIN
	ByName map[string]float64 // calls of syscallNames, by name
	Span   time.Duration      // how long counting was on
}

// kernelCounter is one perf stat process counting one server's system calls.
type kernelCounter struct {
	cmd      *exec.Cmd
	ctl, ack *os.File
	dir      string
	stderr   bytes.Buffer
	exited   chan struct{}
	// on is when perf acknowledged the enable, span how long it counted.
	on   time.Time
	span time.Duration
	// pid and threads are the process counted and its threads when perf
	// attached: perf adds a thread started later only once it exits.
	pid     int
	threads map[string]bool
}

// perfPath is the perf binary; a variable so a test can point it at one
// that fails.
var perfPath = "perf"

// startKernelCounter starts perf stat on pid, disabled. The error says why
// the kernel cannot count here (no perf, no tracepoints, no permission).
func startKernelCounter(pid int) (*kernelCounter, error) {
	exe, err := exec.LookPath(perfPath)
	if err != nil {
		return nil, fmt.Errorf("perf not found (Debian: apt-get install linux-perf): %w", err)
	}
	dir, err := os.MkdirTemp("", "reactorbench-perf")
	if err != nil {
		return nil, err
	}
	k := &kernelCounter{dir: dir, exited: make(chan struct{}), pid: pid, threads: threadIDs(pid)}
	fail := func(err error) (*kernelCounter, error) {
		k.close()
		return nil, err
	}
	ctl, ack := filepath.Join(dir, "ctl"), filepath.Join(dir, "ack")
	for _, f := range []string{ctl, ack} {
		if err := syscall.Mkfifo(f, 0o600); err != nil {
			return fail(err)
		}
	}
	// O_RDWR so neither open waits for perf to open its end.
	if k.ctl, err = os.OpenFile(ctl, os.O_RDWR, 0); err != nil {
		return fail(err)
	}
	if k.ack, err = os.OpenFile(ack, os.O_RDWR, 0); err != nil {
		return fail(err)
	}
	args := []string{"stat", "-x", ",", "--no-big-num", "-o", filepath.Join(dir, "out"),
		"-D", "-1", "--control", "fifo:" + ctl + "," + ack, "-p", strconv.Itoa(pid),
		"-e", "raw_syscalls:sys_enter", "-e", "raw_syscalls:sys_exit", "--filter", fmt.Sprintf("ret == %d", errAgain)}
	for _, n := range availableSyscalls() {
		args = append(args, "-e", "syscalls:sys_enter_"+n)
	}
	k.cmd = exec.Command(exe, args...)
	k.cmd.Stderr = &k.stderr
	if err := k.cmd.Start(); err != nil {
		return fail(fmt.Errorf("perf: %w", err))
	}
	go func() {
		_ = k.cmd.Wait()
		close(k.exited)
	}()
	return k, nil
}

// availableSyscalls are the syscallNames this kernel has a tracepoint
// for; all of them when tracefs cannot be read (perf then says which one
// it lacks).
func availableSyscalls() []string {
	for _, root := range []string{"/sys/kernel/tracing", "/sys/kernel/debug/tracing"} {
		if _, err := os.Stat(filepath.Join(root, "events", "syscalls")); err != nil {
			continue
		}
		var have []string
		for _, n := range syscallNames {
			if _, err := os.Stat(filepath.Join(root, "events", "syscalls", "sys_enter_"+n)); err == nil {
				have = append(have, n)
			}
		}
		return have
	}
	return syscallNames
}

// perfWait bounds each exchange with perf: its start (reading tracepoint
// formats takes it a while on a busy machine), an enable, its exit.
const perfWait = 20 * time.Second

// command sends perf a control command and waits for its acknowledgement.
func (k *kernelCounter) command(cmd string) error {
	if _, err := k.ctl.WriteString(cmd + "\n"); err != nil {
		return err
	}
	got := make(chan error, 1)
	go func() {
		// perf answers "ack\n" and the string's NUL, in one write.
		buf := make([]byte, 16)
		n, err := k.ack.Read(buf)
		if err == nil && !strings.HasPrefix(strings.TrimLeft(string(buf[:n]), "\x00"), "ack") {
			err = fmt.Errorf("unexpected reply %q", buf[:n])
		}
		got <- err
	}()
	select {
	case err := <-got:
		return err
	case <-k.exited:
		return fmt.Errorf("perf exited: %s", k.why())
	case <-time.After(perfWait):
		return fmt.Errorf("perf did not answer %q in %v", cmd, perfWait)
	}
}

// why is perf's own account of a failure, its last line.
func (k *kernelCounter) why() string {
	s := strings.TrimSpace(k.stderr.String())
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if s == "" {
		s = "no message"
	}
	return s
}

// enable starts counting; disable stops it. Counting is on from perf's
// acknowledgement of the enable to the sending of the disable, within
// the time an acknowledgement takes.
func (k *kernelCounter) enable() error {
	err := k.command("enable")
	k.on = time.Now()
	return err
}

func (k *kernelCounter) disable() error {
	k.span = time.Since(k.on)
	return k.command("disable")
}

// finish stops perf and returns what it counted while enabled.
func (k *kernelCounter) finish() (syscallCount, error) {
	defer k.close()
	_ = k.cmd.Process.Signal(os.Interrupt)
	select {
	case <-k.exited:
	case <-time.After(perfWait):
		return syscallCount{}, errors.New("perf did not exit")
	}
	b, err := os.ReadFile(filepath.Join(k.dir, "out"))
	if err != nil {
		return syscallCount{}, fmt.Errorf("perf: %s", k.why())
	}
	c, err := parsePerfStat(b)
	c.Span = k.span
	if err == nil {
		if n := newThreads(k.threads, threadIDs(k.pid)); n > 0 {
			return c, fmt.Errorf("the server started %d thread(s) while perf counted, and perf counts a thread started after it attached only once the thread exits", n)
		}
	}
	return c, err
}

// threadIDs lists process pid's threads.
func threadIDs(pid int) map[string]bool {
	ids := map[string]bool{}
	es, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, e := range es {
		ids[e.Name()] = true
	}
	return ids
}

// newThreads counts the threads of now that were not in before.
func newThreads(before, now map[string]bool) int {
	n := 0
	for id := range now {
		if !before[id] {
			n++
		}
	}
	return n
}

// close ends perf if it still runs and removes its files.
func (k *kernelCounter) close() {
	if k.cmd != nil && k.cmd.Process != nil {
		select {
		case <-k.exited:
		default:
			_ = k.cmd.Process.Kill()
			<-k.exited
		}
	}
	for _, f := range []*os.File{k.ctl, k.ack} {
		if f != nil {
			f.Close()
		}
	}
	os.RemoveAll(k.dir)
}

// parsePerfStat reads perf stat's CSV output (-x ,): value, unit, event,
// ... per line. "<not counted>" is zero (the process never ran while
// enabled); an event perf could not count is an error naming it.
func parsePerfStat(b []byte) (syscallCount, error) {
	c := syscallCount{ByName: map[string]float64{}}
	seen := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ",")
		if len(f) < 3 || strings.HasPrefix(f[0], "#") {
			continue
		}
		var v float64
		switch f[0] {
		case "<not counted>":
		case "<not supported>":
			return c, fmt.Errorf("perf cannot count %s here", f[2])
		default:
			var err error
			if v, err = strconv.ParseFloat(f[0], 64); err != nil || v < 0 || v > 1e15 {
				return c, fmt.Errorf("perf: bad count %q for %s", f[0], f[2])
			}
		}
		switch ev := f[2]; {
		case ev == "raw_syscalls:sys_enter":
			c.Total, seen = v, true
		case ev == "raw_syscalls:sys_exit":
			c.Again = v
		case strings.HasPrefix(ev, "syscalls:sys_enter_"):
			if v > 0 {
				c.ByName[strings.TrimPrefix(ev, "syscalls:sys_enter_")] = v
			}
		}
	}
	if !seen {
		return c, errors.New("perf counted no raw_syscalls:sys_enter")
	}
	return c, nil
}
