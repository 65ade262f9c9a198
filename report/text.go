package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/reactorbench/reactorbench/bench/results"
)

// ranked is one implementation's point at an x value.
type ranked struct {
	Impl string
	P    Point
}

// rank orders the implementations (raw floors excluded: they are the
// yardstick, not contenders) at x from best to worst. A point whose server
// lost connections ranks after every point that did not, whatever its
// value: its latency and throughput describe only the connections it
// chose to serve.
func (f *Figure) rank(x float64) []ranked {
	var out []ranked
	for _, s := range f.Series {
		if strings.HasPrefix(s.Impl, "raw-") {
			continue
		}
		if p, ok := s.at(x); ok {
			out = append(out, ranked{s.Impl, p})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if li, lj := out[i].P.Lost > 0, out[j].P.Lost > 0; li != lj {
			return lj
		}
		if f.Lower {
			return out[i].P.Y.Median < out[j].P.Y.Median
		}
		return out[i].P.Y.Median > out[j].P.Y.Median
	})
	return out
}

// keyXs are the x values the summary and prose talk about: for lines the
// largest x (and the figure's KeyX); for bars every category.
func (f *Figure) keyXs() []float64 {
	if f.Bars {
		out := make([]float64, len(f.Categories))
		for i := range out {
			out[i] = float64(i)
		}
		return out
	}
	xs := f.xs()
	if len(xs) == 0 {
		return nil
	}
	last := xs[len(xs)-1]
	if f.KeyX != 0 && last != f.KeyX {
		for _, x := range xs {
			if x == f.KeyX {
				return []float64{f.KeyX, last}
			}
		}
	}
	return []float64{last}
}

// at prints "at C=1,000" style context for x.
func (f *Figure) atLabel(x float64) string {
	if f.Bars {
		return f.xLabelOf(x)
	}
	sym := "x="
	switch {
	case strings.HasPrefix(f.XLabel, "offered"):
		return f.XUnit.format(x) + " offered"
	case strings.HasPrefix(f.XLabel, "connections"):
		sym = "C="
	case strings.HasPrefix(f.XLabel, "watched"):
		sym = "N="
	case strings.HasPrefix(f.XLabel, "loops"):
		sym = "loops="
	}
	return sym + f.xLabelOf(x)
}

// Headline is one row of the summary at the top of the page.
type Headline struct {
	Figure   string // the figure's short title
	At       string // the x value, e.g. "C=1,000"
	FigureID string
	Winner   string // implementation
	Value    string
	Next     string // the runner-up and how far behind
	VsRef    string // the winner against the figure's reference
	Tie      bool   // the runner-up's 95% CI overlaps the winner's
	Few      bool   // too few runs for CIs: Tie compares min..max ranges
	TooFew   bool   // a Tie only for want of runs: the ranges do not overlap
}

// headlines summarizes each figure as its catalog entry says.
func headlines(figs []*Figure) []Headline {
	var out []Headline
	for _, f := range figs {
		if f.entry != nil && f.entry.headlines != nil {
			out = append(out, f.entry.headlines(f)...)
		}
	}
	return out
}

// rankHeadlines are a ranking figure's summary rows: who is best at each
// key x, the runner-up, and the best against the reference (for
// dispatch, against its own raw floor). A row whose best and runner-up
// do not separate is a tie: too close to call.
func rankHeadlines(f *Figure) []Headline {
	var out []Headline
	for _, x := range f.keyXs() {
		r := f.rank(x)
		if len(r) == 0 {
			continue
		}
		h := Headline{Figure: f.Short, At: f.atLabel(x), FigureID: f.ID,
			Winner: displayName(r[0].Impl), Value: f.YUnit.format(r[0].P.Y.Median) + mark(r[0].P)}
		if len(r) > 1 {
			h.Next = fmt.Sprintf("%s %s (%s)", displayName(r[1].Impl), f.YUnit.format(r[1].P.Y.Median),
				relative(r[1].P.Y.Median, r[0].P.Y.Median))
			a, b := r[0].P.Y, r[1].P.Y
			h.Tie = !separated(a, b)
			h.Few = a.Range || b.Range
			h.TooFew = tooFewToCall(a, b)
		}
		if s, rp, ok := f.refPoint(r[0].Impl, x); ok && rp.Y.Median != 0 {
			if separated(r[0].P.Y, rp.Y) {
				h.VsRef = fmt.Sprintf("%s than %s", relative(r[0].P.Y.Median, rp.Y.Median), displayName(s.Impl))
			} else {
				h.VsRef = undecided(r[0].P.Y, rp.Y) + " against " + displayName(s.Impl)
			}
		}
		out = append(out, h)
	}
	return out
}

