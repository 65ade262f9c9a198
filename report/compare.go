package report

import (
	"fmt"
	"math"
	"sort"

	"github.com/reactorbench/reactorbench/bench/results"
)

// Comparison is a run against a baseline: every metric both measured.
type Comparison struct {
	Machine      []string // how the two machines differ; empty when alike
	Rows         []CompareRow
	Better       int
	Worse        int
	Same         int
	OnlyBaseline int // results the baseline has and the new run lacks
	OnlyNew      int
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

// neutral metrics describe the method, not the implementation's speed.
// A busier server is not a worse one: utilization is a condition of the
// measurement, not a result.
var neutral = map[string]bool{results.ClientBound: true, results.ClientCPUPercent: true, "server-cpu-%": true, behind: true}

// higherBetter metrics improve when they grow; all others are costs.
var higherBetter = map[string]bool{results.RoundTripsPerSec: true, results.ConnsPerSec: true}

// compareFiles compares every metric of every result the two runs share.
func compareFiles(base, cur *results.File) *Comparison {
	c := &Comparison{Machine: machineDiffs(base.Env, cur.Env)}
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
			if neutral[m] {
				continue
			}
			ov, nv := values(o, m), values(r, m)
			if len(ov) == 0 || len(nv) == 0 {
				continue
			}
			ch := compare(ov, nv)
			row := CompareRow{Workload: r.Workload, Name: r.Name, Metric: m, Change: ch, Verdict: "same"}
			if ch.Significant {
				if (ch.Pct > 0) == higherBetter[m] {
					row.Verdict = "better"
					c.Better++
				} else {
					row.Verdict = "worse"
					c.Worse++
				}
			} else {
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
	// alpha 0.05 (N/20, at least 2); else "same".
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
		noise := max(2, float64(g.N)/20)
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
