package deferred

import (
	"errors"
	"testing"
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
			d := New(nil)
			d.AddCallback(benchIdentity)
			d.Callback(nil)
			benchSink = d
		}
	})
	b.Run("shape=chain-10", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d := New(nil)
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
			d := New(nil)
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
				ds[i] = New(nil)
			}
			l := List(ds, ListOptions{})
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
			d := New(nil)
			for range n {
				d.AddCallback(benchIdentity)
			}
			d.Callback(nil)
			benchSink = d
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/callback")
	})
}
