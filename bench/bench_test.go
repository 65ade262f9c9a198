package bench

import (
	"flag"
	"runtime"
	"strings"
	"testing"

	"github.com/reactorbench/reactorbench/bench/results"
	"github.com/reactorbench/reactorbench/core"
	"github.com/reactorbench/reactorbench/reactors"
	_ "github.com/reactorbench/reactorbench/reactors/all"
)

// reactorFlag is the test binary's -reactor flag:
// go test ./bench -bench . -args -reactor=epoll,poll
var reactorFlag reactors.NamesFlag

func init() {
	flag.Var(&reactorFlag, "reactor", "backends to benchmark: all, default or NAME,... (default all)")
}

// benchReactors returns the backends named by -reactor, or every registered
// backend when the flag is unset.
func benchReactors() []string {
	if len(reactorFlag.Names) > 0 {
		return reactorFlag.Names
	}
	return runnableReactors()
}

// runnableReactors is every registered backend this system can run.
func runnableReactors() []string {
	names, _ := runnable(reactors.Names())
	return names
}

// BenchmarkDispatch is the dispatch workload: one op is one event (a
// callback reading a byte and writing one on), timed apart from setup. Its
// names and units are the suite's (impl=, ns/event, syscalls/event,
// setup-ns), so benchstat compares a `go test` run with a suite run.
//
//	go test ./bench -run X -bench Dispatch -benchmem -args -reactor=epoll
func BenchmarkDispatch(b *testing.B) {
	ladder, _ := dispatchLadder(noFileLimit(), false)
	for _, impl := range dispatchImpls(benchReactors()) {
		for _, pt := range dispatchPoints(ladder) {
			n, active := pt[0], pt[1]
			b.Run(subName(dispatchName(impl.name, n, active)), func(b *testing.B) {
				b.ReportAllocs()
				b.StopTimer()
				s, err := measureDispatch(impl, n, active, b.N, b)
				if err != nil {
					b.Fatal(err)
				}
				m := s.metrics()
				b.ReportMetric(m[results.NsPerEvent], "ns/op")
				for unit, v := range m {
					b.ReportMetric(v, unit)
				}
			})
		}
	}
}

// subName is a suite result name without its workload prefix: the
// sub-benchmark path under BenchmarkWORKLOAD.
func subName(name string) string {
	_, sub, _ := strings.Cut(name, "/")
	return sub
}

// benchShapes runs the shapes of an in-process workload as sub-benchmarks
// impl=NAME/KEY, the suite's names.
func benchShapes(b *testing.B, workload string) {
	for _, name := range benchReactors() {
		for _, s := range inprocShapes(workload, false) {
			b.Run(subName(inprocName(workload, name, s.key)), func(b *testing.B) {
				b.ReportAllocs()
				b.StopTimer()
				l, err := core.Open(name)
				if err != nil {
					b.Fatal(err)
				}
				defer l.Close()
				run, err := s.prepare(l)
				if err != nil {
					b.Fatal(err)
				}
				before := l.Counters()
				if err := run(b.N, b); err != nil {
					b.Fatal(err)
				}
				for unit, v := range shapeMetrics(b.N, 0, 0, before, l.Counters()) {
					if unit != results.NsPerOp && unit != results.AllocsPerOp {
						b.ReportMetric(v, unit)
					}
				}
			})
		}
	}
}

// BenchmarkCallbacks times the Deferred shapes.
func BenchmarkCallbacks(b *testing.B) { benchShapes(b, "callbacks") }

// BenchmarkTimers times CallLater schedule+fire and schedule+cancel beside
// pending timers.
func BenchmarkTimers(b *testing.B) { benchShapes(b, "timers") }

// BenchmarkCrossThread times CallFromThread from several goroutines.
func BenchmarkCrossThread(b *testing.B) { benchShapes(b, "cross-thread") }

// BenchmarkWakeup is the wakeup workload: one op is one CallFromThread
// woken and signalled back (with wakeupGap between two), its ns/op the
// median wake-up, beside the raw eventfd floor.
//
//	go test ./bench -run X -bench Wakeup -args -reactor=epoll
func BenchmarkWakeup(b *testing.B) {
	if runtime.GOMAXPROCS(0) < 2 {
		b.Skip("needs two CPUs: the caller spins while the loop runs")
	}
	for _, p := range wakeupPoints(benchReactors()) {
		b.Run(subName(wakeupName(p.impl, p.state)), func(b *testing.B) {
			m, err := measureWakeups(p.target, b.N)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(m[results.WakeNs], "ns/op")
			for unit, v := range m {
				b.ReportMetric(v, unit)
			}
		})
	}
}
