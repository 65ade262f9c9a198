package core

import (
	"time"

	"github.com/reactorbench/reactorbench/core/deferred"
)

// Scheduler is the time part of a reactor, which Clock implements too.
type Scheduler interface {
	// Now is the reactor's current time (monotonic for the real reactor).
	Now() time.Time
	// CallLater runs fn on the reactor goroutine after delay. A negative
	// delay is treated as zero.
	CallLater(delay time.Duration, fn func()) *DelayedCall
	// GetDelayedCalls lists every pending, non-cancelled call.
	GetDelayedCalls() []*DelayedCall
}

// ThreadCaller is how other goroutines reach the reactor and how the reactor
// hands blocking work to its thread pool.
type ThreadCaller interface {
	// CallFromThread queues fn to run on the reactor goroutine; safe from any
	// goroutine, never blocks, FIFO.
	CallFromThread(fn func())
	// CallInThread runs fn on the reactor's thread pool.
	CallInThread(fn func())
	// SuggestThreadPoolSize sets the pool's maximum number of workers.
	SuggestThreadPoolSize(n int)
	// IsInIOThread reports whether the caller runs on the reactor goroutine.
	IsInIOThread() bool
}

// Descriptor is something with a file descriptor that the reactor watches.
type Descriptor interface {
	// Fileno returns the descriptor, or -1 once it is gone. It does not
	// change to another number while the reactor watches it.
	Fileno() int
	// ConnectionLost is called once when the reactor drops the descriptor,
	// with the reason.
	ConnectionLost(reason error)
}

// ReadDescriptor is a Descriptor the reactor calls when it is readable.
// A non-nil error from DoRead disconnects it with that reason.
type ReadDescriptor interface {
	Descriptor
	DoRead() error
}

// WriteDescriptor is a Descriptor the reactor calls when it is writable.
// A non-nil error from DoWrite disconnects it with that reason.
type WriteDescriptor interface {
	Descriptor
	DoWrite() error
}

// FDSet is the reactor's API for descriptors of your own (Twisted's
// IReactorFDSet). Adding twice is idempotent, removing an unknown one a no-op.
type FDSet interface {
	AddReader(r ReadDescriptor) error
	AddWriter(w WriteDescriptor) error
	RemoveReader(r ReadDescriptor)
	RemoveWriter(w WriteDescriptor)
	// RemoveAll removes and returns every reader and writer, each once.
	RemoveAll() []Descriptor
	GetReaders() []ReadDescriptor
	GetWriters() []WriteDescriptor
}

// Phase is a phase of a system event: before, during or after.
type Phase string

// The three phases of a system event.
const (
	Before Phase = "before"
	During Phase = "during"
	After  Phase = "after"
)

// The system events the reactor fires itself.
const (
	Startup  = "startup"
	Shutdown = "shutdown"
)

// TriggerID identifies a system event trigger for removal.
type TriggerID uint64

// Lifecycle starts and stops the loop and runs system event triggers.
type Lifecycle interface {
	// Run runs the loop until Stop or Crash. It fails with
	// ErrReactorAlreadyRunning or ErrReactorNotRestartable.
	Run() error
	// Stop asks the loop to fire the shutdown event and return from Run.
	// It fails with ErrReactorNotRunning when not running or already stopping.
	Stop() error
	// Crash ends the loop at once without shutdown triggers.
	Crash()
	// Running reports whether the loop is running (after "during startup").
	Running() bool
	// CallWhenRunning runs fn once the reactor runs, or at once if it does.
	CallWhenRunning(fn func())
	// AddSystemEventTrigger runs fn in the phase of event. A "before"
	// trigger may return a Deferred, which holds back the later phases until
	// it fires; others return nil.
	AddSystemEventTrigger(phase Phase, event string, fn func() *deferred.Deferred) (TriggerID, error)
	// RemoveSystemEventTrigger removes a trigger that has not run yet.
	RemoveSystemEventTrigger(id TriggerID) error
}

// Reactor is everything protocols, Deferred helpers and the thread pool use.
type Reactor interface {
	Scheduler
	ThreadCaller
	FDSet
	Lifecycle
	TCP
}
