//go:build linux

package epoll

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/reactors"
	"github.com/reactorbench/reactorbench/reactors/reactortest"
)

func TestConformance(t *testing.T) { reactortest.Run(t, New) }

// TestRegularFile: epoll refuses regular files with EPERM; Set says why.
func TestRegularFile(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	fd, err := unix.Open(filepath.Join(t.TempDir(), "f"), unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	err = p.Set(fd, reactors.Readable)
	if !errors.Is(err, unix.EPERM) || !strings.Contains(err.Error(), "regular files") {
		t.Fatalf("Set(regular file) = %v, want EPERM explained", err)
	}
	if err := p.Set(fd, 0); err != nil {
		t.Fatalf("Set(regular file, 0) = %v, want nil: it was never watched", err)
	}
}

func BenchmarkWait(b *testing.B) { reactortest.BenchmarkWait(b, New) }

func BenchmarkWake(b *testing.B) { reactortest.BenchmarkWake(b, New) }

// BenchmarkWaitFloor is BenchmarkWait with epoll_wait called directly on the
// same descriptors: the syscall alone, the floor the backend is held to.
func BenchmarkWaitFloor(b *testing.B) {
	reactortest.BenchmarkFloor(b, func(b *testing.B, fds []int) func() (int, error) {
		epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { unix.Close(epfd) })
		for _, fd := range fds {
			ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
			if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
				b.Fatal(err)
			}
		}
		evs := make([]unix.EpollEvent, 65)
		return func() (int, error) {
			k, err := unix.EpollWait(epfd, evs, -1)
			if err == unix.EINTR {
				return 0, nil
			}
			return k, err
		}
	})
}
