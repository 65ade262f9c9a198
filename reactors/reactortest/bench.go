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
	for _, n := range BenchFDs {
		b.Run(fmt.Sprintf("fds=%d", n), func(b *testing.B) {
			p := mustOpen(b, open)
			ps := Socketpairs(b, n)
			for _, s := range ps {
				if err := p.Set(s.A, reactors.Readable); err != nil {
					if runtime.GOOS != "linux" && s.A >= 1024 {
						b.Skipf("Set(%d): %v", s.A, err)
					}
					b.Fatalf("Set(%d): %v", s.A, err)
				}
			}
			ready := ps[len(ps)-1]
			write(b, ready.B)
			dst := make([]reactors.Event, 64)
			b.ReportAllocs()
			for b.Loop() {
				k, err := p.Wait(dst, -1)
				// k == 0 is an interrupted wait, which the contract allows.
				if err != nil || k > 1 || k == 1 && dst[0].Fd != ready.A {
					b.Fatalf("Wait = %v, %v; want fd %d readable", dst[:k], err, ready.A)
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
