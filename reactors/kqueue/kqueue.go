//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package kqueue

import (
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/reactors"
	"github.com/reactorbench/reactorbench/reactors/internal/backend"
)

func init() {
	reactors.Register(reactors.Info{
		Name: "kqueue",
		Doc:  "BSD/macOS kqueue(2), level-triggered, EVFILT_USER wake-up; cost per wait independent of watched descriptors",
		New:  New,
	})
}

type poller struct {
	kq     int
	mask   []reactors.Events // interest per descriptor, as told to the kernel
	evs    []unix.Kevent_t   // kernel result buffer
	change [1]unix.Kevent_t
	ts     unix.Timespec
	wake   wakeup // the wake-up source, per system: wake_*.go
	waker  backend.Waker
	signal func() error
}

// New opens a kqueue poller.
func New() (reactors.Poller, error) {
	// kqueue has no close-on-exec flag everywhere; hold ForkLock until it
	// is set so that a concurrent fork+exec cannot inherit the queue.
	syscall.ForkLock.RLock()
	kq, err := unix.Kqueue()
	if err == nil {
		unix.CloseOnExec(kq)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("kqueue: %w", err)
	}
	p := &poller{kq: kq, evs: make([]unix.Kevent_t, 128)}
	if err := p.wake.open(kq); err != nil {
		unix.Close(kq)
		return nil, fmt.Errorf("kqueue: wake-up: %w", err)
	}
	p.signal = p.wake.trigger
	return p, nil
}

// apply makes one change to the queue.
func (p *poller) apply(fd, filter, flags int) error {
	unix.SetKevent(&p.change[0], fd, filter, flags)
	_, err := unix.Kevent(p.kq, p.change[:], nil, nil)
	return err
}

func (p *poller) Set(fd int, ev reactors.Events) error {
	if p.waker.Closed() {
		return reactors.ErrClosed
	}
	if err := backend.Check(fd, ev); err != nil {
		return err
	}
	if p.wake.owns(fd) {
		return fmt.Errorf("kqueue: descriptor %d is the poller's own wake-up pipe", fd)
	}
	old := reactors.Events(0)
	if fd < len(p.mask) {
		old = p.mask[fd]
	}
	if ev == old {
		return nil
	}
	for _, f := range [...]struct {
		bit    reactors.Events
		filter int
	}{{reactors.Readable, unix.EVFILT_READ}, {reactors.Writable, unix.EVFILT_WRITE}} {
		switch {
		case ev&f.bit != 0 && old&f.bit == 0:
			if err := p.apply(fd, f.filter, unix.EV_ADD); err != nil {
				return fmt.Errorf("kevent(%d, add %v): %w", fd, f.bit, err)
			}
			// Grown only once the kernel accepted fd as open.
			p.mask = backend.Grow(p.mask, fd)
			p.mask[fd] |= f.bit
		case ev&f.bit == 0 && old&f.bit != 0:
			// Closing a descriptor removes its filters, so ENOENT and
			// EBADF mean it is already gone, which is what we want.
			if err := p.apply(fd, f.filter, unix.EV_DELETE); err != nil && err != unix.ENOENT && err != unix.EBADF {
				return fmt.Errorf("kevent(%d, delete %v): %w", fd, f.bit, err)
			}
			p.mask[fd] &^= f.bit
		}
	}
	return nil
}

func (p *poller) Wait(dst []reactors.Event, timeout time.Duration) (int, error) {
	if p.waker.Closed() {
		return 0, reactors.ErrClosed
	}
	if len(dst) == 0 {
		return 0, fmt.Errorf("kqueue: Wait needs room for at least one event")
	}
	if len(p.evs) < len(dst) {
		p.evs = make([]unix.Kevent_t, len(dst))
	}
	var ts *unix.Timespec
	if timeout >= 0 {
		p.ts = unix.NsecToTimespec(backend.Round(timeout).Nanoseconds())
		ts = &p.ts
	}
	// No more than dst holds: the kernel moves each level-triggered event
	// it returns to the back of its queue, so one taken but not reported
	// would wait a whole round, and with as many ready as a multiple of
	// what is taken, the same ones would wait forever.
	n, err := unix.Kevent(p.kq, nil, p.evs[:len(dst)], ts)
	if err == unix.EINTR {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("kevent: %w", err)
	}
	k := 0
	for i := range p.evs[:n] {
		e := &p.evs[i]
		if p.wake.is(e) {
			p.wake.drain()
			p.waker.Done()
			continue
		}
		fd := int(e.Ident)
		var ev reactors.Events
		switch {
		case e.Flags&unix.EV_ERROR != 0:
			ev = reactors.Error | reactors.Readable | reactors.Writable
		case e.Filter == unix.EVFILT_READ:
			ev = reactors.Readable
		case e.Filter == unix.EVFILT_WRITE:
			ev = reactors.Writable
		}
		if e.Flags&unix.EV_EOF != 0 {
			ev |= reactors.Hangup | reactors.Readable | reactors.Writable
			if e.Fflags != 0 { // the socket's pending error
				ev |= reactors.Error
			}
		}
		// The read and write filters of one descriptor come as two
		// events, usually side by side: merge them.
		if k > 0 && dst[k-1].Fd == fd {
			dst[k-1].Events |= ev
			continue
		}
		dst[k] = reactors.Event{Fd: fd, Events: ev}
		k++
	}
	return k, nil
}

func (p *poller) Wake() error { return p.waker.Wake(p.signal) }

func (p *poller) Close() error {
	return p.waker.Close(func() error {
		err1 := p.wake.close()
		err2 := unix.Close(p.kq)
		p.mask = nil
		if err1 != nil {
			return err1
		}
		return err2
	})
}
