package core

import (
	"os"
	"os/signal"
	"syscall"
)

// signalHandler turns SIGINT and SIGTERM into Stop while Run runs.
type signalHandler struct {
	want bool
	ch   chan os.Signal
	done chan struct{}
	exit os.Signal
}

// HandleSignals asks Run to stop the loop on SIGINT or SIGTERM. The
// handlers are installed during startup and removed when Run returns; the
// setting takes effect at the next Run.
func (l *Loop) HandleSignals(on bool) { l.signals.want = on }

// ExitSignal is the signal that stopped the loop, or nil.
func (l *Loop) ExitSignal() os.Signal { return l.signals.exit }

func (l *Loop) installSignals() {
	s := &l.signals
	if !s.want || s.ch != nil {
		return
	}
	s.ch, s.done = make(chan os.Signal, 1), make(chan struct{})
	signal.Notify(s.ch, os.Interrupt, syscall.SIGTERM)
	go func(ch <-chan os.Signal, done <-chan struct{}) {
		for {
			select {
			case sig := <-ch:
				l.CallFromThread(func() {
					s.exit = sig
					_ = l.Stop() // already stopping: nothing to do
				})
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
