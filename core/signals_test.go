package core

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/core/deferred"
)

// Item 70: with signal handling on, SIGINT and SIGTERM stop the loop and
// are recorded; the handlers exist from HandleSignals until Run ends.
func TestSignalsStop(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
			l := newTestLoop(t, name)
			l.HandleSignals(true)
			var before, during bool
			mustTrigger(t, l, Before, Startup, func() *deferred.Deferred { before = l.signals.ch != nil; return nil })
			mustTrigger(t, l, During, Startup, func() *deferred.Deferred { during = l.signals.ch != nil; return nil })
			l.CallWhenRunning(func() {
				if err := syscall.Kill(os.Getpid(), sig); err != nil {
					t.Error(err)
				}
			})
			runTestLoop(t, l)
			if !before || !during {
				t.Errorf("handlers installed: before startup %v, during %v; want both", before, during)
			}
			if l.ExitSignal() != sig {
				t.Errorf("ExitSignal = %v, want %v", l.ExitSignal(), sig)
			}
			if l.signals.ch != nil {
				t.Error("handlers still installed after Run")
			}
		}
	})
}

// Item 90: signals interrupting a blocked Wait (EINTR) end the pass
// quietly; the loop goes on until it is stopped.
func TestWaitInterrupted(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		l.CallLater(50*time.Millisecond, func() { _ = l.Stop() })
		done := make(chan struct{})
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			for {
				select {
				case <-done:
					return
				default:
					// SIGURG is the runtime's own preemption signal: harmless.
					_ = syscall.Kill(os.Getpid(), syscall.SIGURG)
					time.Sleep(time.Millisecond)
				}
			}
		}()
		runTestLoop(t, l)
		close(done)
		<-stopped
	})
}

// A SIGTERM that arrives after HandleSignals(true) but before Run stops
// the loop at its first pass instead of killing the process, on every
// backend. The signal goes to a child process (this test binary again),
// since without the fix it dies of it.
func TestHandleSignalsInstallsAtOnce(t *testing.T) {
	if name := os.Getenv("CORE_SIGNAL_CHILD"); name != "" {
		l, err := Open(name)
		if err != nil {
			t.Fatal(err)
		}
		l.HandleSignals(true)
		if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		runTestLoop(t, l)
		_ = l.Close()
		if l.ExitSignal() == syscall.SIGTERM {
			os.Stdout.WriteString("stopped by SIGTERM\n")
		}
		return
	}
	forEachBackend(t, func(t *testing.T, name string) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHandleSignalsInstallsAtOnce$", "-test.v")
		cmd.Env = append(os.Environ(), "CORE_SIGNAL_CHILD="+name)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "stopped by SIGTERM") {
			t.Errorf("child: %v\n%s", err, out)
		}
	})
}
