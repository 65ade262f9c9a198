package core

import (
	"os"
	"syscall"
	"testing"
)

// Item 70: with signal handling on, SIGINT and SIGTERM stop the loop and
// are recorded; the handlers exist from "during startup" until Run ends.
func TestSignalsStop(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
			l := newTestLoop(t, name)
			l.HandleSignals(true)
			var before, during bool
			mustTrigger(t, l, Before, Startup, func() *Deferred { before = l.signals.ch != nil; return nil })
			mustTrigger(t, l, During, Startup, func() *Deferred { during = l.signals.ch != nil; return nil })
			l.CallWhenRunning(func() {
				if err := syscall.Kill(os.Getpid(), sig); err != nil {
					t.Error(err)
				}
			})
			runTestLoop(t, l)
			if before || !during {
				t.Errorf("handlers installed: before startup %v, during %v", before, during)
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
