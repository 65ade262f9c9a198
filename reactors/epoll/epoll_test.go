//go:build linux

package epoll

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/reactors/reactortest"
)

func TestConformance(t *testing.T) { reactortest.Run(t, New) }

func BenchmarkWait(b *testing.B) { reactortest.BenchmarkWait(b, New) }

func BenchmarkWake(b *testing.B) { reactortest.BenchmarkWake(b, New) }

// BenchmarkWaitFloor is BenchmarkWait with epoll_wait called directly on the
// same descriptors: the syscall alone, the floor the backend is held to.
func BenchmarkWaitFloor(b *testing.B) {
	for _, n := range reactortest.BenchFDs {
		b.Run(fmt.Sprintf("fds=%d", n), func(b *testing.B) {
			epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
			if err != nil {
				b.Fatal(err)
			}
			defer unix.Close(epfd)
			ps := reactortest.Socketpairs(b, n)
			for _, s := range ps {
				ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(s.A)}
				if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, s.A, &ev); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := unix.Write(ps[n-1].B, []byte{'x'}); err != nil {
				b.Fatal(err)
			}
			evs := make([]unix.EpollEvent, 65)
			b.ReportAllocs()
			for b.Loop() {
				if k, err := unix.EpollWait(epfd, evs, -1); err != nil && err != unix.EINTR || k > 1 {
					b.Fatalf("epoll_wait = %d, %v", k, err)
				}
			}
		})
	}
}
