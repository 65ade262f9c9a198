package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/reactorbench/reactorbench/bench/results"
)

// Figure is everything one plot draws and the table under it shows. It is
// computed from the results alone (see figures), so its data is tested
// without drawing.
type Figure struct {
	ID     string // file name stem and HTML id
	Title  string
	Short  string // the title in the summary table
	XLabel string
	YLabel string
	XUnit  unit
	YUnit  unit
	LogX   bool
	LogY   bool
	// Bars draws grouped bars, one group per category and one bar per
	// series; a point's X is then its category's index.
	Bars       bool
	Categories []string
	Series     []Series
	// Lower says smaller values are better (costs); otherwise larger are.
	Lower bool
	// Ref names the reference implementation of the ratio column; "raw"
	// means each backend's own raw floor.
	Ref   string
	Notes []string // omitted points, missing data
	Text  string   // why the curves look as they do, from the data
	// XRange, when set, is the x axis' extent, for a figure that draws
	// only some of the points its reader compares against the others.
	XRange [2]float64
	// Lossy lists, for a fairness figure, every point where any run lost
	// a connection, including those whose median run lost none.
	Lossy []ranked
	// Latency holds, for a latency distribution figure, each
	// implementation's quantiles (see quantiles) from its histogram.
	Latency map[string][]float64
	// KeyX, when not zero, is a comparison point the summary and prose
	// look at besides the largest x (C=1000 for echo).
	KeyX float64
	// Syscalls holds, for the system call figure, each C's calls by name.
	Syscalls map[float64]syscallMix
	// Size is the message size a per-size figure is for.
	Size string
	// LoopConns holds, for the loop balance figure, the connections of
	// each server's least and most loaded loop.
	LoopConns []loopConns
	entry     *figureEntry // the catalog entry that built the figure
	// base is the figure a ratio figure was computed from, whose
	// intervals decide what its prose may claim.
	base *Figure
}

// Series is one implementation's line or bars.
type Series struct {
	Impl   string
	Points []Point
}

// Point is one x value's summary over the repeats.
type Point struct {
	X           float64
	Y           Summary
	ClientBound bool // the load generator passed results.ClientBoundPercent of its core
	// Behind marks an open-loop point where the server (or the client)
	// did not keep up with the offered rate in most runs.
	Behind bool
	// Lost is the median number of connections the server did not
	// serve in this point's runs (echo only).
	Lost float64
	// Flagged counts the point's samples whose costs sit far from their
	// siblings' (the suite's outlier flag).
	Flagged int
	// Lost, for the fairness figure, breaks the connections down.
	Starved, Dropped, NeverConnected, WorstLost float64
}

// index groups a file's results by workload. Results of a server on
// more than one loop go under multiLoop(workload), so that every figure
// but the scaling ones compares servers on one loop.
type index map[string][]*results.Result

func newIndex(f *results.File) index {
	ix := index{}
	for i := range f.Results {
		r := &f.Results[i]
		key := r.Workload
		if loops, ok := r.Params[loopsParam]; ok && loops != "1" {
			key = multiLoop(key)
		}
		ix[key] = append(ix[key], r)
	}
	return ix
}

// paramFloat returns r's numeric parameter key.
func paramFloat(r *results.Result, key string) (float64, bool) {
	v, ok := r.Params[key]
	if !ok {
		return 0, false
	}
	x, err := strconv.ParseFloat(v, 64)
	return x, err == nil
}

// values returns the metric from every sample that has it.
func values(r *results.Result, metric string) []float64 {
	var xs []float64
	for _, s := range r.Samples {
		if v, ok := s.Metrics[metric]; ok && !math.IsNaN(v) {
			xs = append(xs, v)
		}
	}
	return xs
}

// clientBound reports whether most samples had the load generator past
// results.ClientBoundPercent of its core.
func clientBound(r *results.Result) bool {
	n, bound := 0, 0
	for _, s := range r.Samples {
		v, ok := s.Metrics[results.ClientBound]
		if !ok {
			v, ok = s.Metrics[results.ClientCPUPercent]
			v = b2f(ok && v > results.ClientBoundPercent)
		}
		if ok {
			n++
			if v >= 1 {
				bound++
			}
		}
	}
	return n > 0 && 2*bound > n
}

