package report

import (
	"fmt"
	"math"
	"sort"

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
	// Spread says why the runs disagree more than an interval shows:
	// "bimodal" (two clusters), "outlier" (a run far from the others), or
	// "" when they agree.
	Spread string
	vals   []float64
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
	out := Summary{N: len(vals), Median: sum.Center, Lo: sum.Lo, Hi: sum.Hi, Spread: spread(vals), vals: vals}
	if math.IsInf(sum.Lo, 0) || math.IsInf(sum.Hi, 0) {
		out.Lo, out.Hi, out.Range = lo, hi, true
	}
	return out
}

// spread flags a sample whose runs do not agree: two clusters (the
// widest gap between sorted runs is more than twice the spread inside
// both sides, each of at least two runs, and above a tenth of the
// median) or an outlier (a run past the quartiles' extreme fences, or more
// than 5 scaled median absolute deviations from the median).
func spread(xs []float64) string {
	if len(xs) < 3 {
		return ""
	}
	sorted := append([]float64(nil), xs...)
	sort.Float64s(sorted)
	med, _ := stats.Median(sorted)
	if len(sorted) >= 4 {
		gapAt, gap := 0, 0.0
		for i := 1; i < len(sorted); i++ {
			if g := sorted[i] - sorted[i-1]; g > gap {
				gapAt, gap = i, g
			}
		}
		if gapAt >= 2 && len(sorted)-gapAt >= 2 {
			lowSpread, highSpread := sorted[gapAt-1]-sorted[0], sorted[len(sorted)-1]-sorted[gapAt]
			if gap > 2*math.Max(lowSpread, highSpread) && gap > 0.1*math.Abs(med) {
				return "bimodal"
			}
		}
		if q, err := stats.QuartileOutliers(sorted); err == nil && len(q.Extreme) > 0 {
			return "outlier"
		}
	}
	mad, _ := stats.MedianAbsoluteDeviation(sorted)
	scale := math.Max(1.4826*mad, 0.01*math.Abs(med))
	for _, x := range sorted {
		if scale > 0 && math.Abs(x-med) > 5*scale {
			return "outlier"
		}
	}
	return ""
}

// separated reports whether a and b differ beyond their noise: their 95%
// confidence intervals do not overlap, or, with too few runs for
// intervals, their ranges do not overlap and the Mann-Whitney U test
// between the runs gives p < 0.05 (which takes 4 runs on each side).
func separated(a, b Summary) bool {
	if a.N == 0 || b.N == 0 || a.Lo <= b.Hi && b.Lo <= a.Hi {
		return false
	}
	if !a.Range && !b.Range {
		return true
	}
	if minPValue(a.N, b.N) >= 1-confidence {
		return false
	}
	s1 := benchmath.NewSample(append([]float64(nil), a.vals...), &benchmath.DefaultThresholds)
	s2 := benchmath.NewSample(append([]float64(nil), b.vals...), &benchmath.DefaultThresholds)
	return benchmath.AssumeNothing.Compare(s1, s2).P < 1-confidence
}

// tooFewToCall reports whether a and b do not separate only for want of
// runs: their ranges do not overlap, but with so few runs the Mann-Whitney
// U test cannot reach p < 0.05 however far apart they are (3 runs on each
// side cannot). Such a pair is nobody's win, but no tie either.
func tooFewToCall(a, b Summary) bool {
	return a.N > 0 && b.N > 0 && (a.Lo > b.Hi || b.Lo > a.Hi) && (a.Range || b.Range) && minPValue(a.N, b.N) >= 1-confidence
}

// undecided is what the prose says of a and b when they do not separate.
func undecided(a, b Summary) string {
	if tooFewToCall(a, b) {
		return fmt.Sprintf("too few runs to call (%d and %d; their ranges do not overlap)", a.N, b.N)
	}
	return "too close to call"
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
