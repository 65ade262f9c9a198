package core

import (
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/reactors"
	"golang.org/x/sys/unix"
)

// wakeGap is how long the caller waits between two wake-ups, so that an
// idle loop is back in Wait (asleep in the kernel) when the next one comes.
const wakeGap = 50 * time.Microsecond

// BenchmarkWakeLatency times one CallFromThread: from the call on another
// goroutine to the moment that goroutine sees its callback's signal (an
// atomic it spins on, so that its own wake-up costs nothing). state=idle:
// the loop sleeps in Wait with nothing else to do; state=busy: it serves
// an always-ready descriptor, one event a pass. impl=raw-eventfd is the
// floor under both on Linux: a goroutine blocked in epoll_wait on an
// eventfd that another one writes, nothing else. Reported: p50-ns and
// p99-ns per wake-up; ns/op includes the gap between wake-ups.
func BenchmarkWakeLatency(b *testing.B) {
	if runtime.GOMAXPROCS(0) < 2 {
		b.Skip("needs two CPUs: the caller spins while the loop runs")
	}
	if rawWakeFloor != nil {
		b.Run("impl=raw-eventfd/state=idle", func(b *testing.B) {
			wake, stop := rawWakeFloor(b)
			defer stop()
			reportWakes(b, measureWakes(b.N, wake))
		})
	}
	for _, name := range reactors.Names() {
		for _, state := range []string{"idle", "busy"} {
			b.Run("impl="+name+"/state="+state, func(b *testing.B) {
				l := newTestLoop(b, name)
				if state == "busy" {
					fd, peer := socketPair(b)
					if err := l.AddReader(&echoDesc{l: l, fd: fd, peer: peer}); err != nil {
						b.Fatal(err)
					}
					if _, err := unix.Write(peer, []byte{1}); err != nil {
						b.Fatal(err)
					}
				}
				stop := runInBackground(b, l)
				defer stop()
				var signal atomic.Bool
				ping := func() { signal.Store(true) }
				reportWakes(b, measureWakes(b.N, func() {
					signal.Store(false)
					l.CallFromThread(ping)
					for !signal.Load() {
					}
				}))
			})
		}
	}
}

// runInBackground runs l on its own goroutine until the returned stop.
func runInBackground(b *testing.B, l *Loop) (stop func()) {
	running := make(chan struct{})
	l.CallWhenRunning(func() { close(running) })
	result := make(chan error, 1)
	go func() { result <- l.Run() }()
	<-running
	return func() {
		l.CallFromThread(func() { _ = l.Stop() })
		if err := <-result; err != nil {
			b.Error(err)
		}
	}
}

// measureWakes times n calls of wake, waiting wakeGap between them, and
// returns each one's latency.
func measureWakes(n int, wake func()) []time.Duration {
	lat := make([]time.Duration, n)
	for i := range lat {
		for gap := time.Now(); time.Since(gap) < wakeGap; {
		}
		start := time.Now()
		wake()
		lat[i] = time.Since(start)
	}
	return lat
}

// reportWakes reports the median and the 99th percentile of lat.
func reportWakes(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2]), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100]), "p99-ns")
}
