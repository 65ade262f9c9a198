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
// yardstick, not contenders) at x from best to worst.
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
		if f.Lower {
			return out[i].P.Y.Median < out[j].P.Y.Median
		}
		return out[i].P.Y.Median > out[j].P.Y.Median
	})
	return out
}

// keyXs are the x values the summary and prose talk about: for lines the
// largest x (and C=1000 for echo, the comparison point); for bars
// every category.
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
	if strings.HasPrefix(f.ID, "echo-") && last != 1000 {
		for _, x := range xs {
			if x == 1000 {
				return []float64{1000, last}
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
	case strings.HasPrefix(f.XLabel, "connections"):
		sym = "C="
	case strings.HasPrefix(f.XLabel, "watched"):
		sym = "N="
	}
	return sym + f.xLabelOf(x)
}

// Headline is one row of the summary at the top of the page.
type Headline struct {
	Where    string // figure title and x
	FigureID string
	Winner   string
	Value    string
	Next     string // the runner-up and how far behind
	VsRef    string // the winner against the figure's reference
}

// headlines summarizes each figure at its key x values.
func headlines(figs []*Figure) []Headline {
	var out []Headline
	for _, f := range figs {
		if strings.HasPrefix(f.ID, "fairness-") {
			continue
		}
		for _, x := range f.keyXs() {
			r := f.rank(x)
			if len(r) == 0 {
				continue
			}
			h := Headline{Where: f.Title + ", " + f.atLabel(x), FigureID: f.ID,
				Winner: displayName(r[0].Impl), Value: f.YUnit.format(r[0].P.Y.Median) + mark(r[0].P)}
			if len(r) > 1 {
				h.Next = fmt.Sprintf("%s %s (%s)", displayName(r[1].Impl), f.YUnit.format(r[1].P.Y.Median),
					fmtRatio(r[1].P.Y.Median/r[0].P.Y.Median))
			}
			if f.Ref != "" && f.Ref != "raw" && f.Ref != r[0].Impl {
				if s := f.series(f.Ref); s != nil {
					if rp, ok := s.at(x); ok && rp.Y.Median != 0 {
						h.VsRef = fmt.Sprintf("%s of %s", fmtRatio(r[0].P.Y.Median/rp.Y.Median), displayName(f.Ref))
					}
				}
			}
			out = append(out, h)
		}
	}
	return out
}

// mark flags a client-bound point.
func mark(p Point) string {
	if p.ClientBound {
		return " †"
	}
	return ""
}

// losses lists every fairness failure in words, worst first.
func losses(figs []*Figure) []string {
	type loss struct {
		text string
		lost float64
	}
	var ls []loss
	for _, f := range figs {
		if !strings.HasPrefix(f.ID, "fairness-") {
			continue
		}
		size := strings.TrimPrefix(f.ID, "fairness-")
		for _, s := range f.Series {
			for _, p := range s.Points {
				if p.Y.Median == 0 && p.WorstLost == 0 {
					continue
				}
				t := fmt.Sprintf("%s served %s and lost %s at C=%s (%s B; median of %d runs: %s starved, %s dropped, %s never connected; worst run lost %s).",
					displayName(s.Impl), commas(int64(math.Max(p.X-p.Y.Median, 0))), commas(int64(p.Y.Median)),
					commas(int64(p.X)), size, p.Y.N, commas(int64(p.Starved)), commas(int64(p.Dropped)),
					commas(int64(p.NeverConnected)), commas(int64(p.WorstLost)))
				ls = append(ls, loss{t, p.Y.Median})
			}
		}
	}
	sort.SliceStable(ls, func(i, j int) bool { return ls[i].lost > ls[j].lost })
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.text
	}
	return out
}

