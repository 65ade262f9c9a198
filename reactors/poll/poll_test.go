//go:build aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris

package poll

import (
	"fmt"
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
	for _, n := range reactortest.BenchFDs {
		b.Run(fmt.Sprintf("fds=%d", n), func(b *testing.B) {
			ps := reactortest.Socketpairs(b, n)
			fds := make([]unix.PollFd, n)
			for i, s := range ps {
				fds[i] = unix.PollFd{Fd: int32(s.A), Events: unix.POLLIN}
			}
			if _, err := unix.Write(ps[n-1].B, []byte{'x'}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				k, err := unix.Poll(fds, -1)
				if err != nil && err != unix.EINTR {
					b.Fatal(err)
				}
				for i := 0; k > 0 && i < len(fds); i++ {
					if fds[i].Revents != 0 {
						k--
					}
				}
			}
		})
	}
}
