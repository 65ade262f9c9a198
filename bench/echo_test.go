package bench

import (
	"context"
	"testing"

	"github.com/reactorbench/reactorbench/bench/results"
)

// runWorkload runs the named workload under o and returns what it emitted,
// the notes and the skips.
func runWorkload(t *testing.T, name string, o Options) (*results.File, []results.Result) {
	t.Helper()
	ws, err := ParseWorkloads(name)
	if err != nil {
		t.Fatal(err)
	}
	f, err := RunSuite(context.Background(), o, ws)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range f.Skipped {
		if s.What == "workload "+name {
			t.Fatalf("workload failed: %+v", s)
		}
	}
	return f, f.Results
}

func TestEchoGoNet(t *testing.T) {
	f, rs := runWorkload(t, "echo", Options{Peers: []string{"gonet"}, Quick: true, Repeats: 2})
	if len(rs) != len(planEcho(&Options{Quick: true}).points()) {
		t.Fatalf("got %d results: %+v (notes %q)", len(rs), rs, f.Notes)
	}
	for _, r := range rs {
		if r.Workload != "echo" || r.Impl != "gonet" || len(r.Samples) != 2 {
			t.Fatalf("%+v", r)
		}
		for _, s := range r.Samples {
			m := s.Metrics
			for _, k := range []string{results.RoundTripsPerSec, results.ServerCPUNsPerRT, results.P99Ns, results.ServerPeakRSS, results.ClientCPUPercent} {
				if m[k] <= 0 {
					t.Errorf("%s: %s = %v", r.Name, k, m[k])
				}
			}
			if m[results.Starved]+m[results.Dropped]+m[results.NeverConnected] != 0 || s.Latency == nil {
				t.Errorf("%s: %v", r.Name, m)
			}
		}
	}
}
