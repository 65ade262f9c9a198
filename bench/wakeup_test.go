package bench

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/reactorbench/reactorbench/bench/results"
)

// The wakeup workload emits the floor and every backend idle and busy,
// each sample with a median and a p99 wake-up, the p99 no lower.
func TestWakeupWorkload(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("the wakeup workload needs two CPUs")
	}
	backends := runnableReactors()
	o := &Options{Reactors: backends, Quick: true, Repeats: 2}
	var got []results.Result
	if err := runWakeup(context.Background(), o, func(r results.Result) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	if want := len(wakeupPoints(backends)); len(got) != want || want != 2*len(backends)+btoi(rawWakeFloor != nil) {
		t.Fatalf("%d results, want %d", len(got), want)
	}
	for _, r := range got {
		if r.Workload != "wakeup" || r.Name != wakeupName(r.Impl, r.Params["state"]) || len(r.Samples) != 2 {
			t.Errorf("result %q: workload %q, params %v, %d samples", r.Name, r.Workload, r.Params, len(r.Samples))
		}
		for _, s := range r.Samples {
			p50, p99 := s.Metrics[results.WakeNs], s.Metrics[results.WakeP99Ns]
			if p50 <= 0 || p99 < p50 {
				t.Errorf("%s: wake-ns %v, wake-p99-ns %v", r.Name, p50, p99)
			}
		}
	}
}

// A wake-up that fails fails its sample, with the target stopped.
func TestWakeupFailure(t *testing.T) {
	stopped := false
	failing := func() (wake, stop func() error, err error) {
		return func() error { return errors.New("no answer") }, func() error { stopped = true; return nil }, nil
	}
	if _, err := measureWakeups(failing, 10); err == nil || !strings.Contains(err.Error(), "no answer") || !stopped {
		t.Errorf("measureWakeups = %v, stopped %v; want the wake-up's error and a stopped target", err, stopped)
	}
}

// With one CPU the workload records why it did not run.
func TestWakeupNeedsTwoCPUs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var skipped []string
	o := &Options{Reactors: runnableReactors(), Skip: func(what, reason, _ string) { skipped = append(skipped, what+": "+reason) }}
	if err := runWakeup(context.Background(), o, func(results.Result) { t.Error("a result with one CPU") }); err != nil {
		t.Fatal(err)
	}
	if len(skipped) != 1 || !strings.Contains(skipped[0], "two CPUs") {
		t.Errorf("skips %v, want one saying it needs two CPUs", skipped)
	}
}
