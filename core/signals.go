package core

import (
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// signalHandler turns SIGINT and SIGTERM into Stop.
type signalHandler struct {
	ch   chan os.Signal
	done chan struct{}
	exit atomic.Value // os.Signal
}

// HandleSignals(true) makes SIGINT and SIGTERM stop the loop, from the
// moment it returns: a signal that arrives before Run, or during startup,
// is not lost and makes the next Run stop at its first pass, so a program
// that installs its handlers before saying it is ready can be stopped at
// any time after that. HandleSignals(false) removes the handlers, which
// are also removed when Run returns after Stop and at Close. Call it on
// the loop's goroutine (or before Run).
func (l *Loop) HandleSignals(on bool) {
	l.owner.check("Loop.HandleSignals")
	if on {
		l.installSignals()
	} else {
		l.uninstallSignals()
	}
}

// ExitSignal is the signal that stopped the loop, or nil.
func (l *Loop) ExitSignal() os.Signal {
	sig, _ := l.signals.exit.Load().(os.Signal)
	return sig
}

func (l *Loop) installSignals() {
	s := &l.signals
	if s.ch != nil {
		return
	}
	s.ch, s.done = make(chan os.Signal, 1), make(chan struct{})
	signal.Notify(s.ch, os.Interrupt, syscall.SIGTERM)
	go func(ch <-chan os.Signal, done <-chan struct{}) {
		for {
			select {
			case sig := <-ch:
				s.exit.Store(sig)
				// Queued, so a signal before Run stops the first pass.
				l.CallFromThread(func() { _ = l.Stop() }) // already stopping: nothing to do
			case <-done:
				return
			}
		}
	}(s.ch, s.done)
}

func (l *Loop) uninstallSignals() {
	s := &l.signals
	if s.ch == nil {
		return
	}
	signal.Stop(s.ch)
	close(s.done)
	s.ch, s.done = nil, nil
}
