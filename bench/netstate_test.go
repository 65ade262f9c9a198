package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/bench/loadgen"
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

// A sample in which the load generator left answered echoes unread, or
// that started dirty, or ended under pressure, is invalid, with a reason
// that says whose it was.
func TestInvalidReason(t *testing.T) {
	clean := edge{}
	if why := invalidReason(clean, clean, &loadgen.Result{ProcCPU: make([]time.Duration, 1)}, 95, 1); why != "" {
		t.Errorf("a clean sample is invalid: %q", why)
	}
	for _, tc := range []struct {
		e0, e1 edge
		r      loadgen.Result
		want   string
	}{
		{clean, clean, loadgen.Result{StarvedByClient: 3, ProcCPU: make([]time.Duration, 2)}, "the load generator (95% of its core, 2 process(es)) never read the echo of 3 connection(s)"},
		{edge{dirty: "12 orphaned TCP sockets"}, clean, loadgen.Result{}, "started from a dirty state: 12 orphaned"},
		{clean, edge{net: netState{Pressure: true}}, loadgen.Result{}, "TCP memory pressure at the window's end"},
	} {
		if why := invalidReason(tc.e0, tc.e1, &tc.r, 95, 1); !strings.Contains(why, tc.want) {
			t.Errorf("reason %q, want %q", why, tc.want)
		}
	}
}

// A window that completed nothing is the machine's only when the load
// generator's CPU was busy with other work before it; on a free CPU it is
// the server's, a valid sample whose connections starved.
func TestNothingCompletedOnABusyMachineIsInvalid(t *testing.T) {
	r := &loadgen.Result{ProcCPU: make([]time.Duration, 1)}
	busy := edge{net: netState{LoadCPUBusy: 100}}
	if why := invalidReason(busy, edge{}, r, 0.3, 0); !strings.Contains(why, "nothing completed in the window") {
		t.Errorf("busy machine, nothing completed: %q", why)
	}
	if why := invalidReason(edge{net: netState{LoadCPUBusy: 3}}, edge{}, r, 0.3, 0); why != "" {
		t.Errorf("free machine, nothing completed: the server's, yet invalid: %q", why)
	}
	if why := invalidReason(busy, edge{}, r, 0.3, 10); why != "" {
		t.Errorf("busy machine, round trips completed: %q", why)
	}
}

func TestLateEdges(t *testing.T) {
	w := 300 * time.Millisecond
	if why := lateEdges(320*time.Millisecond, w); why != "" {
		t.Errorf("edges 20 ms late flagged: %q", why)
	}
	if why := lateEdges(900*time.Millisecond, w); !strings.Contains(why, "900ms apart") {
		t.Errorf("edges 600 ms late: %q", why)
	}
}

func TestLargestCOnly(t *testing.T) {
	p := planEcho(&Options{LargestC: true, Repeats: 6})
	if len(p.ladder) != 1 || p.ladder[0] != maxConns() {
		t.Errorf("ladder %v, want the largest C (%d) alone", p.ladder, maxConns())
	}
}
