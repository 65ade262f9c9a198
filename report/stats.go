package report

import (
	"fmt"
	"math"

	"github.com/montanaflynn/stats"
	"golang.org/x/perf/benchmath"
)

// confidence is the level of every interval the report shows.
const confidence = 0.95

// Summary is a sample's median with an interval: the 95% confidence
// interval of the median when there are enough repeats for one (6, as
// benchstat), else the sample's range.
type Summary struct {
	N      int
	Median float64
	Lo, Hi float64
	Range  bool // Lo..Hi is min..max, not a confidence interval
}

// summarize computes the Summary of xs (which it does not modify).
func summarize(xs []float64) Summary {
	if len(xs) == 0 {
		return Summary{}
	}
	vals := append([]float64(nil), xs...)
	s := benchmath.NewSample(vals, &benchmath.DefaultThresholds)
	sum := benchmath.AssumeNothing.Summary(s, confidence)
	lo, _ := stats.Min(vals)
	hi, _ := stats.Max(vals)
	out := Summary{N: len(vals), Median: sum.Center, Lo: sum.Lo, Hi: sum.Hi}
	if math.IsInf(sum.Lo, 0) || math.IsInf(sum.Hi, 0) {
		out.Lo, out.Hi, out.Range = lo, hi, true
	}
	return out
}

// PctString is the interval as benchstat prints it: the larger distance of
// either bound from the median, in percent.
func (s Summary) PctString() string {
	if s.N == 0 {
		return ""
	}
	if s.Median == 0 {
		if s.Lo == 0 && s.Hi == 0 {
			return "±0%"
		}
		return "±?"
	}
	v := math.Max(s.Hi/s.Median-1, 1-s.Lo/s.Median)
	return fmt.Sprintf("±%.0f%%", 100*math.Abs(v))
}

// Change is a metric compared between a baseline and a new run.
type Change struct {
	Old, New    Summary
	Pct         float64 // (new/old - 1) * 100
	P           float64 // Mann-Whitney U test p-value
	Significant bool    // P < alpha
	// Detectable is false when the sample sizes cannot give a p-value
	// under alpha whatever the values (2+2 samples: at best p = 0.33).
	Detectable bool
	Note       string // why a difference cannot be significant, when it cannot
}

// compare tests old against new as benchstat does: medians, and the
// Mann-Whitney U test at level alpha.
func compare(old, new []float64, alpha float64) Change {
	c := Change{Old: summarize(old), New: summarize(new)}
	if c.Old.Median != 0 {
		c.Pct = (c.New.Median/c.Old.Median - 1) * 100
	}
	s1 := benchmath.NewSample(append([]float64(nil), old...), &benchmath.DefaultThresholds)
	s2 := benchmath.NewSample(append([]float64(nil), new...), &benchmath.DefaultThresholds)
	cmp := benchmath.AssumeNothing.Compare(s1, s2)
	c.P = cmp.P
	c.Significant = cmp.P < alpha && c.Old.Median != c.New.Median
	c.Detectable = minPValue(len(old), len(new)) < alpha
	if !c.Detectable {
		c.Note = fmt.Sprintf("%d+%d samples cannot reach p < %g", len(old), len(new), alpha)
	} else if len(cmp.Warnings) > 0 {
		c.Note = cmp.Warnings[0].Error()
	}
	return c
}

// minPValue is the smallest two-sided p-value the exact Mann-Whitney U
// test gives for samples of n and m values: both orderings where one
// sample lies wholly above the other, out of C(n+m, n).
func minPValue(n, m int) float64 {
	if n == 0 || m == 0 {
		return 1
	}
	ways := 1.0
	for i := 1; i <= n; i++ {
		ways = ways * float64(m+i) / float64(i)
	}
	return math.Min(1, 2/ways)
}