// explain writes the paragraph under a figure from its data.
func explain(f *Figure) string {
	switch {
	case strings.HasPrefix(f.ID, "dispatch-"):
		return explainDispatch(f)
	case strings.HasPrefix(f.ID, "echo-cpu-"):
		return rankingText(f) + " This is what the server pays per round trip (its user+system CPU over the timed window, divided by round trips), so it does not depend on how fast the load generator is: on a small machine it is the fair headline. select and poll pay a scan of every descriptor per wait, which grows with C; epoll pays only for ready descriptors."
	case strings.HasPrefix(f.ID, "echo-rts-"):
		return rankingText(f) + clientBoundText(f) + " In a closed loop each connection waits for its echo before sending again, so round trips per second rise with C until the server or the load generator runs out of CPU, then flatten."
	case strings.HasPrefix(f.ID, "echo-p99-"), f.ID == "echo-open-p99":
		return rankingText(f) + " With C connections in a closed loop, about C requests are in flight, so latency grows roughly as C divided by throughput (Little's law); a server that serves unfairly shows it in p99 first."
	case strings.HasPrefix(f.ID, "fairness-"):
		ls := losses([]*Figure{f})
		if len(ls) == 0 {
			return "Every implementation served every connection at every C in every run: no connection starved, was dropped or failed to connect."
		}
		return strings.Join(ls, " ") + " A connection is starved when it got no echo in the timed window; such a server's round trips per second come from the connections it did serve, so check this figure before trusting the throughput one."
	case f.ID == "idle-memory":
		return rankingText(f) + " Resident memory growth divided by the number of idle connections: the kernel's socket buffers are counted too, so the floor is the same for every implementation and the differences are user-space state per connection (goroutine stacks, buffers, Python objects)."
	case f.ID == "connect":
		return rankingText(f) + " Each connection is opened, does one round trip and is closed, so this measures accept, registration and teardown rather than steady-state I/O."
	case f.ID == "micro":
		return explainMicro(f)
	}
	return rankingText(f)
}

// rankingText says who leads at the figure's key x values and by how much.
func rankingText(f *Figure) string {
	var parts []string
	for _, x := range f.keyXs() {
		r := f.rank(x)
		if len(r) == 0 {
			continue
		}
		var items []string
		for i, e := range r {
			item := displayName(e.Impl) + " " + f.YUnit.format(e.P.Y.Median)
			if i > 0 && r[0].P.Y.Median != 0 {
				item += " (" + fmtRatio(e.P.Y.Median/r[0].P.Y.Median) + ")"
			}
			items = append(items, item)
		}
		parts = append(parts, fmt.Sprintf("At %s: %s.", f.atLabel(x), strings.Join(items, ", ")))
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
	return text + "select and poll hand the kernel every watched descriptor on each wait, so their cost per event grows with N; epoll keeps the interest set in the kernel and returns only the ready descriptors, so it stays flat. Dashed lines are each backend's raw floor, the same system calls in a bare loop: the gap to them is the reactor's own cost. With more descriptors active, one wait returns more events and the scan is shared among them."
}

func explainMicro(f *Figure) string {
	ref := f.series("twisted")
	if ref == nil {
		return rankingText(f)
	}
	var parts []string
	for _, s := range f.Series {
		if s.Impl == "twisted" {
			continue
		}
		logSum, n := 0.0, 0
		best, worst := math.Inf(1), 0.0
		bestCat, worstCat := "", ""
		for _, p := range s.Points {
			r, ok := f.ratio(&s, p)
			if !ok || r <= 0 {
				continue
			}
			logSum += math.Log(r)
			n++
			if 1/r > worst {
				worst, worstCat = 1/r, f.xLabelOf(p.X)
			}
			if 1/r < best {
				best, bestCat = 1/r, f.xLabelOf(p.X)
			}
		}
		if n == 0 {
			continue
		}
		gm := 1 / math.Exp(logSum/float64(n))
		parts = append(parts, fmt.Sprintf("%s is %s faster than Twisted (geometric mean over %d shapes; from %s on %s to %s on %s)",
			displayName(s.Impl), fmtRatio(gm), n, fmtRatio(best), bestCat, fmtRatio(worst), worstCat))
	}
	if len(parts) == 0 {
		return rankingText(f)
	}
	return strings.Join(parts, "; ") + ". The y axis is logarithmic: Twisted runs the same shapes in CPython, where every callback is an interpreted call; ours are Go function calls with no allocation on the hot path."
}
