package bench

import (
	"math"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/bench/loadgen"
	"github.com/reactorbench/reactorbench/bench/results"
)

func TestRateLadderFromPeak(t *testing.T) {
	steps, err := rateLadder(123456, ladderShares)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		pct  int
		rate float64
	}{{10, 12000}, {30, 37000}, {50, 62000}, {70, 86000}, {90, 110000}}
	if len(steps) != len(want) {
		t.Fatalf("steps %+v, want %d", steps, len(want))
	}
	for i, w := range want {
		if steps[i].percent() != w.pct || steps[i].rate != w.rate {
			t.Errorf("step %d: %d%% at %v/s, want %d%% at %v/s", i, steps[i].percent(), steps[i].rate, w.pct, w.rate)
		}
	}
}

func TestRoundRate(t *testing.T) {
	for in, want := range map[float64]float64{
		99.4: 99, 100: 100, 104: 100, 105: 110, 987: 990, 12345: 12000, 12500: 13000, 9.96e6: 1e7, 0.4: 0,
	} {
		if got := roundRate(in); got != want {
			t.Errorf("roundRate(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestRateLadderBounds(t *testing.T) {
	// Low peaks lose the steps under the floor, and keep the others.
	steps, err := rateLadder(300, ladderShares)
	if err != nil || len(steps) != 3 || steps[0].rate != 150 || steps[0].percent() != 50 {
		t.Fatalf("peak 300: %+v, %v; want 50, 70, 90%% only", steps, err)
	}
	// Steps that round to the same rate merge into the first.
	steps, err = rateLadder(1000, []float64{0.5, 0.501, 0.9})
	if err != nil || len(steps) != 2 || steps[0].share != 0.5 || steps[1].rate != 900 {
		t.Fatalf("merged steps: %+v, %v", steps, err)
	}
	// Every step under the floor: nothing to offer.
	if _, err := rateLadder(minLadderRate, ladderShares[:1]); err == nil {
		t.Error("a ladder with every step under the floor was accepted")
	}
	// The top of the range is still offered.
	if steps, err := rateLadder(loadgen.MaxRate, ladderShares); err != nil || steps[len(steps)-1].rate > loadgen.MaxRate {
		t.Errorf("peak at the load generator's limit: %+v, %v", steps, err)
	}
}

func TestRateLadderRejectsHostilePeaks(t *testing.T) {
	for _, peak := range []float64{0, -1, math.NaN(), math.Inf(1), math.Inf(-1), loadgen.MaxRate * 1.0001, 1e300, math.SmallestNonzeroFloat64} {
		if steps, err := rateLadder(peak, ladderShares); err == nil {
			t.Errorf("peak %v accepted: %+v", peak, steps)
		}
	}
	for _, shares := range [][]float64{{0}, {-0.1}, {1.5}, {math.NaN()}, {0.5, 0.3}, {0.5, 0.5}, nil} {
		if steps, err := rateLadder(1e5, shares); err == nil {
			t.Errorf("shares %v accepted: %+v", shares, steps)
		}
	}
}

// TestFixedLoadPlan checks that the full ladder, each step checked by the
// load generator, is a valid open-loop configuration.
func TestFixedLoadPlan(t *testing.T) {
	for _, quick := range []bool{false, true} {
		o := &Options{Quick: quick, Repeats: 6}
		shares := planFixedShares(o)
		if len(shares) < 2 || fixedRepeats(o) != 4 {
			t.Errorf("quick=%v: shares %v, repeats %d", quick, shares, fixedRepeats(o))
		}
		steps, err := rateLadder(50000, shares)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range steps {
			cfg := loadgen.Config{Conns: planOpen(o).conns, Size: 64, Rate: s.rate, Duration: fixedWindow}
			if err := cfg.Check(); err != nil {
				t.Errorf("step %+v: %v", s, err)
			}
		}
	}
	if fixedRepeats(&Options{Repeats: 2}) != 2 || fixedRepeats(&Options{}) != 1 {
		t.Error("fixed-load repeats do not follow a smaller -repeats")
	}
}

// TestClientBoundAt80 pins the client-bound rule: past 80% of the load
// generator's core, and not at or under it.
func TestClientBoundAt80(t *testing.T) {
	for cpu, want := range map[time.Duration]float64{790 * time.Millisecond: 0, 800 * time.Millisecond: 0, 810 * time.Millisecond: 1, 950 * time.Millisecond: 1} {
		s := loadSample(&loadgen.Result{RoundTrips: 10, Window: time.Second, ClientCPU: cpu})
		if got := s.Metrics[results.ClientBound]; got != want {
			t.Errorf("load generator at %v of 1 s: client-bound %v, want %v", cpu, got, want)
		}
	}
}

func TestSplitCPU(t *testing.T) {
	e0 := edge{user: time.Second, sys: 2 * time.Second}
	m := map[string]float64{results.ServerCPUNsPerRT: 1000}
	splitCPU(m, e0, edge{user: e0.user + 30*time.Millisecond, sys: e0.sys + 10*time.Millisecond})
	if _, ok := m[results.ServerUserNsRT]; ok {
		t.Errorf("a split from 40 ms of CPU: %v", m)
	}
	splitCPU(m, e0, edge{user: e0.user + 20*time.Millisecond, sys: e0.sys + 60*time.Millisecond})
	if m[results.ServerUserNsRT] != 250 || m[results.ServerSysNsRT] != 750 {
		t.Errorf("split of 1000 ns in 20:60 ms: %v", m)
	}
	m = map[string]float64{results.ServerCPUNsPerRT: 1000}
	splitCPU(m, e0, edge{user: e0.user - 100*time.Millisecond, sys: e0.sys + 200*time.Millisecond})
	if _, ok := m[results.ServerSysNsRT]; ok {
		t.Errorf("a split from a clock that went back: %v", m)
	}
}
