package report

import (
	"fmt"
	"math"
	"sort"
	"strings"
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
// key x, the runner-up, and the best against the reference.
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
				fmtRatio(r[1].P.Y.Median/r[0].P.Y.Median))
			a, b := r[0].P.Y, r[1].P.Y
			h.Tie = a.Lo <= b.Hi && b.Lo <= a.Hi
			h.Few = a.Range || b.Range
		}
		if f.Ref != "" && f.Ref != "raw" && f.Ref != r[0].Impl {
			if s := f.series(f.Ref); s != nil {
				if rp, ok := s.at(x); ok && rp.Y.Median != 0 {
					h.VsRef = fmt.Sprintf("%s %s", fmtRatio(r[0].P.Y.Median/rp.Y.Median), displayName(f.Ref))
				}
			}
		}
		out = append(out, h)
	}
	return out
}

// microHeadlines condenses the micro-benchmarks into one row: the
// geometric-mean speedup of the best implementation over Twisted, or the
// ranking rows when Twisted did not run.
func microHeadlines(f *Figure) []Headline {
	best := Headline{}
	bestGM := 0.0
	for i := range f.Series {
		s := &f.Series[i]
		gm, n := speedup(f, s)
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
// categories both ran, and how many those were.
func speedup(f *Figure, s *Series) (float64, int) {
	if s.Impl == f.Ref {
		return 0, 0
	}
	logSum, n := 0.0, 0
	for _, p := range s.Points {
		if r, ok := f.ratio(s, p); ok && r > 0 {
			logSum += math.Log(r)
			n++
		}
	}
	if n == 0 {
		return 0, 0
	}
	return 1 / math.Exp(logSum/float64(n)), n
}

// lead is the summary's first paragraph: who wins how many comparisons,
// and where someone else does.
func lead(hs []Headline) string {
	if len(hs) == 0 {
		return ""
	}
	wins := map[string]int{}
	ties, boundTies := 0, 0
	for _, h := range hs {
		if h.Tie {
			ties++
			if strings.HasSuffix(h.Value, "†") {
				boundTies++
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
	if ties > 0 {
		text += fmt.Sprintf("; %d too close to call (the runner-up's 95%% confidence interval overlaps the best's)", ties)
		if boundTies > 0 {
			text += fmt.Sprintf(", %d of them at client-bound points, where the load generator, not the server, set the pace", boundTies)
		}
	}
	return text + "."
}

// mark flags a client-bound point (†) and one that lost connections (‡).
func mark(p Point) string {
	m := ""
	if p.ClientBound {
		m += " †"
	}
	if p.Lost > 0 {
		m += " ‡"
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
// where the reference stands and who is last.
func rankingText(f *Figure) string {
	var parts []string
	for _, x := range f.keyXs() {
		r := f.rank(x)
		if len(r) == 0 {
			continue
		}
		best := r[0]
		t := fmt.Sprintf("At %s %s is best with %s", f.atLabel(x), displayName(best.Impl), f.YUnit.format(best.P.Y.Median))
		rel := func(e ranked) string {
			return fmt.Sprintf("%s %s (%s)", displayName(e.Impl), f.YUnit.format(e.P.Y.Median), fmtRatio(e.P.Y.Median/best.P.Y.Median))
		}
		if len(r) > 1 && best.P.Y.Median != 0 {
			t += ", then " + rel(r[1])
			if len(r) > 2 {
				for _, e := range r[2 : len(r)-1] {
					if e.Impl == f.Ref {
						t += "; " + rel(e)
					}
				}
				t += "; last " + rel(r[len(r)-1])
			}
		}
		parts = append(parts, t+".")
	}
	return strings.Join(parts, " ")
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
	return fmt.Sprintf(" %d point(s), drawn as rings and marked † in the table, had the load generator above 90%% of its core: there round trips per second is the client's ceiling, not the server's, so compare server CPU per round trip instead.", n)
}

func explainDispatch(f *Figure) string {
	var parts []string
	xs := f.xs()
	if len(xs) == 0 {
		return ""
	}
	for _, s := range f.Series {
		if strings.HasPrefix(s.Impl, "raw-") || len(s.Points) < 2 {
			continue
		}
		first, last := s.Points[0], s.Points[len(s.Points)-1]
		g := last.Y.Median / first.Y.Median
		verb := "rises " + fmtRatio(g)
		if g < 1.5 {
			verb = "stays within " + fmtRatio(g)
		}
		part := fmt.Sprintf("%s %s from %s to %s descriptors", displayName(s.Impl), verb,
			commas(int64(first.X)), commas(int64(last.X)))
		if r, ok := f.ratio(&s, last); ok {
			part += fmt.Sprintf(" (%s its raw floor at %s)", fmtRatio(r), commas(int64(last.X)))
		}
		parts = append(parts, part)
	}
	text := ""
	if len(parts) > 0 {
		text = strings.Join(parts, "; ") + ". "
	}
	why := "select and poll hand the kernel every watched descriptor on each wait, so their cost per event grows with N; epoll keeps the interest set in the kernel and returns only the ready descriptors, "
	if ep := f.series("epoll"); ep != nil && len(ep.Points) > 1 {
		first, last := ep.Points[0], ep.Points[len(ep.Points)-1]
		g := last.Y.Median / first.Y.Median
		r, ok := f.ratio(ep, last)
		switch {
		case g < 1.5:
			why += "so it stays flat. "
		case ok && r < 1.3:
			why += fmt.Sprintf("so it should stay flat: its %s growth here shows in its raw floor too, so it is the kernel's and the caches', not the reactor's. ", fmtRatio(g))
		default:
			why += fmt.Sprintf("so it should stay flat, yet it grows %s here: the reactor's own cost grows with N (see its ratio to the raw floor in the table). ", fmtRatio(g))
		}
	} else {
		why += "so it stays flat. "
	}
	return text + why + "Dashed lines are each backend's raw floor, the same system calls in a bare loop: the gap to them is the reactor's own cost. With more descriptors active, one wait returns more events and the scan is shared among them."
}

func explainMicro(f *Figure) string {
	if f.series(f.Ref) == nil {
		return rankingText(f)
	}
	var parts []string
	for i := range f.Series {
		s := &f.Series[i]
		gm, n := speedup(f, s)
		if n == 0 {
			continue
		}
		lo, hi, loCat, hiCat := math.Inf(1), 0.0, "", ""
		for _, p := range s.Points {
			r, ok := f.ratio(s, p)
			if !ok || r <= 0 {
				continue
			}
			if 1/r < lo {
				lo, loCat = 1/r, f.xLabelOf(p.X)
			}
			if 1/r > hi {
				hi, hiCat = 1/r, f.xLabelOf(p.X)
			}
		}
		parts = append(parts, fmt.Sprintf("%s is %s than Twisted (geometric mean over %d shapes), from %s on %s to %s on %s",
			displayName(s.Impl), faster(gm), n, faster(lo), loCat, faster(hi), hiCat))
	}
	if len(parts) == 0 {
		return rankingText(f)
	}
	return strings.Join(parts, "; ") + ". The y axis is logarithmic. Twisted runs the same shapes in CPython, where every callback is an interpreted call and an object allocation."
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