// refPoint is the reference point impl is measured against at x: the
// figure's reference implementation, or impl's raw floor when the
// reference is "raw".
func (f *Figure) refPoint(impl string, x float64) (*Series, Point, bool) {
	ref := f.Ref
	if ref == "raw" {
		ref = "raw-" + impl
	}
	if ref == "" || ref == impl {
		return nil, Point{}, false
	}
	s := f.series(ref)
	if s == nil {
		return nil, Point{}, false
	}
	p, ok := s.at(x)
	return s, p, ok
}

// microHeadlines condenses the micro-benchmarks into one row: the
// geometric-mean speedup of the best implementation over Twisted, or the
// ranking rows when Twisted did not run.
func microHeadlines(f *Figure) []Headline {
	best := Headline{}
	bestGM := 0.0
	for i := range f.Series {
		s := &f.Series[i]
		gm, n, _ := speedup(f, s)
		if n > 0 && gm > bestGM {
			bestGM = gm
			best = Headline{Figure: f.Short, At: fmt.Sprintf("%d shapes", n), FigureID: f.ID,
				Winner: displayName(s.Impl), Value: faster(gm) + " than Twisted (geometric mean)"}
		}
	}
	if bestGM == 0 {
		return rankHeadlines(f)
	}
	return []Headline{best}
}

// speedup is the geometric mean of Twisted's time over s's, over the
// categories both ran whose intervals separate and whose runs agree, and
// how many those were; skipped counts the categories left out.
func speedup(f *Figure, s *Series) (gm float64, n, skipped int) {
	if s.Impl == f.Ref {
		return 0, 0, 0
	}
	logSum := 0.0
	for _, p := range s.Points {
		_, rp, ok := f.refPoint(s.Impl, p.X)
		if !ok || rp.Y.Median <= 0 || p.Y.Median <= 0 {
			continue
		}
		if !separated(p.Y, rp.Y) || p.Y.Spread != "" || rp.Y.Spread != "" {
			skipped++
			continue
		}
		logSum += math.Log(p.Y.Median / rp.Y.Median)
		n++
	}
	if n == 0 {
		return 0, 0, skipped
	}
	return 1 / math.Exp(logSum/float64(n)), n, skipped
}

// lead is the summary's first paragraph: who wins how many comparisons,
// and where someone else does.
func lead(hs []Headline) string {
	if len(hs) == 0 {
		return ""
	}
	wins := map[string]int{}
	ties, boundTies, tooFew := 0, 0, 0
	for _, h := range hs {
		if h.Tie {
			ties++
			if strings.HasSuffix(h.Value, "†") {
				boundTies++
			}
			if h.TooFew {
				tooFew++
			}
			continue
		}
		wins[h.Winner]++
	}
	names := make([]string, 0, len(wins))
	for n := range wins {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if wins[names[i]] != wins[names[j]] {
			return wins[names[i]] > wins[names[j]]
		}
		return names[i] < names[j]
	})
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %d", n, wins[n]))
	}
	text := fmt.Sprintf("Best of %d comparisons below: %s", len(hs), strings.Join(parts, ", "))
	if len(parts) == 0 {
		text = fmt.Sprintf("None of the %d comparisons below has a clear winner", len(hs))
	}
	if ties > 0 {
		text += fmt.Sprintf("; %d too close to call (the best's and the runner-up's intervals overlap", ties)
		if tooFew > 0 {
			text += fmt.Sprintf(", or, in %d, their ranges do not but the runs are too few for any test to tell", tooFew)
		}
		text += ")"
		if boundTies > 0 {
			text += fmt.Sprintf(", %d of them at client-bound points, where the load generator, not the server, set the pace", boundTies)
		}
	}
	return text + "."
}

