package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/bench/results"
)

// A sample that cannot start clean (here the kernel reports TCP memory
// pressure throughout, through the hook) is measured but marked invalid
// with the reason, and the run's notes say it is kept out of medians and
// rankings.
func TestSuiteMarksSampleUnderPressure(t *testing.T) {
	oldRead, oldWait := readNetState, cleanWait
	defer func() { readNetState, cleanWait = oldRead, oldWait }()
	reads := 0
	readNetState = func() (netState, error) {
		reads++
		return netState{MemPages: 400000, MemMin: 287892, Pressure: true}, nil
	}
	cleanWait = 300 * time.Millisecond
	ws, err := ParseWorkloads("echo")
	if err != nil {
		t.Fatal(err)
	}
	f, err := RunSuite(context.Background(), Options{Reactors: []string{"epoll"}, Peers: []string{}, Quick: true, Repeats: 1}, ws)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Results) == 0 {
		t.Fatalf("no results; skipped %+v", f.Skipped)
	}
	for _, r := range f.Results {
		for _, s := range r.Samples {
			if !strings.Contains(s.Invalid, "TCP memory pressure") {
				t.Errorf("%s: sample not marked invalid for pressure: %q", r.Name, s.Invalid)
			}
			if s.Metrics[results.TCPPressure] != 1 || s.Metrics[results.TCPMemBefore] != 400000 {
				t.Errorf("%s: pressure metrics %v", r.Name, s.Metrics)
			}
		}
	}
	if reads == 0 {
		t.Error("the suite never read the TCP state")
	}
	if !strings.Contains(strings.Join(f.Notes, "\n"), "kept out of medians and rankings") {
		t.Errorf("no note says the samples were set aside: %q", f.Notes)
	}
}

// The suite flags a sample whose cost sits far from its siblings', and
// leaves the others and the invalid ones alone.
func TestFlagOutliers(t *testing.T) {
	ss := []results.Sample{
		{Metrics: map[string]float64{results.ServerCPUNsPerRT: 9000, results.SyscallsPerEvent: 1.9}},
		{Metrics: map[string]float64{results.ServerCPUNsPerRT: 9500, results.SyscallsPerEvent: 2.0}},
		{Metrics: map[string]float64{results.ServerCPUNsPerRT: 31000, results.SyscallsPerEvent: 5.6}},
		{Metrics: map[string]float64{results.ServerCPUNsPerRT: 90000}, Invalid: "dirty"},
	}
	flagOutliers(ss)
	if ss[0].Outlier != "" || ss[1].Outlier != "" || ss[3].Outlier != "" {
		t.Errorf("flagged the wrong samples: %q, %q, %q", ss[0].Outlier, ss[1].Outlier, ss[3].Outlier)
	}
	if !strings.Contains(ss[2].Outlier, "server CPU per round trip") || !strings.Contains(ss[2].Outlier, "system calls per event") {
		t.Errorf("outlier reason %q", ss[2].Outlier)
	}
}

func TestNetStateDirty(t *testing.T) {
	for _, tc := range []struct {
		s    netState
		want string
	}{
		{netState{MemMin: 100, MemPages: 10}, ""},
		{netState{MemMin: 100, MemPages: 10, Orphans: maxOrphans}, ""},
		{netState{MemMin: 100, MemPages: 10, Orphans: maxOrphans + 1}, "orphaned"},
		{netState{MemMin: 100, MemPages: 100}, "past net.ipv4.tcp_mem"},
		{netState{Pressure: true}, "pressure"},
	} {
		if got := tc.s.dirty(); (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%+v: %q, want %q", tc.s, got, tc.want)
		}
	}
	if _, err := procNetState(); err != nil {
		t.Logf("no TCP state here: %v", err)
	}
}