// flaggedSamples counts r's samples the suite flagged as outliers.
func flaggedSamples(r *results.Result) int {
	n := 0
	for _, s := range r.Samples {
		if s.Outlier != "" {
			n++
		}
	}
	return n
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// behind is the metric the suite sets to 1 on an open-loop sample that
// fell short of the offered rate.
const behind = "behind"

// lostConns returns, per sample, the connections that starved, were
// dropped or never connected.
func lostConns(r *results.Result) []float64 {
	var out []float64
	for _, s := range r.Samples {
		st, sok := s.Metrics[results.Starved]
		dr, dok := s.Metrics[results.Dropped]
		nc, nok := s.Metrics[results.NeverConnected]
		if sok || dok || nok {
			out = append(out, st+dr+nc)
		}
	}
	return out
}

// lineSpec describes a line figure: metric against a numeric parameter.
// The y axis's unit, its label (unless ylabel is set) and which way is
// better come from the metric table.
type lineSpec struct {
	id, title, short, xlabel, ylabel string
	workload, xParam, metric         string
	filter                           map[string]string
	xUnit                            unit
	logX, logY                       bool
	ref                              string
	keyX                             float64 // see Figure.KeyX
	// markBound marks client-bound points: on figures whose metric the
	// load generator's limit distorts (throughput, latency), not on
	// server CPU per round trip, which it does not.
	markBound bool
}

// metricAxis is a metric's axis label, unit and direction.
func metricAxis(metric, label string) (string, unit, bool) {
	m := results.MetricOf(metric)
	if label == "" {
		label = m.Label
	}
	return label, unitOf(metric), m.Better == results.LowerBetter
}

// lineFigure builds a line figure from ix; nil when no result matches.
func lineFigure(ix index, sp lineSpec) *Figure {
	ylabel, yUnit, lower := metricAxis(sp.metric, sp.ylabel)
	fig := &Figure{ID: sp.id, Title: sp.title, Short: sp.short, XLabel: sp.xlabel, YLabel: ylabel,
		XUnit: sp.xUnit, YUnit: yUnit, LogX: sp.logX, LogY: sp.logY, Lower: lower, Ref: sp.ref, KeyX: sp.keyX, Size: sp.filter["size"]}
	byImpl := map[string][]Point{}
	omitted, clamped := 0, 0
	for _, r := range ix[sp.workload] {
		if !matches(r, sp.filter) {
			continue
		}
		x, ok := paramFloat(r, sp.xParam)
		vs := values(r, sp.metric)
		if !ok || len(vs) == 0 {
			continue
		}
		p := Point{X: x, Y: summarize(vs), ClientBound: sp.markBound && clientBound(r), Lost: summarize(lostConns(r)).Median,
			Behind: summarize(values(r, behind)).Median >= 1, Flagged: flaggedSamples(r)}
		if (sp.logX && x <= 0) || (sp.logY && p.Y.Median <= 0) {
			omitted++
			continue
		}
		if sp.logY && p.Y.Lo <= 0 {
			clamped++
		}
		byImpl[r.Impl] = append(byImpl[r.Impl], p)
	}
	if len(byImpl) == 0 {
		return nil
	}
	if omitted > 0 {
		fig.Notes = append(fig.Notes, fmt.Sprintf("%d point(s) with a zero or negative value are left out: a log axis cannot show them.", omitted))
	}
	if clamped > 0 {
		fig.Notes = append(fig.Notes, fmt.Sprintf("%d error bar(s) reach zero or below; they are drawn down to a tenth of their median, as a log axis has no zero.", clamped))
	}
	fig.Series = seriesOf(byImpl)
	fig.Notes = append(fig.Notes, missingPoints(fig)...)
	if xs := fig.xs(); len(xs) == 1 {
		asBars(fig, xs[0])
	}
	return fig
}

// asBars turns a line figure whose points all share one x (a run with a
// one-step ladder) into bars: lines of one point would stack into a
// single vertical smear.
func asBars(f *Figure, x float64) {
	f.Categories = []string{f.atLabel(x)}
	f.Bars, f.LogX = true, false
	for i := range f.Series {
		for j := range f.Series[i].Points {
			f.Series[i].Points[j].X = 0
		}
	}
}

func matches(r *results.Result, filter map[string]string) bool {
	for k, v := range filter {
		if r.Params[k] != v {
			return false
		}
	}
	return true
}

// seriesOf orders the series by implementation and each one's points by x.
func seriesOf(byImpl map[string][]Point) []Series {
	impls := make([]string, 0, len(byImpl))
	for impl := range byImpl {
		impls = append(impls, impl)
	}
	sortImpls(impls)
	out := make([]Series, 0, len(impls))
	for _, impl := range impls {
		pts := byImpl[impl]
		sort.Slice(pts, func(i, j int) bool { return pts[i].X < pts[j].X })
		out = append(out, Series{Impl: impl, Points: pts})
	}
	return out
}

// xs returns every x value any series has, ascending.
func (f *Figure) xs() []float64 {
	seen := map[float64]bool{}
	var out []float64
	for _, s := range f.Series {
		for _, p := range s.Points {
			if !seen[p.X] {
				seen[p.X] = true
				out = append(out, p.X)
			}
		}
	}
	sort.Float64s(out)
	return out
}

// at returns the series' point at x.
func (s *Series) at(x float64) (Point, bool) {
	for _, p := range s.Points {
		if p.X == x {
			return p, true
		}
	}
	return Point{}, false
}

// series returns the series of impl.
func (f *Figure) series(impl string) *Series {
	for i := range f.Series {
		if f.Series[i].Impl == impl {
			return &f.Series[i]
		}
	}
	return nil
}

// missingPoints names the x values a series lacks that others have, so a
// partial run or a peer that gave up is visible.
func missingPoints(f *Figure) []string {
	all := f.xs()
	var notes []string
	for _, s := range f.Series {
		var miss []string
		for _, x := range all {
			if _, ok := s.at(x); !ok {
				miss = append(miss, f.xLabelOf(x))
			}
		}
		if len(miss) > 0 {
			notes = append(notes, fmt.Sprintf("%s has no result at %s.", displayName(s.Impl), strings.Join(miss, ", ")))
		}
	}
	return notes
}

// xLabelOf prints an x value (or category) of f.
func (f *Figure) xLabelOf(x float64) string {
	if f.Bars {
		if i := int(x); i >= 0 && i < len(f.Categories) {
			return f.Categories[i]
		}
	}
	return f.XUnit.format(x)
}

// barSpec describes a bar figure: one metric per implementation, grouped
// into categories. The unit, label (unless ylabel is set) and direction
// come from the metric table.
type barSpec struct {
	id, title, short, ylabel string
	workloads                []string
	metric                   string
	// category names a result's group; results with the same category
	// are bars side by side.
	category  func(r *results.Result) string
	logY      bool
	ref       string
	markBound bool
}

// barFigure builds a bar figure from ix; nil when no result matches.
func barFigure(ix index, sp barSpec) *Figure {
	ylabel, yUnit, lower := metricAxis(sp.metric, sp.ylabel)
	fig := &Figure{ID: sp.id, Title: sp.title, Short: sp.short, YLabel: ylabel, YUnit: yUnit,
		LogY: sp.logY, Lower: lower, Ref: sp.ref, Bars: true}
	type bar struct {
		cat string
		p   Point
	}
	byImpl := map[string][]bar{}
	var cats []string
	seen := map[string]bool{}
	omitted := 0
	for _, w := range sp.workloads {
		for _, r := range ix[w] {
			vs := values(r, sp.metric)
			if len(vs) == 0 {
				continue
			}
			p := Point{Y: summarize(vs), ClientBound: sp.markBound && clientBound(r), Flagged: flaggedSamples(r)}
			if sp.logY && p.Y.Median <= 0 {
				omitted++
				continue
			}
			c := sp.category(r)
			if !seen[c] {
				seen[c] = true
				cats = append(cats, c)
			}
			byImpl[r.Impl] = append(byImpl[r.Impl], bar{c, p})
		}
	}
	if len(byImpl) == 0 {
		return nil
	}
	catIndex := map[string]int{}
	for i, c := range cats {
		catIndex[c] = i
	}
	fig.Categories = cats
	pts := map[string][]Point{}
	for impl, bars := range byImpl {
		for _, b := range bars {
			b.p.X = float64(catIndex[b.cat])
			pts[impl] = append(pts[impl], b.p)
		}
	}
	if omitted > 0 {
		fig.Notes = append(fig.Notes, fmt.Sprintf("%d bar(s) with a zero or negative value are left out: a log axis cannot show them.", omitted))
	}
	fig.Series = seriesOf(pts)
	fig.Notes = append(fig.Notes, missingPoints(fig)...)
	return fig
}

// fairnessFigure counts the connections an echo server did not serve
// (starved, dropped, never connected) against C, per implementation: the
// median run on a log axis, so 45 lost shows beside 18,887 lost. Lossy
// keeps every point where any run lost a connection, for the table and
// the summary, so a loss is never averaged away. No figure when nothing
// was lost.
func fairnessFigure(ix index, size string) *Figure {
	fig := &Figure{ID: "fairness-" + size, Title: "Connections not served, " + size + " B messages", Short: "Lost connections, " + size + " B",
		XLabel: "connections (C)", YLabel: "connections lost (median run)", XUnit: unitCount, YUnit: unitCount,
		LogX: true, LogY: true, Lower: true, Size: size}
	byImpl := map[string][]Point{}
	var ladder []float64
	for _, r := range ix["echo"] {
		if r.Params["size"] != size {
			continue
		}
		c, ok := paramFloat(r, "conns")
		if !ok || c <= 0 {
			continue
		}
		ladder = append(ladder, c)
		var starved, dropped, never []float64
		for _, s := range r.Samples {
			starved = append(starved, s.Metrics[results.Starved])
			dropped = append(dropped, s.Metrics[results.Dropped])
			never = append(never, s.Metrics[results.NeverConnected])
		}
		lost := lostConns(r)
		if len(lost) == 0 {
			continue
		}
		worst := 0.0
		for _, l := range lost {
			worst = math.Max(worst, l)
		}
		p := Point{X: c, Y: summarize(lost), Starved: summarize(starved).Median, Dropped: summarize(dropped).Median,
			NeverConnected: summarize(never).Median, WorstLost: worst}
		p.Lost = p.Y.Median
		if worst > 0 {
			fig.Lossy = append(fig.Lossy, ranked{r.Impl, p})
		}
		if p.Y.Median > 0 {
			byImpl[r.Impl] = append(byImpl[r.Impl], p)
		}
	}
	if len(fig.Lossy) == 0 {
		return nil
	}
	sort.SliceStable(fig.Lossy, func(i, j int) bool {
		ri, _ := implRank(fig.Lossy[i].Impl)
		rj, _ := implRank(fig.Lossy[j].Impl)
		if ri != rj {
			return ri < rj
		}
		return fig.Lossy[i].P.X < fig.Lossy[j].P.X
	})
	if len(byImpl) == 0 {
		// Only worst runs lost anything: draw the median runs' zeros on a
		// linear axis rather than an empty log one.
		fig.LogY = false
		for _, l := range fig.Lossy {
			byImpl[l.Impl] = append(byImpl[l.Impl], l.P)
		}
	} else {
		fig.Notes = append(fig.Notes, "Only points where the median run lost connections are drawn (a log axis has no zero); an implementation missing from the plot lost none in its median run. The table lists every point where any run lost one.")
		// Start the x axis one ladder step before the first loss, so the
		// figure shows where losses begin.
		sort.Float64s(ladder)
		first := math.Inf(1)
		for _, pts := range byImpl {
			for _, p := range pts {
				first = math.Min(first, p.X)
			}
		}
		lo := ladder[0]
		for _, c := range ladder {
			if c < first {
				lo = c
			}
		}
		fig.XRange = [2]float64{lo, ladder[len(ladder)-1]}
	}
	fig.Series = seriesOf(byImpl)
	return fig
}

// sortedParams returns the distinct values of a numeric parameter,
// ascending by number. Only numbers in their plain form ("64", not "064",
// "6.4e1" or "x/../../tmp") are taken: a value becomes part of a figure's
// ID and so of a file name.
func sortedParams(rs []*results.Result, key string) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rs {
		if v, ok := r.Params[key]; ok && !seen[v] && plainNumber(v) {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, _ := strconv.ParseFloat(out[i], 64)
		b, _ := strconv.ParseFloat(out[j], 64)
		return a < b
	})
	return out
}

