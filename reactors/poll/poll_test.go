//go:build aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris

package poll

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/reactors/reactortest"
)

func TestConformance(t *testing.T) { reactortest.Run(t, New) }

func BenchmarkWait(b *testing.B) { reactortest.BenchmarkWait(b, New) }

func BenchmarkWake(b *testing.B) { reactortest.BenchmarkWake(b, New) }

// BenchmarkWaitFloor is BenchmarkWait with poll called directly on the same
// descriptors, including the scan for the ready one that any poll user does:
// the floor the backend is held to.
func BenchmarkWaitFloor(b *testing.B) {
	reactortest.BenchmarkFloor(b, func(b *testing.B, fds []int) func() (int, error) {
		pfds := make([]unix.PollFd, len(fds))
		for i, fd := range fds {
			pfds[i] = unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
		}
		return func() (int, error) {
			k, err := unix.Poll(pfds, -1)
			if err == unix.EINTR {
				return 0, nil
			}
			found := 0
			for i := 0; found < k && i < len(pfds); i++ {
				if pfds[i].Revents != 0 {
					found++
				}
			}
			return found, err
		}
	})
}
