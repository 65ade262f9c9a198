package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/reactorbench/reactorbench/bench/results"
)

// syscallMix is, at one C, each implementation's median system calls per
// round trip by name, as the kernel counted them.
type syscallMix map[string]map[string]float64

// syscallFigures draws the server's system calls per round trip against
// C: the kernel's count, which covers every implementation, or, for a run
// without it, our loop's own count. Each figure carries the calls by name
// for its prose.
func syscallFigures(ix index) []*Figure {
	figs := echoLines("echo-syscalls-", "System calls per round trip (kernel count)", "Echo system calls/round trip",
		"system calls per round trip", results.KernelSyscallsPerRT, false, false)(ix)
	if len(figs) == 0 {
		return echoLines("echo-syscalls-", "System calls per round trip (the loop's count)", "",
			"system calls per round trip", results.SyscallsPerEvent, false, false)(ix)
	}
	for _, f := range figs {
		f.Syscalls = map[float64]syscallMix{}
		for _, r := range ix["echo"] {
			c, ok := paramFloat(r, "conns")
			if !ok || r.Params["size"] != f.Size {
				continue
			}
			byName := map[string][]float64{}
			for _, s := range r.Samples {
				for name, v := range s.Syscalls {
					byName[name] = append(byName[name], v)
				}
			}
			if len(byName) == 0 {
				continue
			}
			if f.Syscalls[c] == nil {
				f.Syscalls[c] = syscallMix{}
			}
			mix := map[string]float64{}
			for name, vs := range byName {
				// A sample without the name made none of it.
				for len(vs) < len(r.Samples) {
					vs = append(vs, 0)
				}
				mix[name] = summarize(vs).Median
			}
			f.Syscalls[c][r.Impl] = mix
		}
	}
	return figs
}

// explainSyscalls ranks the implementations and says, at each key C, what
// each one's system calls per round trip are made of.
func explainSyscalls(f *Figure) string {
	text := rankingText(f)
	if f.Syscalls == nil {
		return text + " System calls the server made per round trip, by our loop's own count of waits, reads, writes and interest changes (the kernel did not count them in this run, so the peers are missing; see the notes). Below 3 means one wait served several connections."
	}
	for _, x := range f.keyXs() {
		mix := f.Syscalls[x]
		if f.Bars && len(f.Syscalls) == 1 {
			for _, m := range f.Syscalls { // a one-point ladder drawn as bars: x is its index
				mix = m
			}
		}
		var parts []string
		for _, e := range f.rank(x) {
			if m, ok := mix[e.Impl]; ok {
				parts = append(parts, displayName(e.Impl)+" makes "+strconv.FormatFloat(e.P.Y.Median, 'f', 1, 64)+" ("+mixText(m)+")")
			}
		}
		if len(parts) > 0 {
			text += fmt.Sprintf(" At %s, per round trip: %s.", f.atLabel(x), strings.Join(parts, "; "))
		}
	}
	return text + " The kernel counted every system call of each server process (the raw_syscalls tracepoint, with perf) over the timed window only, divided by the round trips the load generator counted in it. One read and one write per round trip is the floor for an echo; the wait (epoll_wait, poll, select) is shared by the connections it finds ready, so it shrinks as load grows; futex and nanosleep are a runtime's own threads (Go's, libuv's); a read or write that returns EAGAIN moved nothing."
}

// mixText lists a mix's calls, most first, those under 0.05 per round
// trip left out.
func mixText(m map[string]float64) string {
	names := make([]string, 0, len(m))
	for n, v := range m {
		if v >= 0.05 {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		if m[names[i]] != m[names[j]] {
			return m[names[i]] > m[names[j]]
		}
		return names[i] < names[j]
	})
	if len(names) > 5 {
		names = names[:5]
	}
	if len(names) == 0 {
		return "no call as often as once in 20 round trips"
	}
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + " " + strconv.FormatFloat(m[n], 'f', 2, 64)
	}
	return strings.Join(parts, ", ")
}