// mark flags a client-bound point (†), one that lost connections (‡) and
// one with a sample far from its siblings (◊).
func mark(p Point) string {
	m := ""
	if p.ClientBound {
		m += " †"
	}
	if p.Lost > 0 {
		m += " ‡"
	}
	if p.Flagged > 0 {
		m += " ◊"
	}
	return m
}

// losses lists every fairness failure in words, worst first.
func losses(figs []*Figure) []string {
	type loss struct {
		text string
		lost float64
	}
	var ls []loss
	for _, f := range figs {
		for _, l := range f.Lossy {
			ls = append(ls, loss{lossText(l, f.Size), l.P.Y.Median + l.P.WorstLost/1e6})
		}
	}
	sort.SliceStable(ls, func(i, j int) bool { return ls[i].lost > ls[j].lost })
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.text
	}
	return out
}

// lossText says in words how many connections l's server lost and how.
func lossText(l ranked, size string) string {
	p := l.P
	if p.Y.Median == 0 {
		return fmt.Sprintf("%s served all %s connections at C=%s in the median of %d runs (%s B messages), but its worst run lost %s.",
			displayName(l.Impl), commas(int64(p.X)), commas(int64(p.X)), p.Y.N, size, commas(int64(p.WorstLost)))
	}
	var kinds []string
	for _, k := range []struct {
		n    float64
		what string
	}{{p.Starved, "starved"}, {p.Dropped, "dropped"}, {p.NeverConnected, "never connected"}} {
		if k.n > 0 {
			kinds = append(kinds, commas(int64(k.n))+" "+k.what)
		}
	}
	return fmt.Sprintf("%s served %s and lost %s at C=%s (%s B messages; %s; median of %d runs, worst run lost %s).",
		displayName(l.Impl), commas(int64(math.Max(p.X-p.Y.Median, 0))), commas(int64(p.Y.Median)),
		commas(int64(p.X)), size, strings.Join(kinds, ", "), p.Y.N, commas(int64(p.WorstLost)))
}

// rankingText says who leads at the figure's key x values, by how much,
// where the reference stands and who is last; where the leader's
// interval overlaps the runner-up's it says so instead of naming a
// winner.
func rankingText(f *Figure) string {
	var parts []string
	for _, x := range f.keyXs() {
		r := f.rank(x)
		if len(r) == 0 {
			continue
		}
		best := r[0]
		rel := func(e ranked) string {
			return fmt.Sprintf("%s %s (%s)", displayName(e.Impl), f.YUnit.format(e.P.Y.Median), relative(e.P.Y.Median, best.P.Y.Median))
		}
		var t string
		switch {
		case len(r) == 1:
			t = fmt.Sprintf("At %s only %s ran: %s", f.atLabel(x), displayName(best.Impl), f.YUnit.format(best.P.Y.Median))
		case !separated(best.P.Y, r[1].P.Y):
			t = fmt.Sprintf("At %s %s (%s) and %s are %s", f.atLabel(x), displayName(best.Impl),
				f.YUnit.format(best.P.Y.Median), rel(r[1]), undecided(best.P.Y, r[1].P.Y))
		default:
			t = fmt.Sprintf("At %s %s is best with %s, then %s", f.atLabel(x), displayName(best.Impl),
				f.YUnit.format(best.P.Y.Median), rel(r[1]))
		}
		if len(r) > 2 && best.P.Y.Median != 0 {
			for _, e := range r[2 : len(r)-1] {
				if e.Impl == f.Ref {
					t += "; " + rel(e)
				}
			}
			last, prev := r[len(r)-1], r[len(r)-2]
			switch {
			case last.P.Lost > 0 && aheadOfLossless(f, r, last):
				t += "; last, for the connections it lost, " + rel(last)
			case separated(last.P.Y, prev.P.Y):
				t += "; last " + rel(last)
			default:
				t += "; at the back " + rel(last)
			}
		}
		parts = append(parts, t+"."+flaggedText(r))
	}
	return strings.Join(parts, " ")
}

// aheadOfLossless reports whether e's value alone would rank it before
// some implementation in r that lost no connection.
func aheadOfLossless(f *Figure, r []ranked, e ranked) bool {
	for _, o := range r {
		if o.P.Lost == 0 && o.P.Y.Median != e.P.Y.Median && (e.P.Y.Median < o.P.Y.Median) == f.Lower {
			return true
		}
	}
	return false
}

