package report

import (
	"fmt"
	"strings"

	"github.com/reactorbench/reactorbench/bench/results"
)

// The comparison people come for: each implementation's server CPU per
// round trip divided by epoll's, per C, with an interval, io_uring's two
// backends beside the peers.

// ioUringImpls are the backends the figure is about.
var ioUringImpls = []string{"uring", "uring-poll"}

// uringFigure draws, for one message size, every implementation's server
// CPU per round trip as a ratio to epoll's at the same C; nil unless the
// run has epoll and an io_uring backend.
func uringFigure(ix index, size string) *Figure {
	base := lineFigure(ix, lineSpec{id: "uring-base", workload: "echo", xParam: "conns", metric: results.ServerCPUNsPerRT,
		filter: map[string]string{"size": size}, logX: true, ref: "epoll", keyX: 1000})
	if base == nil || base.Bars || base.series("epoll") == nil || !hasAny(base, ioUringImpls) {
		return nil
	}
	fig := &Figure{ID: "uring-vs-epoll-" + size, Title: "io_uring ÷ epoll, server CPU per round trip, " + size + " B messages",
		Short: "io_uring ÷ epoll, " + size + " B", XLabel: "connections (C)", YLabel: "server CPU per round trip ÷ epoll's",
		YUnit: unitRatio, LogX: true, Lower: true, KeyX: 1000, Size: size, base: base}
	epoll := base.series("epoll")
	for _, s := range base.Series {
		if s.Impl == "epoll" {
			continue
		}
		r := Series{Impl: s.Impl}
		for _, p := range s.Points {
			if e, ok := epoll.at(p.X); ok && e.Y.Lo > 0 && p.Y.N > 0 {
				r.Points = append(r.Points, Point{X: p.X, Y: ratioOf(p.Y, e.Y), Lost: p.Lost})
			}
		}
		if len(r.Points) > 0 {
			fig.Series = append(fig.Series, r)
		}
	}
	fig.Notes = base.Notes
	return fig
}

func hasAny(f *Figure, impls []string) bool {
	for _, impl := range impls {
		if f.series(impl) != nil {
			return true
		}
	}
	return false
}

// ratioOf is a/b with the widest interval the two intervals allow.
func ratioOf(a, b Summary) Summary {
	return Summary{N: min(a.N, b.N), Median: a.Median / b.Median, Lo: a.Lo / b.Hi, Hi: a.Hi / b.Lo, Range: a.Range || b.Range}
}

// explainUring says, at C=1000 and the largest C, what each io_uring
// backend and each peer costs against epoll, and calls it cheaper or
// dearer only where the two implementations' own intervals separate.
func explainUring(f *Figure) string {
	epoll := f.base.series("epoll")
	var parts []string
	for _, x := range f.keyXs() {
		e, ok := epoll.at(x)
		if !ok {
			continue
		}
		var says []string
		for _, s := range f.Series {
			r, ok1 := s.at(x)
			raw, ok2 := f.base.series(s.Impl).at(x)
			if !ok1 || !ok2 {
				continue
			}
			verdict := undecided(raw.Y, e.Y)
			if separated(raw.Y, e.Y) {
				verdict = "cheaper"
				if raw.Y.Median > e.Y.Median {
					verdict = "dearer"
				}
			}
			says = append(says, fmt.Sprintf("%s %s (%s..%s, %s)", displayName(s.Impl), unitRatio.format(r.Y.Median),
				unitRatio.format(r.Y.Lo), unitRatio.format(r.Y.Hi), verdict))
		}
		if len(says) > 0 {
			parts = append(parts, fmt.Sprintf("At %s, against epoll's %s per round trip: %s.", f.atLabel(x),
				unitNs.format(e.Y.Median), strings.Join(says, "; ")))
		}
	}
	return strings.Join(parts, " ") + " Below 1 is cheaper than epoll. The interval is the widest the two medians' intervals allow; a ratio is called cheaper or dearer only where the two implementations' intervals do not overlap. uring does its reads and writes in the ring (one io_uring_enter per pass); uring-poll only replaces epoll_wait and epoll_ctl, so it still pays a read and a write per round trip."
}
