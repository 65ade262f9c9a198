//go:build linux

package epoll

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/reactors"
	"github.com/reactorbench/reactorbench/reactors/internal/backend"
)

func init() {
	reactors.Register(reactors.Info{
		Name: "epoll",
		Doc:  "Linux epoll(7), level-triggered, eventfd wake-up; cost per wait independent of watched descriptors",
		New:  New,
	})
}

type poller struct {
	epfd   int
	wakefd int               // eventfd, registered for EPOLLIN
	mask   []reactors.Events // interest per descriptor, as told to the kernel
	evs    []unix.EpollEvent // kernel result buffer, at least as long as dst
	waker  backend.Waker
	signal func() error
}

// New opens an epoll poller.
func New() (reactors.Poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wakefd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		unix.Close(wakefd)
		unix.Close(epfd)
		return nil, fmt.Errorf("epoll_ctl(eventfd): %w", err)
	}
	p := &poller{epfd: epfd, wakefd: wakefd, evs: make([]unix.EpollEvent, 128)}
	p.signal = func() error { return backend.Signal(p.wakefd) }
	return p, nil
}

func (p *poller) Set(fd int, ev reactors.Events) error {
	if p.waker.Closed() {
		return reactors.ErrClosed
	}
	if err := backend.Check(fd, ev); err != nil {
		return err
	}
	if fd == p.wakefd {
		return fmt.Errorf("epoll: descriptor %d is the poller's own wake-up eventfd", fd)
	}
	old := reactors.Events(0)
	if fd < len(p.mask) {
		old = p.mask[fd]
	}
	if ev == old {
		return nil
	}
	var err error
	switch {
	case ev == 0:
		// A descriptor closed behind our back has already left the epoll
		// set, so EBADF and ENOENT mean it is gone, which is what we want.
		err = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil)
		if err == unix.EBADF || err == unix.ENOENT {
			err = nil
		}
	case old == 0:
		err = p.ctl(unix.EPOLL_CTL_ADD, fd, ev)
		if err == unix.EEXIST { // fd was closed and reused while registered
			err = p.ctl(unix.EPOLL_CTL_MOD, fd, ev)
		}
	default:
		err = p.ctl(unix.EPOLL_CTL_MOD, fd, ev)
		if err == unix.ENOENT { // fd was closed and reused while registered
			err = p.ctl(unix.EPOLL_CTL_ADD, fd, ev)
		}
	}
	if err == unix.EPERM {
		return fmt.Errorf("epoll: descriptor %d cannot be watched: epoll refuses regular files and directories, which are always ready (%w)", fd, err)
	}
	if err != nil {
		return fmt.Errorf("epoll_ctl(%d, %v): %w", fd, ev, err)
	}
	p.mask = backend.Grow(p.mask, fd)
	p.mask[fd] = ev
	return nil
}

func (p *poller) ctl(op, fd int, ev reactors.Events) error {
	e := unix.EpollEvent{Fd: int32(fd)}
	if ev&reactors.Readable != 0 {
		e.Events |= unix.EPOLLIN
	}
	if ev&reactors.Writable != 0 {
		e.Events |= unix.EPOLLOUT
	}
	return unix.EpollCtl(p.epfd, op, fd, &e)
}

func (p *poller) Wait(dst []reactors.Event, timeout time.Duration) (int, error) {
	if p.waker.Closed() {
		return 0, reactors.ErrClosed
	}
	if len(dst) == 0 {
		return 0, fmt.Errorf("epoll: Wait needs room for at least one event")
	}
	if len(p.evs) < len(dst) {
		p.evs = make([]unix.EpollEvent, len(dst))
	}
	// No more than dst holds: the kernel moves each level-triggered
	// descriptor it returns to the back of its ready list, so one taken
	// but not reported would wait a whole round, and with as many ready
	// as a multiple of what is taken, the same ones would wait forever.
	n, err := unix.EpollWait(p.epfd, p.evs[:len(dst)], backend.Millis(timeout))
	if err == unix.EINTR {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("epoll_wait: %w", err)
	}
	k := 0
	for _, e := range p.evs[:n] {
		fd := int(e.Fd)
		if fd == p.wakefd {
			backend.Drain(fd)
			p.waker.Done()
			continue
		}
		var ev reactors.Events
		if e.Events&unix.EPOLLIN != 0 {
			ev |= reactors.Readable
		}
		if e.Events&unix.EPOLLOUT != 0 {
			ev |= reactors.Writable
		}
		if e.Events&unix.EPOLLHUP != 0 {
			ev |= reactors.Hangup | reactors.Readable | reactors.Writable
		}
		if e.Events&unix.EPOLLERR != 0 {
			ev |= reactors.Error | reactors.Readable | reactors.Writable
		}
		dst[k] = reactors.Event{Fd: fd, Events: ev}
		k++
	}
	return k, nil
}

func (p *poller) Wake() error { return p.waker.Wake(p.signal) }

func (p *poller) Close() error {
	return p.waker.Close(func() error {
		err1 := unix.Close(p.wakefd)
		err2 := unix.Close(p.epfd)
		p.mask = nil
		if err1 != nil {
			return err1
		}
		return err2
	})
}
