//go:build linux || freebsd || dragonfly

package core

import "golang.org/x/sys/unix"

// newSocket opens a non-blocking, close-on-exec socket in one call, so a
// concurrent fork never inherits it.
func newSocket(family, typ int) (int, error) {
	return unix.Socket(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
}

// acceptNonblock accepts a connection as a non-blocking, close-on-exec
// socket in one call.
func acceptNonblock(fd int) (int, unix.Sockaddr, error) {
	return unix.Accept4(fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
}
