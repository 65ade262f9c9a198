//go:build linux

package bench

import (
	"errors"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// rawWakeFloor is the floor of the wakeup workload on Linux: a goroutine
// waits in epoll_wait on an eventfd, drains it and signals, as a loop's
// Wait does with nothing around it; the wake-up writes the eventfd.
var rawWakeFloor wakeTarget = func() (wake, stop func() error, err error) {
	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil, nil, err
	}
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		unix.Close(efd)
		return nil, nil, err
	}
	closeAll := func() error { return errors.Join(unix.Close(ep), unix.Close(efd)) }
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, efd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(efd)}); err != nil {
		return nil, nil, errors.Join(err, closeAll())
	}
	var signal, quit atomic.Bool
	done := make(chan error, 1)
	go func() {
		evs := make([]unix.EpollEvent, 1)
		var buf [8]byte
		for !quit.Load() {
			n, err := unix.EpollWait(ep, evs, -1)
			if err != nil && err != unix.EINTR {
				done <- err
				return
			}
			if n == 1 {
				_, _ = unix.Read(efd, buf[:])
				signal.Store(true)
			}
		}
		done <- nil
	}()
	one := []byte{1, 0, 0, 0, 0, 0, 0, 0}
	wake = func() error {
		signal.Store(false)
		if _, err := unix.Write(efd, one); err != nil {
			return err
		}
		return awaitSignal(&signal)
	}
	stop = func() error {
		quit.Store(true)
		_, werr := unix.Write(efd, one)
		if werr != nil {
			return errors.Join(werr, closeAll())
		}
		return errors.Join(<-done, closeAll())
	}
	return wake, stop, nil
}
