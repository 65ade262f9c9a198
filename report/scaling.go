package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/reactorbench/reactorbench/bench/results"
)

// loopsParam is the parameter holding a network result's loop count: the
// server's event loops (or GOMAXPROCS for Go net), with as many CPUs.
const loopsParam = "loops"

// multiLoop is the index key of a workload's results on more than one loop.
func multiLoop(workload string) string { return workload + " loops>1" }

// loopConns is one implementation's connections per loop at one loop
// count: the medians over the runs of its least and most loaded loop.
type loopConns struct {
	Impl         string
	Loops        float64
	Fewest, Most float64
	Imbalance    Summary
	Conns        string
}

// scalingPoint says which echo point the scaling figures draw: the first
// message size measured on several loops, at the largest C measured there.
func scalingPoint(ix index) (size, conns string, ok bool) {
	multi := ix[multiLoop("echo")]
	sizes := sortedParams(multi, "size")
	if len(sizes) == 0 {
		return "", "", false
	}
	var atSize []*results.Result
	for _, r := range multi {
		if r.Params["size"] == sizes[0] {
			atSize = append(atSize, r)
		}
	}
	cs := sortedParams(atSize, "conns")
	if len(cs) == 0 {
		return "", "", false
	}
	return sizes[0], cs[len(cs)-1], true
}

// scalingFigures draws echo against the number of loops at one point:
// round trips per second, server CPU per round trip, and how evenly the
// connections spread over the loops. None without a multi-loop run.
func scalingFigures(ix index) []*Figure {
	size, conns, ok := scalingPoint(ix)
	if !ok {
		return nil
	}
	all := index{"echo": append(append([]*results.Result(nil), ix["echo"]...), ix[multiLoop("echo")]...)}
	at := fmt.Sprintf("C=%s, %s B messages", unitCount.format(mustFloat(conns)), size)
	spec := func(id, title, short, metric string, markBound bool) lineSpec {
		return lineSpec{id: id, title: title + " against loops, " + at, short: short, xlabel: "loops (server cores)",
			workload: "echo", xParam: loopsParam, metric: metric, filter: map[string]string{"size": size, "conns": conns},
			markBound: markBound}
	}
	var out []*Figure
	for _, sp := range []lineSpec{
		spec("loops-rts", "Echo round trips per second", "Scaling: round trips/s", results.RoundTripsPerSec, true),
		spec("loops-cpu", "Server CPU per round trip", "Scaling: server CPU/round trip", results.ServerCPUNsPerRT, false),
		spec("loops-balance", "Connections per loop, busiest over least loaded,", "", results.LoopImbalance, false),
	} {
		fig := lineFigure(all, sp)
		if fig == nil {
			continue
		}
		if sp.metric == results.LoopImbalance {
			fig.LoopConns = loopConnsAt(all["echo"], size, conns)
		}
		out = append(out, fig)
	}
	return out
}

func mustFloat(v string) float64 {
	x, _ := strconv.ParseFloat(v, 64)
	return x
}

// loopConnsAt lists, per implementation and loop count, the medians of
// the fewest and most connections one loop held.
func loopConnsAt(rs []*results.Result, size, conns string) []loopConns {
	var out []loopConns
	for _, r := range rs {
		loops, ok := paramFloat(r, loopsParam)
		if !ok || r.Params["size"] != size || r.Params["conns"] != conns {
			continue
		}
		lo, hi := values(r, results.LoopConnsMin), values(r, results.LoopConnsMax)
		if len(lo) == 0 || len(hi) == 0 {
			continue
		}
		out = append(out, loopConns{Impl: r.Impl, Loops: loops, Fewest: summarize(lo).Median, Most: summarize(hi).Median,
			Imbalance: summarize(values(r, results.LoopImbalance)), Conns: conns})
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, si := implRank(out[i].Impl)
		rj, sj := implRank(out[j].Impl)
		if ri != rj || si != sj {
			return ri < rj || ri == rj && si < sj
		}
		return out[i].Loops < out[j].Loops
	})
	return out
}

