//go:build !(linux || freebsd || dragonfly)

package core

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Here x/sys/unix has no Accept4 (and macOS no SOCK_NONBLOCK or
// SOCK_CLOEXEC), so the flags are set after the call. Holding
// syscall.ForkLock for reading until close-on-exec is set keeps a
// concurrent fork from inheriting the descriptor.
//
// macOS has no MSG_NOSIGNAL, and the transport does not use it anywhere:
// a write to a reset peer raises SIGPIPE, which the Go runtime ignores for
// descriptors other than stdout and stderr, so the write fails with EPIPE
// as on Linux. SO_NOSIGPIPE is therefore not needed.

// newSocket opens a non-blocking, close-on-exec socket.
func newSocket(family, typ int) (int, error) {
	syscall.ForkLock.RLock()
	fd, err := unix.Socket(family, typ, 0)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, err
	}
	if err := setNonblock(fd); err != nil {
		return -1, err
	}
	return fd, nil
}

// acceptNonblock accepts a connection as a non-blocking, close-on-exec
// socket.
func acceptNonblock(fd int) (int, unix.Sockaddr, error) {
	syscall.ForkLock.RLock()
	nfd, sa, err := unix.Accept(fd)
	if err == nil {
		unix.CloseOnExec(nfd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, nil, err
	}
	if err := setNonblock(nfd); err != nil {
		return -1, nil, err
	}
	return nfd, sa, nil
}

// setNonblock makes fd non-blocking, closing it if that fails.
func setNonblock(fd int) error {
	if err := unix.SetNonblock(fd, true); err != nil {
		_ = unix.Close(fd)
		return err
	}
	return nil
}
