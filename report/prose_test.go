package report

import (
	"strings"
	"testing"

	"github.com/reactorbench/reactorbench/bench/results"
)

// dispatchLadder is a dispatch file of epoll and its raw floor at two N.
func dispatchLadder(epoll, raw [2][]float64) *results.File {
	f := &results.File{Version: 1}
	for i, n := range []string{"1", "16384"} {
		f.Results = append(f.Results,
			res("dispatch", "epoll", map[string]string{"fds": n, "active": "100"}, map[string][]float64{results.NsPerEvent: epoll[i]}),
			res("dispatch", "raw-epoll", map[string]string{"fds": n, "active": "100"}, map[string][]float64{results.NsPerEvent: raw[i]}))
	}
	return f
}

func spreadAround(v float64) []float64 {
	return []float64{v * 0.99, v, v * 1.01, v * 0.995, v * 1.005, v}
}

// The floor fell from 5.59 to 3.65 µs while epoll grew: the growth is
// not the floor's, whatever the ratio at the last point.
func TestDispatchProseFollowsBothEnds(t *testing.T) {
	f := figByID(t, figures(dispatchLadder(
		[2][]float64{spreadAround(3000), spreadAround(4500)},
		[2][]float64{spreadAround(5590), spreadAround(3650)})), "dispatch-a100")
	if strings.Contains(f.Text, "shows in its raw floor too") {
		t.Errorf("text blames the raw floor, which fell: %q", f.Text)
	}
	if !strings.Contains(f.Text, "yet it rises 1.5x here while its raw floor goes from 5.59 µs to 3.65 µs") {
		t.Errorf("text %q does not say the reactor's cost grew while the floor fell", f.Text)
	}
	// Both grow alike: the kernel's cost.
	f = figByID(t, figures(dispatchLadder(
		[2][]float64{spreadAround(3000), spreadAround(6000)},
		[2][]float64{spreadAround(2800), spreadAround(5500)})), "dispatch-a100")
	if !strings.Contains(f.Text, "shows in its raw floor too") {
		t.Errorf("text %q does not credit the floor's own growth", f.Text)
	}
	// Overlapping ends: no growth is claimed.
	f = figByID(t, figures(dispatchLadder(
		[2][]float64{{3000, 3600, 2900, 3500, 3100, 3300}, {3400, 3000, 3700, 3100, 3300, 3200}},
		[2][]float64{spreadAround(2800), spreadAround(2900)})), "dispatch-a100")
	if strings.Contains(f.Text, "epoll rises") || !strings.Contains(f.Text, "epoll shows no change its intervals can tell from noise") ||
		!strings.Contains(f.Text, "so it stays flat") {
		t.Errorf("text claims a change the intervals do not support: %q", f.Text)
	}
	// The summary's reference cell holds the floor ratio.
	hs := headlines([]*Figure{f})
	if len(hs) != 1 || !strings.Contains(hs[0].VsRef, "than epoll (raw floor)") {
		t.Errorf("dispatch headlines %+v lack the ratio to the raw floor", hs)
	}
}

func TestWhoWinsNeedsSeparatedIntervals(t *testing.T) {
	mk := func(a, b []float64) *Figure {
		f := &results.File{Version: 1, Results: []results.Result{
			res("idle-memory", "epoll", map[string]string{"conns": "1000"}, map[string][]float64{results.BytesPerConn: a}),
			res("idle-memory", "gonet", map[string]string{"conns": "1000"}, map[string][]float64{results.BytesPerConn: b}),
		}}
		return figByID(t, figures(f), "idle-memory")
	}
	// Overlapping intervals: a tie, and no "best" in the prose.
	f := mk([]float64{800, 900, 1000, 850, 950, 870}, []float64{820, 990, 880, 940, 1010, 860})
	hs := headlines([]*Figure{f})
	if len(hs) != 1 || !hs[0].Tie || !strings.Contains(hs[0].VsRef, "too close to call") {
		t.Errorf("overlapping intervals: headline %+v, want a tie", hs)
	}
	if strings.Contains(f.Text, "is best") || !strings.Contains(f.Text, "too close to call") {
		t.Errorf("text %q names a winner the intervals do not support", f.Text)
	}
	// Two runs each: ranges that happen to separate are not evidence.
	f = mk([]float64{800, 810}, []float64{900, 910})
	hs = headlines([]*Figure{f})
	if !hs[0].Tie || !hs[0].Few {
		t.Errorf("2+2 runs: headline %+v, want too close to call with few runs", hs[0])
	}
	if l := lead(hs); !strings.HasPrefix(l, "None of the 1 comparisons below has a clear winner; 1 too close to call") {
		t.Errorf("lead %q", l)
	}
	// Ranges apart, but 2 and 2 runs: no test can tell, and the page says
	// so instead of calling them close.
	if !hs[0].TooFew || !strings.Contains(hs[0].VsRef, "too few runs to call (2 and 2; their ranges do not overlap) against Go net") ||
		!strings.Contains(f.Text, "too few runs to call (2 and 2") {
		t.Errorf("2+2 runs apart: headline %+v, text %q; want too few runs to call", hs[0], f.Text)
	}
	if l := lead(hs); !strings.Contains(l, "or, in 1, their ranges do not but the runs are too few for any test to tell") {
		t.Errorf("lead %q does not say the tie is for want of runs", l)
	}
	// Four runs each, ranges apart: the test can tell, and a winner is named.
	f = mk([]float64{800, 810, 805, 815}, []float64{900, 910, 905, 915})
	if hs = headlines([]*Figure{f}); hs[0].Tie || hs[0].TooFew || hs[0].Winner != "epoll" {
		t.Errorf("4+4 runs apart: headline %+v, want epoll named", hs[0])
	}
	// Separated: a winner, and the ratio reads one way.
	f = mk(six(200), six(8000))
	hs = headlines([]*Figure{f})
	if hs[0].Tie || hs[0].Winner != "epoll" || hs[0].VsRef != "40x lower than Go net" || hs[0].Next != "Go net 7.81 KiB (40x higher)" {
		t.Errorf("separated: headline %+v", hs[0])
	}
	if !strings.Contains(f.Text, "epoll is best with 200 B, then Go net 7.81 KiB (40x higher)") {
		t.Errorf("text %q", f.Text)
	}
	if tb := figureTable(f); !strings.Contains(tb.Rows[0][1].Sub, "40x lower") || strings.Contains(tb.Rows[0][1].Sub, "0.025x") {
		t.Errorf("table cell %+v does not read the ratio one way", tb.Rows[0][1])
	}
}