// versusOne is a series' point at n loops against its point at one loop.
func versusOne(s *Series, n float64) (one, at Point, ok bool) {
	one, ok1 := s.at(1)
	at, ok2 := s.at(n)
	return one, at, ok1 && ok2 && n > 1 && one.Y.Median > 0
}

// explainScaling says, per implementation, what more loops bought: the
// ratio of medians to one loop, as a share of linear for throughput,
// and whether the intervals separate at all.
func explainScaling(f *Figure) string {
	xs := f.xs()
	if len(xs) == 0 {
		return "No result."
	}
	n := xs[len(xs)-1]
	var parts []string
	for i := range f.Series {
		s := &f.Series[i]
		one, at, ok := versusOne(s, n)
		if !ok {
			continue
		}
		ratio := at.Y.Median / one.Y.Median
		var t string
		switch f.ID {
		case "loops-rts":
			t = fmt.Sprintf("%s: %s loops give %s the round trips per second of one (%s of linear)", displayName(s.Impl),
				fmtSig(n), fmtRatio(ratio), fmtSig(100*ratio/n)+"%")
		case "loops-cpu":
			t = fmt.Sprintf("%s: server CPU per round trip at %s loops is %s that at one", displayName(s.Impl), fmtSig(n), fmtRatio(ratio))
		default:
			t = fmt.Sprintf("%s: at %s loops the busiest loop held %s the connections of the least loaded", displayName(s.Impl), fmtSig(n), fmtRatio(at.Y.Median))
		}
		if f.ID != "loops-balance" && !separated(one.Y, at.Y) {
			t += ", a difference the intervals do not separate"
		}
		parts = append(parts, t)
	}
	text := strings.Join(parts, "; ")
	if text != "" {
		text += ". "
	}
	switch f.ID {
	case "loops-rts":
		return text + "Each loop count ran with the server allowed as many CPUs; the environment says which CPUs the server and the load generator had. Where they share cores, as they must once loops and load generator together outnumber the cores, round trips per second understate the server: compare server CPU per round trip."
	case "loops-cpu":
		return text + "With nothing shared between loops on the per-event path, server CPU per round trip should stay flat as loops are added; a rise means contention (a shared lock or cache line, or cores shared with the load generator)."
	}
	return text + "A perfect spread is 1. SO_REUSEPORT hashes each connection's addresses onto a loop, so at small C some loops get more than others by chance; one acceptor handing out connections in turn spreads them exactly."
}

// loopConnsTable lists the fewest and most connections one loop held.
func loopConnsTable(f *Figure) table {
	t := table{Head: []string{"implementation", "loops", "connections (C)", "least loaded loop", "busiest loop", "busiest / least loaded"}}
	for _, c := range f.LoopConns {
		t.Rows = append(t.Rows, []cell{
			{Text: displayName(c.Impl), Class: "x"},
			{Text: fmtSig(c.Loops)},
			{Text: commas(int64(mustFloat(c.Conns)))},
			{Text: commas(int64(c.Fewest))},
			{Text: commas(int64(c.Most))},
			{Text: fmtSig(c.Imbalance.Median)},
		})
	}
	t.Foot = []string{"Medians over the runs, read from the server's own per-loop counters at the edge of each timed window (start or end) that saw more of the connections. Only servers with loops of their own report them."}
	return t
}

// scalingTable is the table under the scaling figures: the table of
// medians, or the per-loop connections for the balance figure.
func scalingTable(f *Figure) table {
	if f.ID == "loops-balance" {
		return loopConnsTable(f)
	}
	return medianTable(f)
}

// scalingHeadlines rank the implementations at the most loops measured;
// the balance figure has no winner to name.
func scalingHeadlines(f *Figure) []Headline {
	if f.ID == "loops-balance" {
		return nil
	}
	return rankHeadlines(f)
}