// flaggedText names the ranked implementations with a sample far from
// its siblings, so a ranking built on them is never silent about it.
func flaggedText(r []ranked) string {
	var names []string
	for _, e := range r {
		if e.P.Flagged > 0 {
			names = append(names, fmt.Sprintf("%s (%d of %d runs)", displayName(e.Impl), e.P.Flagged, e.P.Y.N))
		}
	}
	if len(names) == 0 {
		return ""
	}
	return " Runs far from their siblings (◊, listed under Samples set aside and flagged) weigh on this ranking for " + strings.Join(names, ", ") + "."
}

func clientBoundText(f *Figure) string {
	n := 0
	for _, s := range f.Series {
		for _, p := range s.Points {
			if p.ClientBound {
				n++
			}
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" %d point(s), drawn as rings and marked † in the table, had the load generator above %d%% of its core: there round trips per second is the client's ceiling, not the server's, so compare server CPU per round trip instead.", n, results.ClientBoundPercent)
}

// explainDispatch says how each backend's cost changes from the fewest
// to the most descriptors, and whether epoll's change is its own or its
// raw floor's, only as far as the intervals of the two ends separate.
func explainDispatch(f *Figure) string {
	var parts []string
	if len(f.xs()) == 0 {
		return ""
	}
	for i := range f.Series {
		s := &f.Series[i]
		if strings.HasPrefix(s.Impl, "raw-") || len(s.Points) < 2 {
			continue
		}
		first, last := s.Points[0], s.Points[len(s.Points)-1]
		part := fmt.Sprintf("%s %s from %s to %s descriptors", displayName(s.Impl), growth(first.Y, last.Y),
			commas(int64(first.X)), commas(int64(last.X)))
		if _, rp, ok := f.refPoint(s.Impl, last.X); ok && rp.Y.Median != 0 {
			if separated(last.Y, rp.Y) {
				part += fmt.Sprintf(" (%s than its raw floor at %s)", relative(last.Y.Median, rp.Y.Median), commas(int64(last.X)))
			} else {
				part += fmt.Sprintf(" (too close to call against its raw floor at %s)", commas(int64(last.X)))
			}
		}
		parts = append(parts, part)
	}
	text := ""
	if len(parts) > 0 {
		text = strings.Join(parts, "; ") + ". "
	}
	why := "select and poll hand the kernel every watched descriptor on each wait, so their cost per event grows with N; epoll keeps the interest set in the kernel and returns only the ready descriptors, "
	why += epollVerdict(f)
	return text + why + "Dashed lines are each backend's raw floor, the same system calls in a bare loop: the gap to them is the reactor's own cost. With more descriptors active, one wait returns more events and the scan is shared among them."
}

// growth words the change from a to b: "rises 3.2x", "falls 1.5x", or
// "does not change measurably" when their intervals overlap.
func growth(a, b Summary) string {
	switch {
	case !separated(a, b) || a.Median <= 0 || b.Median <= 0:
		return "shows no change its intervals can tell from noise"
	case b.Median > a.Median:
		return "rises " + fmtRatio(b.Median/a.Median)
	}
	return "falls " + fmtRatio(a.Median/b.Median)
}

// epollVerdict says whether epoll stays flat with N and, if it grows,
// whether its raw floor grows alike (the kernel's cost) or not (the
// reactor's): each claim only when the two ends' intervals separate.
func epollVerdict(f *Figure) string {
	ep := f.series("epoll")
	if ep == nil || len(ep.Points) < 2 {
		return "so it should stay flat. "
	}
	first, last := ep.Points[0], ep.Points[len(ep.Points)-1]
	if !separated(first.Y, last.Y) || last.Y.Median <= first.Y.Median {
		return "so it stays flat: its cost at the most descriptors is not measurably above its cost at the fewest. "
	}
	g := last.Y.Median / first.Y.Median
	raw := f.series("raw-epoll")
	var rf, rl Point
	rawOK := false
	if raw != nil {
		var ok1, ok2 bool
		rf, ok1 = raw.at(first.X)
		rl, ok2 = raw.at(last.X)
		rawOK = ok1 && ok2 && rf.Y.Median > 0
	}
	switch {
	case !rawOK:
		return fmt.Sprintf("so it should stay flat, yet it rises %s here (no raw floor to tell whose cost that is). ", fmtRatio(g))
	case separated(rf.Y, rl.Y) && rl.Y.Median > rf.Y.Median && rl.Y.Median/rf.Y.Median >= g/1.3:
		return fmt.Sprintf("so it should stay flat: its %s rise here shows in its raw floor too (%s to %s), so it is the kernel's and the caches', not the reactor's. ",
			fmtRatio(g), unitNs.format(rf.Y.Median), unitNs.format(rl.Y.Median))
	}
	return fmt.Sprintf("so it should stay flat, yet it rises %s here while its raw floor goes from %s to %s: the reactor's own cost grows with N. ",
		fmtRatio(g), unitNs.format(rf.Y.Median), unitNs.format(rl.Y.Median))
}

func explainMicro(f *Figure) string {
	if f.series(f.Ref) == nil {
		return rankingText(f)
	}
	var parts []string
	for i := range f.Series {
		s := &f.Series[i]
		gm, n, skipped := speedup(f, s)
		if n == 0 {
			if skipped > 0 {
				parts = append(parts, fmt.Sprintf("%s and Twisted are too close to call, or their runs disagree, on all %d shapes", displayName(s.Impl), skipped))
			}
			continue
		}
		lo, hi, loCat, hiCat := math.Inf(1), 0.0, "", ""
		for _, p := range s.Points {
			_, rp, ok := f.refPoint(s.Impl, p.X)
			if !ok || rp.Y.Median <= 0 || p.Y.Median <= 0 || !separated(p.Y, rp.Y) || p.Y.Spread != "" || rp.Y.Spread != "" {
				continue
			}
			if x := rp.Y.Median / p.Y.Median; x < lo {
				lo, loCat = x, f.xLabelOf(p.X)
			}
			if x := rp.Y.Median / p.Y.Median; x > hi {
				hi, hiCat = x, f.xLabelOf(p.X)
			}
		}
		part := fmt.Sprintf("%s is %s than Twisted (geometric mean over %d shapes), from %s on %s to %s on %s",
			displayName(s.Impl), faster(gm), n, faster(lo), loCat, faster(hi), hiCat)
		if skipped > 0 {
			part += fmt.Sprintf("; %d more shape(s) too close to call or with runs that disagree (marked ¶) are left out", skipped)
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return rankingText(f)
	}
	return strings.Join(parts, "; ") + ". The y axis is logarithmic. Twisted runs the same shapes in CPython, where every callback is an interpreted call and an object allocation."
}

// relative words v against ref one way round, with a ratio of at least
// 1: "40x lower", "1.5x higher", "the same" (within 1%).
func relative(v, ref float64) string {
	switch {
	case v <= 0 || ref <= 0:
		return "–"
	case v >= 1.01*ref:
		return fmtRatio(v/ref) + " higher"
	case v*1.01 <= ref:
		return fmtRatio(ref/v) + " lower"
	}
	return "the same"
}

// faster words a speedup: 2 -> "2x faster", 0.5 -> "2x slower".
func faster(speedup float64) string {
	if speedup >= 1 {
		return fmtRatio(speedup) + " faster"
	}
	return fmtRatio(1/speedup) + " slower"
}

// explainLatency compares the tails: p99 and p99.9 against the median.
func explainLatency(f *Figure) string {
	var parts []string
	for _, s := range f.Series {
		q := f.Latency[s.Impl]
		if len(q) < 4 || q[0] == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s p50 %s, p99 %s (%s the median), p99.9 %s",
			displayName(s.Impl), unitNs.format(q[0]), unitNs.format(q[2]), fmtRatio(q[2]/q[0]), unitNs.format(q[3])))
	}
	return strings.Join(parts, "; ") + ". Each curve is the share of round trips slower than x: the further right and the flatter it ends, the longer the tail. A curve that falls steeply right after its median belongs to a server that treats its connections evenly."
}

func behindText(f *Figure) string {
	n := 0
	for _, s := range f.Series {
		for _, p := range s.Points {
			if p.Behind {
				n++
			}
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" %d point(s), marked § in the table, fell short of the offered rate: past that load the queue grows for as long as the window lasts, so their latency measures the window, not the server.", n)
}
