package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/reactorbench/reactorbench/bench/results"
)

// Comparison is a run against a baseline: every metric both measured.
type Comparison struct {
	Machine []string // how the two machines differ; empty when alike
	Rows    []CompareRow
	Better  int
	Worse   int
	Same    int
	// Undetectable counts the Same rows whose sample sizes could not give
	// a p-value under Alpha whatever the values.
	Undetectable int
	OnlyBaseline int // results the baseline has and the new run lacks
	OnlyNew      int
	Alpha        float64
}

// CompareRow is one metric of one result in both runs.
type CompareRow struct {
	Workload string
	Name     string
	Metric   string
	Change   Change
	// Verdict is "better", "worse" or "same" (not significant).
	Verdict string
}

// Gate is when a comparison fails: a significant change for the worse of
// at least Threshold percent at significance level Alpha, or any
// significant increase in allocations.
type Gate struct {
	Alpha     float64 // significance level of the Mann-Whitney U test
	Threshold float64 // the smallest regression, in percent, that fails
}

// DefaultGate is benchstat's alpha and a 10% regression threshold.
var DefaultGate = Gate{Alpha: 0.05, Threshold: 10}

// compareFiles compares every metric of every result the two runs share
// at significance level alpha. Metrics the results table marks as not
// compared (load generator CPU, client-bound flags) and unknown ones are
// left out: neither direction of change would mean anything.
func compareFiles(base, cur *results.File, alpha float64) *Comparison {
	c := &Comparison{Machine: machineDiffs(base.Env, cur.Env), Alpha: alpha}
	old := map[string]*results.Result{}
	for i := range base.Results {
		old[base.Results[i].Name] = &base.Results[i]
	}
	seen := map[string]bool{}
	for i := range cur.Results {
		r := &cur.Results[i]
		seen[r.Name] = true
		o, ok := old[r.Name]
		if !ok {
			c.OnlyNew++
			continue
		}
		for _, m := range metricsOf(r) {
			meta := results.MetricOf(m)
			if meta.Better == results.NotCompared {
				continue
			}
			ov, nv := values(o, m), values(r, m)
			if len(ov) == 0 || len(nv) == 0 {
				continue
			}
			ch := compare(ov, nv, alpha)
			row := CompareRow{Workload: r.Workload, Name: r.Name, Metric: m, Change: ch, Verdict: "same"}
			switch {
			case ch.Significant:
				if (ch.New.Median > ch.Old.Median) == (meta.Better == results.HigherBetter) {
					row.Verdict = "better"
					c.Better++
				} else {
					row.Verdict = "worse"
					c.Worse++
				}
			case !ch.Detectable:
				c.Undetectable++
				c.Same++
			default:
				c.Same++
			}
			c.Rows = append(c.Rows, row)
		}
	}
	for name := range old {
		if !seen[name] {
			c.OnlyBaseline++
		}
	}
	return c
}

// Regressions returns the rows that fail g: significantly worse by at
// least g.Threshold percent, or a significant increase in allocations of
// any size (from zero, too).
func (c *Comparison) Regressions(g Gate) []CompareRow {
	var out []CompareRow
	for _, r := range c.Rows {
		if r.Verdict != "worse" {
			continue
		}
		alloc := results.MetricOf(r.Metric).Alloc
		if alloc || r.Change.Old.Median == 0 || math.Abs(r.Change.Pct) >= g.Threshold {
			out = append(out, r)
		}
	}
	return out
}

// Summary is the comparison's headline: how many metrics changed which
// way, and whether the samples could have shown a change at all.
func (c *Comparison) Summary() string {
	var s string
	if len(c.Rows) > 0 && c.Undetectable == len(c.Rows) {
		s = fmt.Sprintf("Too few samples to detect any change: with %s, the Mann-Whitney U test cannot reach p < %g however different the runs are (4 runs on each side are the fewest that can). %d metrics compared, none can be called better or worse.",
			c.sampleSizes(), c.Alpha, len(c.Rows))
	} else {
		s = fmt.Sprintf("%d significant regressions, %d significant improvements, %d metrics without a significant change (Mann-Whitney U, p < %g).",
			c.Worse, c.Better, c.Same, c.Alpha)
		if c.Undetectable > 0 {
			s += fmt.Sprintf(" %d of those had too few samples for any change to be significant.", c.Undetectable)
		}
	}
	if c.OnlyBaseline > 0 || c.OnlyNew > 0 {
		s += fmt.Sprintf(" %d results only in the baseline, %d only in this run.", c.OnlyBaseline, c.OnlyNew)
	}
	return s
}

