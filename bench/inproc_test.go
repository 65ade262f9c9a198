package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/bench/peers"
	"github.com/reactorbench/reactorbench/bench/results"
	"github.com/reactorbench/reactorbench/core"
	"github.com/reactorbench/reactorbench/internal/peerenv"
	"github.com/reactorbench/reactorbench/internal/testenv"
	"github.com/reactorbench/reactorbench/reactors"
)

var inprocWorkloads = []string{"callbacks", "timers", "cross-thread"}

func TestInprocShapesRun(t *testing.T) {
	for _, backend := range reactors.Names() {
		for _, w := range inprocWorkloads {
			for _, s := range inprocShapes(w, true) {
				t.Run("reactor="+backend+"/"+benchPrefix(w)+"/"+s.key, func(t *testing.T) {
					l, err := core.Open(backend)
					if err != nil {
						t.Fatal(err)
					}
					defer l.Close()
					run, err := s.prepare(l)
					if err != nil {
						t.Fatal(err)
					}
					pending := len(l.GetDelayedCalls())
					// Odd sizes, smaller and larger than the goroutine
					// count and the timer batch.
					for _, n := range []int{1, 3, 1001} {
						var sw stopwatch
						if err := run(n, &sw); err != nil {
							t.Fatalf("run(%d): %v", n, err)
						}
						if sw.elapsed <= 0 {
							t.Errorf("run(%d) timed nothing", n)
						}
					}
					if got := len(l.GetDelayedCalls()); got != pending {
						t.Errorf("%d timers pending after the runs, %d before: the shape leaks timers", got, pending)
					}
				})
			}
		}
	}
}

func TestTimerShapesKeepPending(t *testing.T) {
	l, err := core.Open(reactors.Names()[0])
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	prepareTimers(l, 500, "fire")
	if got := len(l.GetDelayedCalls()); got != 500 {
		t.Errorf("%d timers pending after preparing 500", got)
	}
}

func TestTimeShapeGrows(t *testing.T) {
	l, err := core.Open(reactors.Names()[0])
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var ns []int
	run := func(n int, w window) error {
		ns = append(ns, n)
		w.StartTimer()
		for range n {
			l.CallLater(0, noop).Cancel()
		}
		w.StopTimer()
		return nil
	}
	sample, err := timeShape(l, run, shapeTarget(true))
	if err != nil {
		t.Fatal(err)
	}
	m := sample.Metrics
	if sample.Iters != int64(ns[len(ns)-1]) {
		t.Errorf("iterations %d, want the last run's %d", sample.Iters, ns[len(ns)-1])
	}
	if len(ns) < 2 || ns[0] != 1 {
		t.Errorf("sizes %v: want a growing series from 1", ns)
	}
	for i := 1; i < len(ns); i++ {
		if ns[i] <= ns[i-1] || ns[i] > 100*ns[i-1] {
			t.Errorf("sizes %v: each must grow, at most 100-fold", ns)
		}
	}
	if m[results.NsPerOp] <= 0 || m[results.AllocsPerOp] < 0 {
		t.Errorf("metrics %v", m)
	}
}

func TestInprocWorkloads(t *testing.T) {
	backends := reactors.Names()
	for _, w := range inprocWorkloads {
		t.Run(w, func(t *testing.T) {
			var skips []string
			o := &Options{
				Reactors: backends, Peers: []string{"twisted-epoll"}, Quick: true, Repeats: 2,
				Skip: func(what, reason, hint string) { skips = append(skips, what+": "+reason+" ("+hint+")") },
			}
			var got []results.Result
			if err := runInproc(context.Background(), w, o, func(r results.Result) { got = append(got, r) }); err != nil {
				t.Fatal(err)
			}
			impls := map[string]int{}
			for _, r := range got {
				impls[r.Impl]++
				if r.Workload != w || r.Name != inprocName(w, r.Impl, keyOf(r.Name)) || len(r.Samples) != 2 {
					t.Errorf("result %q: workload %q, %d samples", r.Name, r.Workload, len(r.Samples))
				}
				for _, s := range r.Samples {
					if s.Metrics[results.NsPerOp] <= 0 {
						t.Errorf("%s: ns/op %v", r.Name, s.Metrics[results.NsPerOp])
					}
				}
			}
			shapes := len(inprocShapes(w, true))
			for _, b := range backends {
				if impls[b] != shapes {
					t.Errorf("%s: %d results, want %d", b, impls[b], shapes)
				}
			}
			if impls["twisted"] == 0 && len(skips) == 0 {
				t.Error("no Twisted results and no skip recorded")
			}
			if impls["twisted"] != 0 && impls["twisted"] != shapes {
				t.Errorf("twisted: %d results, want %d (skips %q)", impls["twisted"], shapes, skips)
			}
			want := inprocPoints(w)(o)
			if impls["twisted"] == 0 {
				want -= shapes // skipped, with the reason recorded
			}
			if len(got) != want {
				t.Errorf("%d results, want %d", len(got), want)
			}
		})
	}
}

// keyOf is the part of a result name after the implementation.
func keyOf(name string) string {
	_, rest, _ := strings.Cut(name, "/impl=")
	_, key, _ := strings.Cut(rest, "/")
	return key
}

func TestInprocWithoutTwistedPeer(t *testing.T) {
	o := &Options{Reactors: reactors.Names()[:1], Peers: []string{"gonet"}, Quick: true, Repeats: 1}
	var got []results.Result
	if err := runInproc(context.Background(), "cross-thread", o, func(r results.Result) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		if r.Impl == "twisted" {
			t.Errorf("Twisted ran though no Twisted peer was asked for: %s", r.Name)
		}
	}
	if len(got) != inprocPoints("cross-thread")(o) {
		t.Errorf("%d results; Points said %d", len(got), inprocPoints("cross-thread")(o))
	}
}