// A peer that lost connections ranks after those that lost none: where
// its own figure would put it ahead, the prose says why it is last.
func TestLastForLostConnections(t *testing.T) {
	f := echoFile()
	for i := range f.Results {
		if f.Results[i].Impl == "twisted-select" {
			for _, s := range f.Results[i].Samples {
				s.Metrics[results.ServerCPUNsPerRT] = 9000
			}
		}
	}
	cpu := figByID(t, figures(f), "echo-cpu-64")
	if !strings.Contains(cpu.Text, "last, for the connections it lost, Twisted select 9 µs") {
		t.Errorf("text %q does not say why the cheaper Twisted select is last", cpu.Text)
	}
	// Behind another that lost connections too, it is still ahead of a
	// lossless one: the prose still says why.
	f.Results = append(f.Results, res("echo", "node", map[string]string{"conns": "10000", "size": "64"}, map[string][]float64{
		results.ServerCPUNsPerRT: six(8000), results.Starved: six(5)}))
	if cpu = figByID(t, figures(f), "echo-cpu-64"); !strings.Contains(cpu.Text, "last, for the connections it lost, Twisted select 9 µs") {
		t.Errorf("text %q does not say why Twisted select, behind Node.js, is last", cpu.Text)
	}
	if cpu = figByID(t, figures(echoFile()), "echo-cpu-64"); strings.Contains(cpu.Text, "for the connections it lost") {
		t.Errorf("text %q blames losses for a rank its cost earns anyway", cpu.Text)
	}
}

func TestSpreadFlagged(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want string
	}{
		{[]float64{100, 101, 99, 100, 5000, 100}, "outlier"},
		{[]float64{100, 101, 99, 300, 302, 301}, "bimodal"},
		{[]float64{13e3, 8.4e6, 13.1e3}, "outlier"},
		{[]float64{100, 101, 99, 100, 102, 98}, ""},
		{six(5), ""},
		{[]float64{1, 2}, ""},
	} {
		if got := summarize(tc.xs).Spread; got != tc.want {
			t.Errorf("spread(%v) = %q, want %q", tc.xs, got, tc.want)
		}
	}
	f := &results.File{Version: 1, Results: []results.Result{
		res("idle-memory", "epoll", map[string]string{"conns": "1000"}, map[string][]float64{results.BytesPerConn: {100, 101, 99, 100, 5000, 100}}),
	}}
	tb := figureTable(figByID(t, figures(f), "idle-memory"))
	if !strings.HasSuffix(tb.Rows[0][1].Text, "¶") || !strings.Contains(strings.Join(tb.Foot, " "), "runs disagree") {
		t.Errorf("an outlier sample is not flagged: %+v %v", tb.Rows[0][1], tb.Foot)
	}
}

// Twisted's cross-thread shape once swung 600x between identical runs;
// three runs with a start-up outlier must not become a "77296x faster".
func TestMicroSpeedupOnlyWhereSeparated(t *testing.T) {
	f := &results.File{Version: 1, Results: []results.Result{
		res("cross-thread", "epoll", map[string]string{"goroutines": "4"}, map[string][]float64{results.NsPerOp: {108, 110, 109}}),
		res("cross-thread", "twisted", map[string]string{"goroutines": "4"}, map[string][]float64{results.NsPerOp: {8.4e6, 13e3, 13.1e3}}),
		res("callbacks", "epoll", map[string]string{"shape": "create-fire"}, map[string][]float64{results.NsPerOp: six(100)}),
		res("callbacks", "twisted", map[string]string{"shape": "create-fire"}, map[string][]float64{results.NsPerOp: six(4000)}),
	}}
	micro := figByID(t, figures(f), "micro")
	if strings.Contains(micro.Text, "77") || !strings.Contains(micro.Text, "epoll is 40x faster than Twisted (geometric mean over 1 shapes)") ||
		!strings.Contains(micro.Text, "1 more shape(s) too close to call") {
		t.Errorf("micro text %q prints a ratio the runs do not support", micro.Text)
	}
}