// sampleSizes describes the runs per side, e.g. "2+2 samples".
func (c *Comparison) sampleSizes() string {
	seen := map[[2]int]bool{}
	var parts []string
	for _, r := range c.Rows {
		k := [2]int{r.Change.Old.N, r.Change.New.N}
		if !seen[k] && len(parts) < 3 {
			seen[k] = true
			parts = append(parts, fmt.Sprintf("%d+%d", k[0], k[1]))
		}
	}
	return strings.Join(parts, ", ") + " samples"
}

// metricsOf lists the metrics any sample of r has, sorted.
func metricsOf(r *results.Result) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range r.Samples {
		for m := range s.Metrics {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	sort.Strings(out)
	return out
}

// machineDiffs says how two environments differ in ways that make their
// numbers incomparable.
func machineDiffs(a, b results.Env) []string {
	var out []string
	diff := func(what, x, y string) {
		if x != y {
			out = append(out, fmt.Sprintf("%s: baseline %q, this run %q", what, x, y))
		}
	}
	diff("CPU", a.CPUModel, b.CPUModel)
	diff("cores", fmt.Sprint(a.Cores), fmt.Sprint(b.Cores))
	diff("kernel", a.Kernel, b.Kernel)
	diff("host", a.Hostname, b.Hostname)
	diff("GOMAXPROCS", fmt.Sprint(a.GOMAXPROCS), fmt.Sprint(b.GOMAXPROCS))
	diff("pinning", a.Pinning, b.Pinning)
	return out
}

// top returns the n significant changes of verdict v, largest first.
func (c *Comparison) top(v string, n int) []CompareRow {
	var out []CompareRow
	for _, r := range c.Rows {
		if r.Verdict == v {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return math.Abs(out[i].Change.Pct) > math.Abs(out[j].Change.Pct)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// GroupChange is the change of one metric over all results of a workload.
type GroupChange struct {
	Workload, Metric string
	N                int
	GeoPct           float64 // geometric mean of new/old, as a change in percent
	Better, Worse    int     // significant changes among the N
	// Verdict is "better" or "worse" when significant changes that way
	// outnumber those the other way and the false positives expected at
	// alpha (N*alpha, at least 2); else "same".
	Verdict string
}

// groups summarizes the rows per workload and metric, the way benchstat's
// geomean row does, so a reader sees "echo got 12% cheaper" before the
// hundreds of rows behind it.
func (c *Comparison) groups() []GroupChange {
	idx := map[[2]string]*GroupChange{}
	logs := map[[2]string]float64{}
	var out []*GroupChange
	for _, r := range c.Rows {
		if r.Change.Old.Median <= 0 || r.Change.New.Median <= 0 {
			continue
		}
		k := [2]string{r.Workload, r.Metric}
		g := idx[k]
		if g == nil {
			g = &GroupChange{Workload: r.Workload, Metric: r.Metric}
			idx[k] = g
			out = append(out, g)
		}
		g.N++
		logs[k] += math.Log(r.Change.New.Median / r.Change.Old.Median)
		switch r.Verdict {
		case "better":
			g.Better++
		case "worse":
			g.Worse++
		}
	}
	res := make([]GroupChange, 0, len(out))
	for _, g := range out {
		g.GeoPct = (math.Exp(logs[[2]string{g.Workload, g.Metric}]/float64(g.N)) - 1) * 100
		noise := max(2, float64(g.N)*c.Alpha)
		switch {
		case g.Worse > g.Better && float64(g.Worse) >= noise:
			g.Verdict = "worse"
		case g.Better > g.Worse && float64(g.Better) >= noise:
			g.Verdict = "better"
		default:
			g.Verdict = "same"
		}
		res = append(res, *g)
	}
	sort.SliceStable(res, func(i, j int) bool {
		if res[i].Workload != res[j].Workload {
			return res[i].Workload < res[j].Workload
		}
		return res[i].Metric < res[j].Metric
	})
	return res
}
