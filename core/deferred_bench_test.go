package core

import (
	"errors"
	"testing"

	"github.com/reactorbench/reactorbench/reactors"
)

var benchSink any

func benchIdentity(v any) (any, error) { return v, nil }

func benchRecover(*Failure) (any, error) { return nil, nil }

var errBench = errors.New("bench")

// BenchmarkDeferred times the shapes that bench/peers/twisted_inproc.py
// times in Twisted with its deferred workload, under the same names.
func BenchmarkDeferred(b *testing.B) {
	b.Run("shape=create-callback-fire", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d := NewDeferred(nil)
			d.AddCallback(benchIdentity)
			d.Callback(nil)
			benchSink = d
		}
	})
	b.Run("shape=chain-10", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d := NewDeferred(nil)
			for range 10 {
				d.AddCallback(benchIdentity)
			}
			d.Callback(nil)
			benchSink = d
		}
	})
	b.Run("shape=errback", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d := NewDeferred(nil)
			d.AddErrback(benchRecover)
			d.Errback(errBench)
			benchSink = d
		}
	})
	b.Run("shape=list-1000", func(b *testing.B) {
		b.ReportAllocs()
		ds := make([]*Deferred, 1000)
		for b.Loop() {
			for i := range ds {
				ds[i] = NewDeferred(nil)
			}
			l := NewDeferredList(ds, ListOptions{})
			for _, d := range ds {
				d.Callback(nil)
			}
			benchSink = l
		}
	})
	// One Deferred with 1e6 callbacks: time per op / 1e6 is the cost of
	// one callback, which stays flat if running the chain is linear.
	b.Run("shape=chain-1e6", func(b *testing.B) {
		const n = 1_000_000
		b.ReportAllocs()
		for b.Loop() {
			d := NewDeferred(nil)
			for range n {
				d.AddCallback(benchIdentity)
			}
			d.Callback(nil)
			benchSink = d
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/callback")
	})
}

// BenchmarkDeferToThread times sequential round trips: from the loop to a
// pool goroutine and back, one Deferred each. Twisted's counterpart is
// shape=defer-to-thread of bench/peers/twisted_inproc.py callbacks.
func BenchmarkDeferToThread(b *testing.B) {
	for _, name := range reactors.Names() {
		b.Run("backend="+name, func(b *testing.B) {
			l := newTestLoop(b, name)
			var step func(any) (any, error)
			left := 0
			step = func(any) (any, error) {
				if left == 0 {
					return nil, l.Stop()
				}
				left--
				DeferToThread(l, benchWork).AddCallback(step)
				return nil, nil
			}
			b.ReportAllocs()
			l.CallWhenRunning(func() {
				b.ResetTimer()
				left = b.N
				step(nil)
			})
			runTestLoop(b, l)
		})
	}
}

func benchWork() (any, error) { return nil, nil }
