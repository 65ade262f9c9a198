package report

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/reactorbench/reactorbench/bench/results"
)

// res builds a result whose i-th sample has metrics[m][i] for every m.
func res(workload, impl string, params map[string]string, metrics map[string][]float64) results.Result {
	r := results.Result{Name: workload + "/impl=" + impl, Workload: workload, Impl: impl, Params: params}
	n := 0
	for _, vs := range metrics {
		n = max(n, len(vs))
	}
	for i := range n {
		s := results.Sample{Metrics: map[string]float64{}}
		for m, vs := range metrics {
			if i < len(vs) {
				s.Metrics[m] = vs[i]
			}
		}
		r.Samples = append(r.Samples, s)
	}
	return r
}

func six(v float64) []float64 { return []float64{v, v, v, v, v, v} }

func figByID(t *testing.T, figs []*Figure, id string) *Figure {
	t.Helper()
	for _, f := range figs {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("no figure %q", id)
	return nil
}

// medians returns each series' (x, median) points.
func medians(f *Figure) map[string][][2]float64 {
	out := map[string][][2]float64{}
	for _, s := range f.Series {
		for _, p := range s.Points {
			out[s.Impl] = append(out[s.Impl], [2]float64{p.X, p.Y.Median})
		}
	}
	return out
}

func dispatchFile() *results.File {
	f := &results.File{Version: 1}
	for _, n := range []string{"1", "1024"} {
		for impl, cost := range map[string]float64{"epoll": 500, "raw-epoll": 400, "select": 600, "raw-select": 500} {
			c := cost
			if strings.HasSuffix(impl, "select") && n == "1024" {
				c *= 40
			}
			for _, a := range []string{"1", "100"} {
				f.Results = append(f.Results, res("dispatch", impl, map[string]string{"fds": n, "active": a},
					map[string][]float64{results.NsPerEvent: six(c)}))
			}
		}
	}
	return f
}

func TestDispatchFigure(t *testing.T) {
	figs := figures(dispatchFile())
	if len(figs) != 2 || figs[0].ID != "dispatch-a1" || figs[1].ID != "dispatch-a100" {
		t.Fatalf("figures = %v, want dispatch-a1 and dispatch-a100", ids(figs))
	}
	f := figs[0]
	if !f.LogX || !f.LogY || !f.Lower || f.Ref != "raw" {
		t.Errorf("dispatch figure: logX %v logY %v lower %v ref %q, want log-log, lower better, raw reference", f.LogX, f.LogY, f.Lower, f.Ref)
	}
	want := map[string][][2]float64{
		"epoll":      {{1, 500}, {1024, 500}},
		"raw-epoll":  {{1, 400}, {1024, 400}},
		"select":     {{1, 600}, {1024, 24000}},
		"raw-select": {{1, 500}, {1024, 20000}},
	}
	if got := medians(f); !reflect.DeepEqual(got, want) {
		t.Errorf("points = %v, want %v", got, want)
	}
	var order []string
	for _, s := range f.Series {
		order = append(order, s.Impl)
	}
	if want := []string{"epoll", "raw-epoll", "select", "raw-select"}; !reflect.DeepEqual(order, want) {
		t.Errorf("series order = %v, want %v", order, want)
	}
	if s, rp, ok := f.refPoint("select", 1024); !ok || s.Impl != "raw-select" || rp.Y.Median != 20000 {
		t.Errorf("select's reference at 1,024 = %v %+v, %v; want its raw floor", s, rp, ok)
	}
	if _, _, ok := f.refPoint("raw-select", 1024); ok {
		t.Error("a raw floor has a raw floor")
	}
	for _, w := range []string{"epoll shows no change its intervals can tell from noise from 1 to 1,024", "select rises 40x", "(1.2x higher than its raw floor at 1,024)", "so it stays flat"} {
		if !strings.Contains(f.Text, w) {
			t.Errorf("text %q lacks %q", f.Text, w)
		}
	}
	if s := styleOf("raw-epoll"); s.Dashes == nil || s.Color != styleOf("epoll").Color {
		t.Error("raw floor is not drawn dashed in its backend's color")
	}
	if styleOf("epoll").Dashes != nil {
		t.Error("a backend is drawn dashed")
	}
}

func ids(figs []*Figure) []string {
	var out []string
	for _, f := range figs {
		out = append(out, f.ID)
	}
	return out
}

func echoFile() *results.File {
	f := &results.File{Version: 1}
	add := func(impl string, conns string, m map[string][]float64) {
		f.Results = append(f.Results, res("echo", impl, map[string]string{"conns": conns, "size": "64"}, m))
	}
	for _, c := range []string{"1", "1000", "10000"} {
		add("epoll", c, map[string][]float64{results.ServerCPUNsPerRT: six(10000), results.RoundTripsPerSec: six(70000),
			results.P99Ns: six(1e6), results.ClientBound: six(1), results.Starved: six(0)})
		add("gonet", c, map[string][]float64{results.ServerCPUNsPerRT: six(13000), results.RoundTripsPerSec: six(65000),
			results.P99Ns: six(0), results.ClientBound: six(0), results.Starved: six(0)})
	}
	add("twisted-select", "10000", map[string][]float64{results.ServerCPUNsPerRT: six(30000), results.RoundTripsPerSec: six(9000),
		results.P99Ns: six(5e7), results.Starved: {8985, 8985, 8985, 8990, 8980, 9000}, results.Dropped: six(0), results.NeverConnected: six(0)})
	return f
}

func TestEchoFigures(t *testing.T) {
	figs := figures(echoFile())
	if got, want := ids(figs), []string{"echo-cpu-64", "echo-rts-64", "echo-p99-64", "fairness-64"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("figures = %v, want %v", got, want)
	}
	cpu := figByID(t, figs, "echo-cpu-64")
	want := map[string][][2]float64{
		"epoll":          {{1, 10000}, {1000, 10000}, {10000, 10000}},
		"gonet":          {{1, 13000}, {1000, 13000}, {10000, 13000}},
		"twisted-select": {{10000, 30000}},
	}
	if got := medians(cpu); !reflect.DeepEqual(got, want) {
		t.Errorf("cpu points = %v, want %v", got, want)
	}
	for _, s := range cpu.Series {
		for _, p := range s.Points {
			if p.ClientBound {
				t.Errorf("server CPU point %s C=%v marked client-bound; CPU per round trip is not distorted by the client", s.Impl, p.X)
			}
		}
	}
	if got := strings.Join(cpu.Notes, " "); !strings.Contains(got, "Twisted select has no result at 1, 1,000") {
		t.Errorf("notes %q do not name the missing points", got)
	}
	rts := figByID(t, figs, "echo-rts-64")
	if p, _ := rts.series("epoll").at(1000); !p.ClientBound {
		t.Error("client-bound epoll round trips/s point not marked")
	}
	if p, _ := rts.series("gonet").at(1000); p.ClientBound {
		t.Error("gonet point marked client-bound")
	}
	// Go net's p99 of zero cannot go on a log axis: left out, with a note.
	p99 := figByID(t, figs, "echo-p99-64")
	if p99.series("gonet") != nil {
		t.Error("zero p99 drawn on a log axis")
	}
	if !strings.Contains(strings.Join(p99.Notes, " "), "3 point(s) with a zero or negative value are left out") {
		t.Errorf("notes %q do not say zeros were left out", p99.Notes)
	}
	clamp := lineFigure(newIndex(&results.File{Results: []results.Result{res("echo", "epoll", map[string]string{"conns": "1", "size": "64"},
		map[string][]float64{results.P99Ns: {0, 5, 5}})}}), lineSpec{workload: "echo", xParam: "conns", metric: results.P99Ns, logX: true, logY: true})
	if !strings.Contains(strings.Join(clamp.Notes, " "), "1 error bar(s) reach zero") {
		t.Errorf("notes %q do not say an error bar was clamped", clamp.Notes)
	}
	hs := headlines(figs)
	var cpuAt []string
	for _, h := range hs {
		if h.FigureID == "echo-cpu-64" {
			cpuAt = append(cpuAt, h.At+" "+h.Winner+" "+h.VsRef)
		}
	}
	if want := []string{"C=1,000 epoll 1.3x lower than Go net", "C=10,000 epoll 1.3x lower than Go net"}; !reflect.DeepEqual(cpuAt, want) {
		t.Errorf("cpu headlines = %q, want %q", cpuAt, want)
	}
}

func TestFairnessFigure(t *testing.T) {
	f := figByID(t, figures(echoFile()), "fairness-64")
	ts := f.series("twisted-select")
	if ts == nil || len(ts.Points) != 1 {
		t.Fatalf("twisted-select fairness series = %+v", ts)
	}
	p := ts.Points[0]
	if p.X != 10000 || p.Y.Median != 8985 || p.Starved != 8985 || p.WorstLost != 9000 {
		t.Errorf("point = %+v, want C=10000, median lost 8985, worst 9000", p)
	}
	for _, w := range []string{"Twisted select served 1,015 and lost 8,985 at C=10,000", "8,985 starved", "worst run lost 9,000"} {
		if !strings.Contains(f.Text, w) {
			t.Errorf("text %q lacks %q", f.Text, w)
		}
	}
	if !f.LogY || f.series("epoll") != nil || f.series("gonet") != nil {
		t.Errorf("fairness: logY %v, lossless series drawn: %v", f.LogY, ids([]*Figure{f}))
	}
	if figs := figures(&results.File{Results: echoFile().Results[:6]}); len(figs) != 3 {
		t.Errorf("figures without any loss = %v, want no fairness figure", ids(figs))
	}
	tb := figureTable(f)
	if len(tb.Rows) != 1 || tb.Rows[0][0].Text != "Twisted select" || tb.Rows[0][2].Text != "1,015" {
		t.Errorf("fairness table rows = %+v, want the one losing point", tb.Rows)
	}
}

func TestBarFigures(t *testing.T) {
	f := &results.File{Version: 1, Results: []results.Result{
		res("idle-memory", "epoll", map[string]string{"conns": "10000"}, map[string][]float64{results.BytesPerConn: six(800)}),
		res("idle-memory", "gonet", map[string]string{"conns": "10000"}, map[string][]float64{results.BytesPerConn: six(8000)}),
		res("callbacks", "epoll", map[string]string{"shape": "create-fire"}, map[string][]float64{results.NsPerOp: six(50)}),
		res("callbacks", "twisted", map[string]string{"shape": "create-fire"}, map[string][]float64{results.NsPerOp: six(2000)}),
		res("timers", "epoll", map[string]string{"shape": "cancel"}, map[string][]float64{results.NsPerOp: six(100)}),
		res("timers", "twisted", map[string]string{"shape": "cancel"}, map[string][]float64{results.NsPerOp: six(1000)}),
		res("cross-thread", "epoll", nil, map[string][]float64{results.NsPerOp: six(0)}),
		res("connect", "epoll", nil, map[string][]float64{results.ConnsPerSec: {20000, 21000, 22000}}),
	}}
	figs := figures(f)
	if got, want := ids(figs), []string{"idle-memory", "connect", "micro"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("figures = %v, want %v", got, want)
	}
	mem := figByID(t, figs, "idle-memory")
	if !reflect.DeepEqual(mem.Categories, []string{"C=10,000"}) || mem.LogY {
		t.Errorf("memory categories %v logY %v", mem.Categories, mem.LogY)
	}
	if got := medians(mem); !reflect.DeepEqual(got, map[string][][2]float64{"epoll": {{0, 800}}, "gonet": {{0, 8000}}}) {
		t.Errorf("memory bars = %v", got)
	}
	micro := figByID(t, figs, "micro")
	if !micro.LogY || micro.Ref != "twisted" {
		t.Errorf("micro: logY %v ref %q, want log y and Twisted as reference", micro.LogY, micro.Ref)
	}
	if want := []string{"callbacks: create-fire", "timers: cancel"}; !reflect.DeepEqual(micro.Categories, want) {
		t.Errorf("micro categories = %v, want %v (zero cross-thread left out of the log axis)", micro.Categories, want)
	}
	if !strings.Contains(strings.Join(micro.Notes, " "), "1 bar(s) with a zero or negative value are left out") {
		t.Errorf("micro notes %q", micro.Notes)
	}
	// 40x and 10x faster: geometric mean 20x.
	if !strings.Contains(micro.Text, "epoll is 20x faster than Twisted (geometric mean over 2 shapes), from 10x faster on timers: cancel to 40x faster on callbacks: create-fire") {
		t.Errorf("micro text = %q", micro.Text)
	}
	conn := figByID(t, figs, "connect")
	if p := conn.Series[0].Points[0]; !p.Y.Range || p.Y.Lo != 20000 || p.Y.Hi != 22000 || p.Y.Median != 21000 {
		t.Errorf("3 runs: summary %+v, want min..max range around the median", p.Y)
	}
	if !strings.Contains(figureTable(conn).Foot[1], "fewer than 6 runs") {
		t.Error("table does not say the interval is a range")
	}
}

func TestSummarize(t *testing.T) {
	s := summarize([]float64{10, 11, 9, 10, 12, 10, 30, 10, 11, 9, 10, 10})
	if s.N != 12 || s.Median != 10 || s.Range || s.Lo > 10 || s.Hi < 10 || s.Hi >= 30 {
		t.Errorf("summary of 12 = %+v, want a 95%% CI of the median", s)
	}
	if r := summarize([]float64{1, 2}); !r.Range || r.Lo != 1 || r.Hi != 2 {
		t.Errorf("summary of 2 = %+v, want the range", r)
	}
	if z := summarize(nil); z.N != 0 {
		t.Errorf("summary of nothing = %+v", z)
	}
	if got := summarize([]float64{100, 100, 100, 100, 100, 100}).PctString(); got != "±0%" {
		t.Errorf("PctString = %q", got)
	}
}

func TestCompareSignificance(t *testing.T) {
	old := []float64{100, 101, 99, 100, 102, 98}
	if c := compare(old, []float64{110, 111, 109, 110, 112, 108}, 0.05); !c.Significant || math.Abs(c.Pct-10) > 0.01 || c.P >= 0.05 {
		t.Errorf("10%% shift: %+v, want significant +10%%", c)
	}
	if c := compare(old, []float64{100, 102, 98, 101, 99, 100}, 0.05); c.Significant {
		t.Errorf("same distribution: %+v, want not significant", c)
	}
	if c := compare([]float64{1, 2}, []float64{3, 4}, 0.05); c.Significant || c.Note == "" {
		t.Errorf("2+2 samples: %+v, want not significant with a note", c)
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		u    unit
		v    float64
		want string
	}{
		{unitNs, 542, "542 ns"}, {unitNs, 9840, "9.84 µs"}, {unitNs, 3.53e8, "353 ms"},
		{unitRate, 70700, "70.7k/s"}, {unitBytes, 826, "826 B"}, {unitBytes, 8400, "8.2 KiB"},
		{unitCount, 8985, "8,985"}, {unitCount, 16384, "16,384"}, {unitCount, 0.5, "0.5"},
	} {
		if got := tc.u.format(tc.v); got != tc.want {
			t.Errorf("format(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	for r, want := range map[float64]string{0.0997: "0.1x", 0.12: "0.12x", 4e-5: "0.00004x", 0.5: "0.5x", 1.2345: "1.23x", 58.7: "58.7x", 0: "0x"} {
		if got := fmtRatio(r); got != want {
			t.Errorf("fmtRatio(%v) = %q, want %q", r, got, want)
		}
	}
}

func TestLogTicks(t *testing.T) {
	labels := func(ts logTicks, lo, hi float64) []string {
		var out []string
		for _, tk := range ts.Ticks(lo, hi) {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	if got := labels(logTicks{unitCount}, 1, 16384); !reflect.DeepEqual(got, []string{"1", "10", "100", "1,000", "10,000"}) {
		t.Errorf("wide range labels = %v", got)
	}
	if got := labels(logTicks{unitNs}, 300, 1000); len(got) < 3 {
		t.Errorf("narrow range labels = %v, want at least 3", got)
	}
	if got := labels(logTicks{unitNs}, 0, 1000); len(got) == 0 {
		t.Error("a zero minimum gave no ticks")
	}
}

func TestOpenLoopBehind(t *testing.T) {
	f := &results.File{Version: 1, Results: []results.Result{
		res("echo-open", "epoll", map[string]string{"conns": "100", "rate": "1000"}, map[string][]float64{results.P99Ns: six(1e5)}),
		res("echo-open", "epoll", map[string]string{"conns": "100", "rate": "90000"}, map[string][]float64{results.P99Ns: six(1e8), behind: six(1)}),
	}}
	fig := figByID(t, figures(f), "echo-open-p99")
	if fig.XLabel != "offered load (requests per second)" {
		t.Errorf("x label %q, want the offered rate", fig.XLabel)
	}
	if fig.Bars {
		t.Error("a two-step ladder drawn as bars")
	}
	pts := fig.Series[0].Points
	if len(pts) != 2 || pts[0].Behind || !pts[1].Behind {
		t.Errorf("points %+v, want the 90k/s point marked behind", pts)
	}
	tb := figureTable(fig)
	if !strings.HasSuffix(tb.Rows[1][1].Text, "§") || !strings.Contains(strings.Join(tb.Foot, " "), "offered rate was not reached") {
		t.Errorf("table does not mark the point that fell behind: %+v %v", tb.Rows, tb.Foot)
	}
}

func TestOnePointLadderAsBars(t *testing.T) {
	f := &results.File{Version: 1, Results: []results.Result{
		res("echo-open", "epoll", map[string]string{"rate": "2000"}, map[string][]float64{results.P99Ns: six(1e5)}),
		res("echo-open", "gonet", map[string]string{"rate": "2000"}, map[string][]float64{results.P99Ns: six(2e5)}),
	}}
	fig := figByID(t, figures(f), "echo-open-p99")
	if !fig.Bars || !reflect.DeepEqual(fig.Categories, []string{"2k/s offered"}) {
		t.Fatalf("bars %v categories %q, want one bar group at 2k/s offered", fig.Bars, fig.Categories)
	}
	if got := medians(fig); !reflect.DeepEqual(got, map[string][][2]float64{"epoll": {{0, 1e5}}, "gonet": {{0, 2e5}}}) {
		t.Errorf("bars = %v", got)
	}
	if hs := headlines([]*Figure{fig}); len(hs) != 1 || hs[0].Winner != "epoll" || hs[0].At != "2k/s offered" {
		t.Errorf("headlines = %+v", hs)
	}
}

func TestLatencyFigure(t *testing.T) {
	hist := func(counts ...int64) *results.Histogram {
		h := &results.Histogram{}
		for i, n := range counts {
			h.Buckets = append(h.Buckets, results.Bucket{UpperNs: int64(1000 << i), Count: n})
			h.Count += n
		}
		return h
	}
	r := func(impl, conns string, h *results.Histogram) results.Result {
		return results.Result{Name: impl + conns, Workload: "echo", Impl: impl, Params: map[string]string{"conns": conns, "size": "64"},
			Samples: []results.Sample{{Metrics: map[string]float64{}, Latency: h}, {Metrics: map[string]float64{}, Latency: h}}}
	}
	f := &results.File{Version: 1, Results: []results.Result{
		r("epoll", "1000", hist(500, 490, 9, 1)),
		r("gonet", "1000", hist(100, 800, 90, 10)),
		r("epoll", "5000", hist(1)), // C=1000 is drawn when present
	}}
	fig := figByID(t, figures(f), "latency-64")
	if !strings.Contains(fig.Title, "C=1,000") {
		t.Errorf("title %q, want C=1,000", fig.Title)
	}
	// Two runs of 1000 merged: slower than 1 µs 50%, than 2 µs 1%, than 4 µs 0.1%.
	want := map[string][][2]float64{
		"epoll": {{1000, 50}, {2000, 1}, {4000, 0.1}},
		"gonet": {{1000, 90}, {2000, 10}, {4000, 1}},
	}
	if got := medians(fig); !reflect.DeepEqual(got, want) {
		t.Errorf("points = %v, want %v", got, want)
	}
	// p50, p90, p99, p99.9, max.
	if got := fig.Latency["epoll"]; !reflect.DeepEqual(got, []float64{1000, 2000, 2000, 4000, 8000}) {
		t.Errorf("epoll quantiles = %v", got)
	}
	if got := fig.Latency["gonet"]; !reflect.DeepEqual(got, []float64{2000, 2000, 4000, 8000, 8000}) {
		t.Errorf("gonet quantiles = %v", got)
	}
	if tb := figureTable(fig); tb.Rows[2][0].Text != "p99" || tb.Rows[2][1].Text != "2 µs" || tb.Rows[2][1].Sub != "2x lower" {
		t.Errorf("p99 row = %+v", tb.Rows[2])
	}
}

func TestRankLossLast(t *testing.T) {
	f := &Figure{Lower: true, Series: []Series{
		{Impl: "twisted-select", Points: []Point{{X: 1, Y: Summary{N: 6, Median: 1}, Lost: 8985}}},
		{Impl: "epoll", Points: []Point{{X: 1, Y: Summary{N: 6, Median: 10}}}},
	}}
	r := f.rank(1)
	if len(r) != 2 || r[0].Impl != "epoll" {
		t.Errorf("rank = %+v, want epoll first: the faster point lost connections", r)
	}
	if m := mark(r[1].P); m != " ‡" {
		t.Errorf("mark of a lossy point = %q", m)
	}
}

func TestFairnessWorstRunOnly(t *testing.T) {
	f := &results.File{Results: []results.Result{
		res("echo", "node", map[string]string{"conns": "1000", "size": "64"}, map[string][]float64{results.Starved: {0, 0, 0, 0, 0, 221}}),
	}}
	fig := figByID(t, figures(f), "fairness-64")
	if fig.LogY || len(fig.Series) != 1 || len(fig.Lossy) != 1 {
		t.Fatalf("logY %v, %d series, %d lossy; want the zero median drawn on a linear axis", fig.LogY, len(fig.Series), len(fig.Lossy))
	}
	want := "Node.js served all 1,000 connections at C=1,000 in the median of 6 runs (64 B messages), but its worst run lost 221."
	if ls := losses([]*Figure{fig}); len(ls) != 1 || ls[0] != want {
		t.Errorf("losses = %q, want %q", ls, want)
	}
}
