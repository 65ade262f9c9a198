//go:build unix

package reactortest

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/reactorbench/reactorbench/reactors"
)

// BenchFDs are the watched-descriptor counts BenchmarkWait measures.
var BenchFDs = []int{1, 16, 256, 1024, 4096, 8192}

// BenchmarkWait measures one Wait that finds 1 ready descriptor among N
// watched, for each N in BenchFDs, as sub-benchmarks named "fds=N" (so
// benchstat can compare backends). The ready descriptor is the newest, hence
// the highest-numbered one: the worst case for select and poll, which scan
// every watched descriptor, and no different for epoll and kqueue.
func BenchmarkWait(b *testing.B, open func() (reactors.Poller, error)) {
	eachN(b, func(b *testing.B, fds []int) func() (int, error) {
		p := mustOpen(b, open)
		for _, fd := range fds {
			if err := p.Set(fd, reactors.Readable); err != nil {
				if runtime.GOOS != "linux" && fd >= 1024 {
					b.Skipf("Set(%d): %v", fd, err)
				}
				b.Fatalf("Set(%d): %v", fd, err)
			}
		}
		dst := make([]reactors.Event, 64)
		ready := fds[len(fds)-1]
		return func() (int, error) {
			k, err := p.Wait(dst, -1)
			if k == 1 && dst[0].Fd != ready {
				return k, fmt.Errorf("fd %d reported, want %d", dst[0].Fd, ready)
			}
			return k, err
		}
	})
}

// BenchmarkFloor is BenchmarkWait without a Poller: watch registers fds with
// the raw syscall and returns one bare wait-and-scan, so the backend can be
// held against the syscall alone. Sub-benchmarks match BenchmarkWait's.
func BenchmarkFloor(b *testing.B, watch func(b *testing.B, fds []int) (wait func() (int, error))) {
	eachN(b, watch)
}

// eachN runs one sub-benchmark per N in BenchFDs. setup watches the read ends
// of N socketpairs, the last of which holds a byte, and returns one wait,
// which must report that descriptor alone (or nothing, if interrupted).
func eachN(b *testing.B, setup func(b *testing.B, fds []int) func() (int, error)) {
	for _, n := range BenchFDs {
		b.Run(fmt.Sprintf("fds=%d", n), func(b *testing.B) {
			ps := Socketpairs(b, n)
			fds := make([]int, n)
			for i, s := range ps {
				fds[i] = s.A
			}
			write(b, ps[n-1].B)
			wait := setup(b, fds)
			b.ReportAllocs()
			for b.Loop() {
				if k, err := wait(); err != nil || k > 1 {
					b.Fatalf("wait = %d, %v; want the one ready descriptor", k, err)
				}
			}
		})
	}
}

// BenchmarkWake measures Wake as cross-goroutine calls use it:
// "pending" is a Wake while one is already pending (the coalesced case, no
// syscall), "roundtrip" a Wake followed by the Wait that consumes it.
func BenchmarkWake(b *testing.B, open func() (reactors.Poller, error)) {
	b.Run("pending", func(b *testing.B) {
		p := mustOpen(b, open)
		if err := p.Wake(); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := p.Wake(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("roundtrip", func(b *testing.B) {
		p := mustOpen(b, open)
		dst := make([]reactors.Event, 8)
		b.ReportAllocs()
		for b.Loop() {
			if err := p.Wake(); err != nil {
				b.Fatal(err)
			}
			if k, err := p.Wait(dst, -1); k != 0 || err != nil {
				b.Fatalf("Wait after Wake = %d, %v", k, err)
			}
		}
	})
}
