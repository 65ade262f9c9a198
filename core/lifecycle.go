package core

import (
	"errors"
	"fmt"
	"log"

	"github.com/reactorbench/reactorbench/core/deferred"
	"github.com/reactorbench/reactorbench/core/internal/goroutine"
	"github.com/reactorbench/reactorbench/reactors"
)

// Lifecycle errors.
var (
	// ErrReactorNotRunning: Stop before Run, after it returned, or twice.
	ErrReactorNotRunning = errors.New("core: reactor is not running")
	// ErrReactorAlreadyRunning: Run while running.
	ErrReactorAlreadyRunning = errors.New("core: reactor is already running")
	// ErrReactorNotRestartable: Run after Stop (Crash allows a new Run).
	ErrReactorNotRestartable = errors.New("core: reactor cannot be restarted after Stop")
	// ErrInvalidPhase: a phase other than Before, During or After.
	ErrInvalidPhase = errors.New("core: invalid system event phase")
	// ErrNoSuchTrigger: the trigger was removed, has run, or never existed.
	ErrNoSuchTrigger = errors.New("core: no such system event trigger")
)

type sysTrigger struct {
	id TriggerID
	fn func() *deferred.Deferred
}

// sysEvent holds the pending triggers of one named event, per phase. Firing
// consumes them, so each trigger runs once.
type sysEvent struct {
	phases [3][]sysTrigger
	firing bool
}

// lifecycle is the run state of a Loop (Twisted's _started, running,
// _stopped, _justStopped and _startedBefore).
type lifecycle struct {
	started     bool // Run in progress and not crashed
	running     bool // after "during startup"
	justStopped bool // Stop called; shutdown fires in the next pass
	stopped     bool // Stop was called: no restart
	inRun       bool
	sysEvents   map[string]*sysEvent
	lastID      TriggerID
}

func phaseIndex(p Phase) int {
	switch p {
	case Before:
		return 0
	case During:
		return 1
	case After:
		return 2
	}
	return -1
}

// initLifecycle registers the built-in triggers, in Twisted's order.
func (l *Loop) initLifecycle() {
	l.sysEvents = map[string]*sysEvent{}
	l.addStartTrigger()
	l.addBuiltin(After, Startup, l.pool.start)
	l.addBuiltin(During, Shutdown, l.endRun)
	l.addBuiltin(During, Shutdown, l.disconnectAll)
	l.addBuiltin(During, Shutdown, l.pool.stop)
}

func (l *Loop) addBuiltin(p Phase, event string, fn func()) {
	_, _ = l.AddSystemEventTrigger(p, event, func() *deferred.Deferred { fn(); return nil })
}

// addStartTrigger registers what makes the loop running; Crash registers it
// again so that a new Run starts properly.
func (l *Loop) addStartTrigger() {
	l.addBuiltin(During, Startup, func() {
		l.running = true
	})
}

// Run fires the startup event and runs passes until Stop (after the
// shutdown event) or Crash. It returns the Poller's error if Wait fails.
func (l *Loop) Run() error {
	switch {
	case l.stopped:
		return ErrReactorNotRestartable
	case l.started || l.inRun:
		return ErrReactorAlreadyRunning
	case l.closed:
		return fmt.Errorf("core: Run: %w", reactors.ErrClosed)
	}
	me := goroutine.Current()
	l.loopID.Store(me)
	l.owner.g.Store(me)
	l.started, l.inRun = true, true
	defer func() {
		l.owner.g.Store(0)
		l.inRun = false
		if l.stopped {
			l.uninstallSignals()
			l.markDone()
		}
	}()
	l.fireSystemEvent(Startup)
	for l.started {
		if err := l.pass(-1, true); err != nil {
			l.Crash()
			return err
		}
	}
	if l.stopped {
		l.flushPoller()
	}
	return nil
}

// flushPoller makes one Wait that reports nothing to anyone: a backend
// that queues cancels until its next Wait (the uring completer, where a
// receive in flight keeps its socket open) hands those of the shutdown to
// the kernel, so the sockets it closed are closed for the peers now, not
// at Close. After Stop no pass follows, so the events are not needed.
func (l *Loop) flushPoller() {
	_, _ = l.poller.Wait(l.events, 0)
}

