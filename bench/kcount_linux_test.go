//go:build linux

package bench

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

const syscallChildEnv = "REACTORBENCH_TEST_SYSCALLS"

// maybeSyscallChild, in a test binary started with syscallChildEnv set,
// reads lines "N M" and makes N getpid calls and M reads of an empty
// non-blocking pipe (each returns EAGAIN), answering "done" after each.
func maybeSyscallChild() {
	if os.Getenv(syscallChildEnv) == "" {
		return
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK); err != nil {
		os.Exit(1)
	}
	buf := make([]byte, 1)
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		var n, m int
		if _, err := fmt.Sscan(sc.Text(), &n, &m); err != nil {
			os.Exit(1)
		}
		for range n {
			unix.Getpid()
		}
		for range m {
			if _, err := unix.Read(p[0], buf); err != unix.EAGAIN {
				os.Exit(1)
			}
		}
		fmt.Println("done")
	}
	os.Exit(0)
}

// The kernel counter counts exactly the getpid calls a process makes
// while it is enabled, none of those made before or after, and the
// calls that returned EAGAIN.
func TestKernelCounterCountsKnownCalls(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	// The runtime's preemption signals are sent with a getpid of their
	// own (tgkill(getpid(), ...)): off, so every getpid is the child's.
	cmd.Env = append(os.Environ(), syscallChildEnv+"=1", "GODEBUG=asyncpreemptoff=1")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	outp, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		in.Close()
		_ = cmd.Wait()
	}()
	out := bufio.NewScanner(outp)
	do := func(n, m int) {
		t.Helper()
		fmt.Fprintf(in, "%d %d\n", n, m)
		if !out.Scan() || out.Text() != "done" {
			t.Fatalf("the child did not answer: %v", out.Err())
		}
	}
	do(1, 0) // the child is up and has made its pipe
	k, err := startKernelCounter(cmd.Process.Pid)
	if err != nil {
		t.Skipf("the kernel cannot count system calls here: %v", err)
	}
	defer k.close()
	if err := k.enable(); err != nil {
		if strings.Contains(err.Error(), "perf exited") {
			t.Skipf("perf refuses here: %v", err)
		}
		t.Fatal(err)
	}
	const getpids, agains = 12345, 678
	do(getpids, agains)
	if err := k.disable(); err != nil {
		t.Fatal(err)
	}
	do(5000, 500) // not counted
	c, err := k.finish()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.ByName["getpid"]; got != getpids {
		t.Errorf("counted %v getpid calls, want %d", got, getpids)
	}
	if c.Again < agains {
		t.Errorf("counted %v calls returning EAGAIN, want at least the %d reads of an empty pipe", c.Again, agains)
	}
	if c.ByName["read"] < agains {
		t.Errorf("counted %v reads, want at least %d", c.ByName["read"], agains)
	}
	if c.Span <= 0 {
		t.Errorf("counting span %v, want the time between enable and disable", c.Span)
	}
	if c.Total < getpids+agains {
		t.Errorf("counted %v system calls in all, want at least %d", c.Total, getpids+agains)
	}
}

// A perf that cannot run is an error that says so, not a hang.
func TestKernelCounterWithoutPerf(t *testing.T) {
	old := perfPath
	perfPath = "/nonexistent/perf"
	defer func() { perfPath = old }()
	if _, err := startKernelCounter(os.Getpid()); err == nil || !strings.Contains(err.Error(), "linux-perf") {
		t.Fatalf("got %v, want an error naming the package to install", err)
	}
}

func TestParsePerfStat(t *testing.T) {
	out := "# started on x\n\n12,,raw_syscalls:sys_enter,100,100.00,,\n<not counted>,,raw_syscalls:sys_exit,0,100.00,,\n7,,syscalls:sys_enter_write,100,100.00,,\n0,,syscalls:sys_enter_read,100,100.00,,\n"
	c, err := parsePerfStat([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if c.Total != 12 || c.Again != 0 || c.ByName["write"] != 7 || len(c.ByName) != 1 {
		t.Errorf("parsed %+v", c)
	}
	for _, bad := range []string{"", "x,,raw_syscalls:sys_enter,1,1,,\n", "-1,,raw_syscalls:sys_enter,1,1,,\n", "<not supported>,,raw_syscalls:sys_enter,,,,\n"} {
		if _, err := parsePerfStat([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
