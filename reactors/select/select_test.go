//go:build aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris

package selectreactor

import (
	"errors"
	"testing"

	"github.com/reactorbench/reactorbench/reactors"
	"github.com/reactorbench/reactorbench/reactors/reactortest"
)

func TestConformance(t *testing.T) { reactortest.Run(t, New) }

func TestFDRange(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const fd = 1 << 25 // above backend.MaxFiles and every FD_SETSIZE
	var rangeErr *FDRangeError
	if err := p.Set(fd, reactors.Readable); !errors.As(err, &rangeErr) || rangeErr.Fd != fd {
		t.Fatalf("Set(%d, r) = %v, want *FDRangeError", fd, err)
	}
	if err := p.Set(fd, 0); err != nil {
		t.Fatalf("Set(%d, 0) = %v, want nil: it was never watched", fd, err)
	}
}

func BenchmarkWait(b *testing.B) { reactortest.BenchmarkWait(b, New) }

func BenchmarkWake(b *testing.B) { reactortest.BenchmarkWake(b, New) }
