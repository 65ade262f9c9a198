// Package reactors defines the contract between the event loop in core and
// the operating system's readiness APIs (select, poll, epoll, kqueue,
// io_uring's poll), the completion contract of a backend that also does
// socket I/O itself (Completer, io_uring), and a registry that picks a
// backend by name at run time and says which of them this system can run.
//
// A backend translates one syscall family and nothing else: no callbacks,
// buffers, timers or logging. Every backend is level-triggered, so the same
// loop behaves the same on each and comparisons between them are fair.
package reactors

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Events is a portable readiness mask.
type Events uint8

// The portable event bits. Hangup and Error are always reported together with
// Readable|Writable, so that the handler's next read or write reveals the cause.
const (
	Readable Events = 1 << iota
	Writable
	Hangup
	Error
)

// String renders the mask as "r", "w", "rw", "rwh" and so on; "-" when empty.
func (e Events) String() string {
	if e == 0 {
		return "-"
	}
	var b strings.Builder
	for i, c := range "rwhe" {
		if e&(1<<i) != 0 {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// Event is one ready descriptor reported by Wait.
type Event struct {
	Fd     int
	Events Events
}

// Poller is one OS readiness API. Set, Wait and Close are called from the
// loop's goroutine only; Wake may be called from any goroutine.
type Poller interface {
	// Set replaces the interest mask of fd (Readable and/or Writable);
	// an empty mask unregisters it. Setting an unregistered fd to 0 is a no-op.
	Set(fd int, ev Events) error
	// Wait fills dst with ready descriptors and returns how many. A negative
	// timeout blocks until an event or Wake; zero polls. A timeout below one
	// millisecond is rounded up, never down to a busy poll. An interrupted
	// wait (EINTR) returns 0, nil. The wake-up descriptor is never reported.
	Wait(dst []Event, timeout time.Duration) (int, error)
	// Wake makes a blocked (or the next) Wait return. Wakes are coalesced:
	// many calls before a Wait cost at most one wake-up.
	Wake() error
	// Close releases the poller; a later Wait returns ErrClosed.
	Close() error
}

// ErrClosed is returned by Wait (and Set) on a closed Poller.
var ErrClosed = errors.New("reactors: poller is closed")

// ErrUnavailable is wrapped by the error of a registered backend that this
// system cannot run (a kernel without the API, or one that forbids it).
var ErrUnavailable = errors.New("reactors: backend not available here")

// Info describes a backend for the registry.
type Info struct {
	Name string                 // the name users pass to -reactor
	Doc  string                 // one line on what it is
	New  func() (Poller, error) // opens a fresh poller
	// Available reports whether this system can run the backend: nil, or
	// an error saying why not. Nil means the backend runs wherever it
	// compiles. It may be called often, so a backend caches its answer.
	Available func() error
}

// available is info.Available(), wrapped in ErrUnavailable and the name.
func (info Info) available() error {
	if info.Available == nil {
		return nil
	}
	if err := info.Available(); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, info.Name, err)
	}
	return nil
}

// DefaultName is the name that opens the preferred backend of this OS.
const DefaultName = "default"

// preference is the order in which "default" is resolved.
var preference = []string{"epoll", "kqueue", "poll", "select"}

var (
	mu       sync.RWMutex
	registry = map[string]Info{}
)

// Register makes a backend available by name. It panics on an empty or
// duplicate name or a nil constructor, since that is a programming error made
// at init time.
func Register(info Info) {
	mu.Lock()
	defer mu.Unlock()
	if info.Name == "" || info.Name == DefaultName || info.New == nil {
		panic(fmt.Sprintf("reactors: invalid registration %q", info.Name))
	}
	if _, dup := registry[info.Name]; dup {
		panic("reactors: Register called twice for " + info.Name)
	}
	registry[info.Name] = info
}

// Names lists the registered backends, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the Info registered under name, resolving "default" to
// the first available backend in the order epoll, kqueue, poll, select.
// A registered backend is found whether or not it can run here.
func Lookup(name string) (Info, error) {
	mu.RLock()
	defer mu.RUnlock()
	if name == DefaultName {
		for _, n := range preference {
			if info, ok := registry[n]; ok && info.available() == nil {
				return info, nil
			}
		}
		return Info{}, errors.New("reactors: no backend registered (import reactors/all)")
	}
	info, ok := registry[name]
	if !ok {
		names := make([]string, 0, len(registry))
		for n := range registry {
			names = append(names, n)
		}
		sort.Strings(names)
		return Info{}, fmt.Errorf("reactors: unknown backend %q (available: %s)", name, strings.Join(append(names, DefaultName), ", "))
	}
	return info, nil
}

// Available reports whether the named backend ("default" for the
// preferred one) can run on this system: nil, or an error wrapping
// ErrUnavailable that says why not. An unknown name is an error too.
func Available(name string) error {
	info, err := Lookup(name)
	if err != nil {
		return err
	}
	return info.available()
}

// Open opens a fresh poller of the named backend ("default" for the
// preferred one). An unknown name is an error that lists the registered
// ones; a backend this system cannot run is an error wrapping
// ErrUnavailable that says why, never another backend in its place.
func Open(name string) (Poller, error) {
	info, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	if err := info.available(); err != nil {
		return nil, err
	}
	return info.New()
}
