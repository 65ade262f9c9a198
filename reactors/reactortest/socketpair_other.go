//go:build unix && !darwin

package reactortest

import "golang.org/x/sys/unix"

// socketpair opens a connected, non-blocking, close-on-exec pair of Unix
// stream sockets.
func socketpair() ([2]int, error) {
	return unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
}
