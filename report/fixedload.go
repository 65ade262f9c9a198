package report

import (
	"fmt"
	"strings"

	"github.com/reactorbench/reactorbench/bench/results"
)

// The fixed-load figures: each implementation at the same ladder of
// offered rates (open loop), so server CPU per request and latency
// compare at equal work, not at whatever rate the load generator could
// drive.

// fixedLoadFigure draws metric against the offered rate; the prose and
// summary look at the lowest step as well as the highest.
func fixedLoadFigure(id, title, short, metric string, logY bool) func(ix index) []*Figure {
	return func(ix index) []*Figure {
		fig := lineFigure(ix, lineSpec{id: id, title: title, short: short,
			xlabel: "offered load (requests per second)", xUnit: unitRate,
			workload: "fixed-load", xParam: "rate", metric: metric, logY: logY, ref: "gonet", markBound: true})
		if fig == nil {
			return nil
		}
		if xs := fig.xs(); len(xs) > 1 {
			fig.KeyX = xs[0]
		}
		return one(fig)
	}
}

// explainFixedLoad is the paragraph under a fixed-load figure: the
// ranking at the lowest and highest step, how each implementation's value
// changes between them (only where the intervals tell), and the marks.
func explainFixedLoad(why string) func(f *Figure) string {
	return func(f *Figure) string {
		return rankingText(f) + fixedTrend(f) + fixedMarks(f) + " " + why
	}
}

// fixedTrend says how each implementation's value changes from its
// lowest offered rate to its highest: falls, rises, or no change the
// intervals can tell from noise.
func fixedTrend(f *Figure) string {
	var falls, rises, flat []string
	lo, hi := 0.0, 0.0
	for _, s := range f.Series {
		if len(s.Points) < 2 {
			continue
		}
		a, b := s.Points[0], s.Points[len(s.Points)-1]
		lo, hi = a.X, b.X
		span := fmt.Sprintf("%s (%s to %s)", displayName(s.Impl), f.YUnit.format(a.Y.Median), f.YUnit.format(b.Y.Median))
		switch {
		case !separated(a.Y, b.Y) || a.Y.Median <= 0 || b.Y.Median <= 0:
			flat = append(flat, displayName(s.Impl))
		case b.Y.Median > a.Y.Median:
			rises = append(rises, span)
		default:
			falls = append(falls, span)
		}
	}
	var parts []string
	if len(falls) > 0 {
		parts = append(parts, "it falls for "+strings.Join(falls, ", "))
	}
	if len(rises) > 0 {
		parts = append(parts, "it rises for "+strings.Join(rises, ", "))
	}
	if len(flat) > 0 {
		parts = append(parts, "the intervals tell no change from noise for "+strings.Join(flat, ", "))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf(" From %s to %s offered, %s.", unitRate.format(lo), unitRate.format(hi), strings.Join(parts, "; "))
}

// fixedMarks counts the points that did not get the load they were
// offered: behind (§) or client-bound (†).
func fixedMarks(f *Figure) string {
	bound, late := 0, 0
	for _, s := range f.Series {
		for _, p := range s.Points {
			if p.ClientBound {
				bound++
			}
			if p.Behind {
				late++
			}
		}
	}
	var t string
	if late > 0 {
		t += fmt.Sprintf(" %d point(s), marked §, fell short of the offered rate: the server or the client did not keep up, so they are not at equal load.", late)
	}
	if bound > 0 {
		t += fmt.Sprintf(" %d point(s), marked †, had the load generator past %d%% of its core: it may have sent late, so their latency is partly the client's.", bound, results.ClientBoundPercent)
	}
	return t
}
