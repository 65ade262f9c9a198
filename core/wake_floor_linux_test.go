package core

import (
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

func init() { rawWakeFloor = eventfdWakeFloor }

// eventfdWakeFloor starts a goroutine that waits in epoll_wait on an
// eventfd, drains it and signals, as a loop's Wait does with nothing
// around it, and returns the wake-up that writes the eventfd and spins
// until the signal.
func eventfdWakeFloor(b *testing.B) (wake, stop func()) {
	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		b.Fatal(err)
	}
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		b.Fatal(err)
	}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, efd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(efd)}); err != nil {
		b.Fatal(err)
	}
	var signal, quit atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		evs := make([]unix.EpollEvent, 1)
		var buf [8]byte
		for !quit.Load() {
			if n, err := unix.EpollWait(ep, evs, -1); err != nil && err != unix.EINTR {
				b.Error(err)
				return
			} else if n == 1 {
				_, _ = unix.Read(efd, buf[:])
				signal.Store(true)
			}
		}
	}()
	one := []byte{1, 0, 0, 0, 0, 0, 0, 0}
	wake = func() {
		signal.Store(false)
		if _, err := unix.Write(efd, one); err != nil {
			b.Fatal(err)
		}
		for !signal.Load() {
		}
	}
	stop = func() {
		quit.Store(true)
		_, _ = unix.Write(efd, one)
		<-done
		unix.Close(ep)
		unix.Close(efd)
	}
	return wake, stop
}
