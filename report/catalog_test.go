package report

import (
	"slices"
	"testing"

	"github.com/reactorbench/reactorbench/bench/results"
)

// Every figure comes from one catalog entry, which says alone how it is
// built, explained, tabled and summarized; IDs are unique safe names.
func TestCatalog(t *testing.T) {
	for i, e := range catalog {
		if e.build == nil || e.prose == nil {
			t.Errorf("catalog entry %d lacks a builder or prose", i)
		}
	}
	for _, w := range []string{"dispatch", "echo", "echo-open", "connect", "idle-memory", "callbacks", "timers", "cross-thread", "wakeup"} {
		if !slices.Contains(expectedWorkloads(), w) {
			t.Errorf("no catalog entry claims workload %s", w)
		}
	}
	seen := map[string]bool{}
	for _, f := range figures(mustLoad(t, "testdata/full")) {
		if f.entry == nil || f.Text == "" {
			t.Errorf("figure %s has no catalog entry or no prose", f.ID)
		}
		if seen[f.ID] || !figureID.MatchString(f.ID) {
			t.Errorf("figure ID %q is repeated or not a safe file name", f.ID)
		}
		seen[f.ID] = true
	}
}

// A figure's unit, label and direction come from the metric table.
func TestFigureAxesFromMetricTable(t *testing.T) {
	f := &results.File{Version: 1, Results: []results.Result{
		res("echo", "epoll", map[string]string{"conns": "10", "size": "64"}, map[string][]float64{results.RoundTripsPerSec: six(1000), results.ServerCPUNsPerRT: six(5000)}),
		res("echo", "epoll", map[string]string{"conns": "100", "size": "64"}, map[string][]float64{results.RoundTripsPerSec: six(2000), results.ServerCPUNsPerRT: six(6000)}),
	}}
	figs := figures(f)
	rts, cpu := figByID(t, figs, "echo-rts-64"), figByID(t, figs, "echo-cpu-64")
	if rts.Lower || rts.YUnit != unitRate || rts.YLabel != results.MetricOf(results.RoundTripsPerSec).Label {
		t.Errorf("round trips: lower %v unit %v label %q", rts.Lower, rts.YUnit, rts.YLabel)
	}
	if !cpu.Lower || cpu.YUnit != unitNs {
		t.Errorf("server CPU: lower %v unit %v", cpu.Lower, cpu.YUnit)
	}
}
