package core

import (
	"testing"
	"time"
)

// A call from another goroutine while the loop is not about to wait costs
// no wake-up, and the loop still does not block with it queued: the
// pass's Wait sees it and returns at once.
func TestCallFromThreadBusyLoopNoWake(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		watchdog := time.AfterFunc(30*time.Second, func() {
			t.Error("watchdog: the loop blocked with a call queued")
			_ = l.Poller().Wake()
		})
		defer watchdog.Stop()
		ran := false
		l.CallFromThread(func() {
			queued := make(chan struct{})
			go func() {
				l.CallFromThread(func() { ran = true })
				close(queued)
			}()
			<-queued
		})
		if err := l.Iterate(-1); err != nil {
			t.Fatal(err)
		}
		if err := l.Iterate(0); err != nil {
			t.Fatal(err)
		}
		if !ran {
			t.Error("the call queued during a pass did not run")
		}
		if c := l.Counters(); c.Wakes != 0 {
			t.Errorf("%d wake-ups for calls queued while the loop was not waiting, want 0", c.Wakes)
		}
	})
}
