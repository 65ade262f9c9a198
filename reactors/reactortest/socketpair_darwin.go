package reactortest

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// socketpair opens a connected, non-blocking, close-on-exec pair of Unix
// stream sockets. macOS has no SOCK_NONBLOCK or SOCK_CLOEXEC, so the flags
// are set afterwards, under ForkLock.
func socketpair() ([2]int, error) {
	syscall.ForkLock.RLock()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err == nil {
		unix.CloseOnExec(fds[0])
		unix.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return fds, err
	}
	for _, fd := range fds {
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(fds[0])
			unix.Close(fds[1])
			return fds, err
		}
	}
	return fds, nil
}