func TestTwistedShapesMatchOurs(t *testing.T) {
	_, err := testenv.Python3Twisted()
	testenv.Require(t, "python3 with Twisted", testenv.TwistedHint, err)
	for _, w := range inprocWorkloads {
		got, err := twistedShapes(context.Background(), w, 2, true)
		if err != nil {
			t.Fatalf("%s: %v", w, err)
		}
		for _, s := range inprocShapes(w, true) {
			samples := got[s.key]
			if len(samples) != 2 {
				t.Errorf("%s %s: %d samples, want 2", w, s.key, len(samples))
			}
			for _, sm := range samples {
				if sm.Metrics[results.NsPerOp] <= 0 {
					t.Errorf("%s %s: ns/op %v", w, s.key, sm.Metrics[results.NsPerOp])
				}
			}
		}
	}
}

// TestTwistedDeferredShapes runs the script's deferred workload, which only
// people run (the suite does not): core's BenchmarkDeferred shapes under its
// names, the long chain also per callback.
func TestTwistedDeferredShapes(t *testing.T) {
	_, err := testenv.Python3Twisted()
	testenv.Require(t, "python3 with Twisted", testenv.TwistedHint, err)
	got, err := twistedShapes(context.Background(), "deferred", 1, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"shape=create-callback-fire", "shape=chain-10", "shape=errback", "shape=list-1000", "shape=chain-1e5"} {
		if s := got[key]; len(s) != 1 || s[0].Metrics[results.NsPerOp] <= 0 {
			t.Errorf("%s: %v", key, s)
		}
	}
	if s := got["shape=chain-1e5"]; len(s) == 1 && s[0].Metrics["ns/callback"] <= 0 {
		t.Errorf("chain-1e5 has no ns/callback: %v", s[0].Metrics)
	}
}

func TestParseBenchLines(t *testing.T) {
	out := "goos: linux\nBenchmarkTimers/pending=0/op=fire\t100\t12.5 ns/op\t1 allocs/op\n" +
		"BenchmarkTimers/pending=0/op=fire 200 11 ns/op\nBenchmarkOther/x 1 2 ns/op\nPASS\n"
	got, err := parseBenchLines([]byte(out), "Timers")
	if err != nil {
		t.Fatal(err)
	}
	s := got["pending=0/op=fire"]
	if len(got) != 1 || len(s) != 2 || s[0].Metrics["ns/op"] != 12.5 || s[0].Metrics["allocs/op"] != 1 || s[1].Metrics["ns/op"] != 11 ||
		s[0].Iters != 100 || s[1].Iters != 200 {
		t.Errorf("parsed %v", got)
	}
	for _, bad := range []string{"BenchmarkTimers/a 1 x ns/op", "BenchmarkTimers/a 1 2", "BenchmarkTimers/a 1",
		"BenchmarkTimers/a 0 2 ns/op", "BenchmarkTimers/a -5 2 ns/op", "BenchmarkTimers/a 1e13 2 ns/op", "BenchmarkTimers/a 99999999999999 2 ns/op",
		"BenchmarkTimers/a 1 NaN ns/op", "BenchmarkTimers/a 1 +Inf ns/op", "BenchmarkTimers/a 1 1e400 ns/op"} {
		if _, err := parseBenchLines([]byte(bad), "Timers"); err == nil {
			t.Errorf("%q parsed without error", bad)
		}
	}
}

func TestBenchPrefix(t *testing.T) {
	for in, want := range map[string]string{"cross-thread": "CrossThread", "timers": "Timers", "callbacks": "Callbacks"} {
		if got := benchPrefix(in); got != want {
			t.Errorf("benchPrefix(%q) = %q, want %q", in, got, want)
		}
	}
	if got := inprocName("timers", "epoll", "pending=0/op=fire"); got != "Timers/impl=epoll/pending=0/op=fire" {
		t.Errorf("inprocName = %q", got)
	}
}

// TestTimeShapeCountsAtLeastMinOps checks that a sample makes minShapeOps
// operations even when its first, single operation already takes longer
// than the target: one slow start must not be the sample.
func TestTimeShapeCountsAtLeastMinOps(t *testing.T) {
	l, err := core.Open(reactors.Names()[0])
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	last := 0
	slowStart := func(n int, w window) error {
		last = n
		w.StartTimer()
		time.Sleep(2 * time.Millisecond) // the whole run, whatever n: the target at once
		w.StopTimer()
		return nil
	}
	if _, err := timeShape(l, slowStart, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if last < minShapeOps {
		t.Fatalf("the sample timed %d operations, want at least %d", last, minShapeOps)
	}
}

// TestTwistedHarnessCountsAtLeastMinOps checks the same of the Twisted
// script's calibration, and that it and the Go harness agree on the count.
func TestTwistedHarnessCountsAtLeastMinOps(t *testing.T) {
	py, err := peerenv.Python3Twisted()
	testenv.Require(t, "python3 with Twisted", testenv.TwistedHint, err)
	script, err := peers.Script(twistedInprocScript)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, twistedInprocScript), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	check := fmt.Sprintf("import sys\nsys.path.insert(0, %q)\nfrom twisted_inproc import grow, MIN_OPS\n"+
		"n, _ = grow(lambda n: 0.002, 0.001)\nassert MIN_OPS == %d, MIN_OPS\nassert n >= MIN_OPS, n\nprint('ok')\n", dir, minShapeOps)
	out, err := exec.Command(py, "-c", check).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("%v: %s", err, out)
	}
}