// Stop fires the shutdown event at the end of the current (or next) pass;
// Run returns once its triggers have run.
func (l *Loop) Stop() error {
	l.owner.check("Loop.Stop")
	if l.stopped || !l.started {
		return ErrReactorNotRunning
	}
	l.stopped, l.justStopped = true, true
	return nil
}

// Crash makes Run return after the current pass, without shutdown
// triggers. Run may be called again.
func (l *Loop) Crash() {
	l.owner.check("Loop.Crash")
	wasRunning := l.running
	l.started, l.running = false, false
	if wasRunning {
		l.addStartTrigger()
	}
}

// endRun is the built-in "during shutdown" trigger: Run returns after
// this pass, and after Stop no pass of Run follows.
func (l *Loop) endRun() {
	l.Crash()
	if l.stopped {
		l.markDone()
	}
}

// Running reports whether the loop runs (from "during startup" on).
func (l *Loop) Running() bool { return l.running }

// CallWhenRunning calls fn now if the loop runs, else after startup (in
// the order of registration).
func (l *Loop) CallWhenRunning(fn func()) {
	l.owner.check("Loop.CallWhenRunning")
	if l.running {
		fn()
		return
	}
	_, _ = l.AddSystemEventTrigger(After, Startup, func() *deferred.Deferred { fn(); return nil })
}

// AddSystemEventTrigger runs fn in the given phase of event ("startup",
// "shutdown", or any name fired with FireSystemEvent). A Before trigger may
// return a Deferred; the later phases wait until all of them fired.
func (l *Loop) AddSystemEventTrigger(phase Phase, event string, fn func() *deferred.Deferred) (TriggerID, error) {
	l.owner.check("Loop.AddSystemEventTrigger")
	i := phaseIndex(phase)
	if i < 0 {
		return 0, fmt.Errorf("%w %q (want before, during or after)", ErrInvalidPhase, phase)
	}
	if fn == nil {
		return 0, errors.New("core: AddSystemEventTrigger with a nil function")
	}
	ev := l.sysEvents[event]
	if ev == nil {
		ev = &sysEvent{}
		l.sysEvents[event] = ev
	}
	l.lastID++
	ev.phases[i] = append(ev.phases[i], sysTrigger{l.lastID, fn})
	return l.lastID, nil
}

// RemoveSystemEventTrigger removes a trigger that has not run yet, even
// while its event fires.
func (l *Loop) RemoveSystemEventTrigger(id TriggerID) error {
	l.owner.check("Loop.RemoveSystemEventTrigger")
	for _, ev := range l.sysEvents {
		for p, ts := range ev.phases {
			for i, t := range ts {
				if t.id == id {
					ev.phases[p] = append(ts[:i:i], ts[i+1:]...)
					return nil
				}
			}
		}
	}
	return fmt.Errorf("%w (id %d)", ErrNoSuchTrigger, id)
}

// FireSystemEvent runs the triggers of event: every Before trigger, then,
// once the Deferreds they returned have all fired, the During and After
// ones. A panicking trigger is logged and the others still run. Firing an
// event that is already firing does nothing.
func (l *Loop) FireSystemEvent(event string) {
	l.owner.check("Loop.FireSystemEvent")
	l.fireSystemEvent(event)
}

func (l *Loop) fireSystemEvent(event string) {
	ev := l.sysEvents[event]
	if ev == nil || ev.firing {
		return
	}
	ev.firing = true
	waiting := 1 // held until every Before trigger has been called
	done := func() {
		waiting--
		if waiting == 0 {
			l.finishFiring(ev, event)
		}
	}
	for len(ev.phases[0]) > 0 {
		t := ev.phases[0][0]
		ev.phases[0] = ev.phases[0][1:]
		d := l.callTrigger(t, event)
		if d == nil {
			continue
		}
		waiting++
		d.AddBoth(func(r any) (any, error) {
			if f, ok := r.(*deferred.Failure); ok {
				log.Printf("before %s trigger failed: %v", event, f)
			}
			done()
			return nil, nil
		})
	}
	done()
}

func (l *Loop) finishFiring(ev *sysEvent, event string) {
	for p := 1; p < 3; p++ {
		for len(ev.phases[p]) > 0 {
			t := ev.phases[p][0]
			ev.phases[p] = ev.phases[p][1:]
			l.callTrigger(t, event)
		}
	}
	ev.firing = false
}

func (l *Loop) callTrigger(t sysTrigger, event string) (d *deferred.Deferred) {
	protect(event+" trigger", func() { d = t.fn() })
	return d
}
