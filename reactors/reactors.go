// Package reactors defines the contract between the event loop in core and
// the operating system's readiness APIs (select, poll, epoll, kqueue), and a
// registry that picks a backend by name at run time.
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

// Info describes a backend for the registry.
type Info struct {
	Name string                 // the name users pass to -reactor
	Doc  string                 // one line on what it is
	New  func() (Poller, error) // opens a fresh poller
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

// Lookup returns the Info registered under name, resolving "default".
func Lookup(name string) (Info, error) {
	mu.RLock()
	defer mu.RUnlock()
	if name == DefaultName {
		for _, n := range preference {
			if info, ok := registry[n]; ok {
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

// Open opens a fresh poller of the named backend ("default" for the
// preferred one). An unknown name is an error that lists the available ones.
func Open(name string) (Poller, error) {
	info, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	return info.New()
}