// plainNumber reports whether v is a non-negative number as strconv
// prints it.
func plainNumber(v string) bool {
	x, err := strconv.ParseFloat(v, 64)
	return err == nil && x >= 0 && strconv.FormatFloat(x, 'f', -1, 64) == v
}

func paramCategory(key, prefix string) func(r *results.Result) string {
	return func(r *results.Result) string {
		if v, ok := r.Params[key]; ok {
			if n, err := strconv.ParseFloat(v, 64); err == nil {
				return prefix + unitCount.format(n)
			}
			return prefix + v
		}
		return r.Workload
	}
}

// shapeCategory names a micro-benchmark bar group "workload: shape", or
// "workload: key=value ..." when the result has no shape parameter.
func shapeCategory(r *results.Result) string {
	if s, ok := r.Params["shape"]; ok {
		return r.Workload + ": " + s
	}
	keys := make([]string, 0, len(r.Params))
	for k := range r.Params {
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return r.Workload
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + r.Params[k]
	}
	return r.Workload + ": " + strings.Join(parts, " ")
}

// latencyFigure draws, for the echo point at C=1000 (or the largest C),
// each implementation's share of round trips slower than x: the merged
// histogram of all runs as a complementary CDF on log-log axes, where the
// tail that p99 summarizes in one number is visible whole.
func latencyFigure(ix index, size string) *Figure {
	hists := map[float64]map[string]map[int64]int64{} // conns -> impl -> upper -> count
	for _, r := range ix["echo"] {
		c, ok := paramFloat(r, "conns")
		if r.Params["size"] != size || !ok {
			continue
		}
		for _, s := range r.Samples {
			if s.Latency == nil {
				continue
			}
			if hists[c] == nil {
				hists[c] = map[string]map[int64]int64{}
			}
			if hists[c][r.Impl] == nil {
				hists[c][r.Impl] = map[int64]int64{}
			}
			for _, b := range s.Latency.Buckets {
				if b.Count > 0 && b.UpperNs > 0 {
					hists[c][r.Impl][b.UpperNs] += b.Count
				}
			}
		}
	}
	if len(hists) == 0 {
		return nil
	}
	c := -1.0
	for x := range hists {
		if x == 1000 || (c != 1000 && x > c) {
			c = x
		}
	}
	fig := &Figure{ID: "latency-" + size, Title: fmt.Sprintf("Round-trip latency distribution at C=%s, %s B messages", commas(int64(c)), size),
		Short: "Latency tail, " + size + " B", XLabel: "round-trip latency", YLabel: "round trips slower than this",
		XUnit: unitNs, YUnit: unitPct, LogX: true, LogY: true, Lower: true, Ref: "gonet", Latency: map[string][]float64{}, Size: size}
	byImpl := map[string][]Point{}
	for impl, h := range hists[c] {
		uppers := make([]int64, 0, len(h))
		total := int64(0)
		for u, n := range h {
			uppers = append(uppers, u)
			total += n
		}
		if total == 0 {
			continue
		}
		sort.Slice(uppers, func(i, j int) bool { return uppers[i] < uppers[j] })
		cum := int64(0)
		for _, u := range uppers {
			cum += h[u]
			if slower := 100 * float64(total-cum) / float64(total); slower > 0 {
				byImpl[impl] = append(byImpl[impl], Point{X: float64(u), Y: summarize([]float64{slower})})
			}
		}
		for _, q := range quantiles {
			fig.Latency[impl] = append(fig.Latency[impl], quantile(h, uppers, total, q))
		}
	}
	if len(byImpl) == 0 {
		return nil
	}
	fig.Series = seriesOf(byImpl)
	fig.Notes = []string{"All runs' histograms merged; a histogram has no confidence interval, so there are no error bars. A bucket's upper bound stands for every round trip in it."}
	return fig
}

// quantiles are the rows of the latency table.
var quantiles = []float64{0.5, 0.9, 0.99, 0.999, 1}

// quantile is the upper bound of the bucket holding the q-th round trip.
func quantile(h map[int64]int64, uppers []int64, total int64, q float64) float64 {
	want := int64(math.Ceil(q * float64(total)))
	cum := int64(0)
	for _, u := range uppers {
		cum += h[u]
		if cum >= want {
			return float64(u)
		}
	}
	return float64(uppers[len(uppers)-1])
}
