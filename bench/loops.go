package bench

import (
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/reactorbench/reactorbench/core"
	"github.com/reactorbench/reactorbench/reactors"
)

// The loops dimension: every network workload runs its servers on each
// loop count of Options.Loops. A reactor backend serves on a core.Group of
// that many loops, Go net with GOMAXPROCS at the count, netpoll with as
// many pollers; peers with one event loop per process (Node.js, Twisted)
// run at one loop only. The server gets as many CPUs as loops, the load
// generators what is left (see layoutFor).

// MaxLoops bounds a -loops value.
const MaxLoops = 64

// The environment that carries a child's share of the machine.
const (
	loopsEnv = "REACTORBENCH_LOOPS" // a server child's loop count
	cpuEnv   = "REACTORBENCH_CPU"   // the CPU a load child pins itself to
)

// ParseLoops reads a -loops value, "N,..." with each N from 1 to
// MaxLoops, into ascending distinct counts.
func ParseLoops(value string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(value, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > MaxLoops {
			return nil, fmt.Errorf("loop count %q: want whole numbers from 1 to %d, comma-separated", f, MaxLoops)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// loopCounts is o.Loops, or one loop.
func (o *Options) loopCounts() []int {
	if len(o.Loops) == 0 {
		return []int{1}
	}
	return o.Loops
}

// scalesAcrossLoops reports whether impl can serve on more than one loop.
func scalesAcrossLoops(impl string) bool {
	if _, err := reactors.Lookup(impl); err == nil {
		return true
	}
	p, ok := lookupPeer(impl)
	return ok && p.loops
}

// implsAt is the part of impls that runs at the loop count.
func implsAt(impls []string, loops int) []string {
	if loops == 1 {
		return impls
	}
	var out []string
	for _, impl := range impls {
		if scalesAcrossLoops(impl) {
			out = append(out, impl)
		}
	}
	return out
}

// netImplCount is the number of (implementation, loop count) pairs a
// network workload measures under o.
func netImplCount(o *Options) int {
	n := 0
	for _, loops := range o.loopCounts() {
		for _, impl := range availableNames(o) {
			if loops == 1 || scalesAcrossLoops(impl) {
				n++
			}
		}
	}
	return n
}

// availableNames is what availableImpls returns, without recording skips.
func availableNames(o *Options) []string {
	impls := append([]string(nil), o.Reactors...)
	for _, p := range o.Peers {
		if _, _, ok := peerMissing(p); ok {
			impls = append(impls, p)
		}
	}
	return impls
}

// noteOneLoop says, once per workload, which implementations stay at one
// loop when the run asks for more.
func noteOneLoop(o *Options, workload string, impls []string) {
	if slices.Max(o.loopCounts()) == 1 {
		return
	}
	for _, impl := range impls {
		if !scalesAcrossLoops(impl) {
			p, _ := lookupPeer(impl)
			o.note("%s: %s runs one event loop per process (%s), so it is measured at loops=1 only", workload, impl, p.oneLoop)
		}
	}
}

// atLoops is pt for a server on loops loops laid out as l: tagged with
// the loop count and both sides' CPUs, and named with the count when it
// is not one (so one-loop names stay those of earlier runs).
func (pt netPoint) atLoops(loops int, l cpuLayout) netPoint {
	pt.params = maps.Clone(pt.params)
	pt.params["loops"] = strconv.Itoa(loops)
	pt.params["server-cpus"] = cpuList(l.server)
	pt.params["load-cpus"] = cpuList(l.load)
	if loops != 1 {
		parts := strings.Split(pt.name, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, "impl=") {
				parts = slices.Insert(parts, i+1, "loops="+strconv.Itoa(loops))
				break
			}
		}
		pt.name = strings.Join(parts, "/")
	}
	return pt
}

// cpuLayout is where a server on some loops and its load generators run:
// CPU numbers, empty when not pinned.
type cpuLayout struct {
	server, load []int
}

// layoutFor splits cores between a server on loops loops and its load
// generators: the server takes the first min(loops, cores) CPUs; the load
// generators one CPU each of the rest, up to one per loop; when none is
// left they share the last CPU with the server. On one CPU nothing is
// pinned.
func layoutFor(loops, cores int) cpuLayout {
	if cores < 2 {
		return cpuLayout{}
	}
	n := min(loops, cores)
	var l cpuLayout
	for c := range n {
		l.server = append(l.server, c)
	}
	for c := n; c < cores && len(l.load) < loops; c++ {
		l.load = append(l.load, c)
	}
	if len(l.load) == 0 {
		l.load = []int{cores - 1}
	}
	return l
}

// shared reports whether the load generators run on a server CPU.
func (l cpuLayout) shared() bool {
	for _, c := range l.load {
		if slices.Contains(l.server, c) {
			return true
		}
	}
	return false
}

// cpuList prints CPU numbers as "0", "0-3" or "0,2"; "any" when none.
func cpuList(cpus []int) string {
	if len(cpus) == 0 {
		return "any"
	}
	contiguous := true
	for i := 1; i < len(cpus); i++ {
		contiguous = contiguous && cpus[i] == cpus[i-1]+1
	}
	if contiguous && len(cpus) > 1 {
		return fmt.Sprintf("%d-%d", cpus[0], cpus[len(cpus)-1])
	}
	s := make([]string, len(cpus))
	for i, c := range cpus {
		s[i] = strconv.Itoa(c)
	}
	return strings.Join(s, ",")
}

// layoutNote says where each loop count's processes run.
func layoutNote(loops []int, cores int) string {
	var parts []string
	for _, n := range loops {
		l := layoutFor(n, cores)
		if len(l.server) == 0 {
			return "not pinned (one CPU)"
		}
		s := fmt.Sprintf("loops=%d: server cpu %s, load generator cpu %s", n, cpuList(l.server), cpuList(l.load))
		if l.shared() {
			s += " (shared with the server: compare server CPU per round trip)"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// childLoops is a server child's loop count from its environment.
func childLoops() (int, error) {
	v := os.Getenv(loopsEnv)
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxLoops {
		return 0, fmt.Errorf("%s=%q: want 1 to %d", loopsEnv, v, MaxLoops)
	}
	return n, nil
}

// childCPU is the CPU a load child pins itself to: from its environment,
// else the load generator's CPU at one loop.
func childCPU() (int, error) {
	v := os.Getenv(cpuEnv)
	if v == "" {
		if l := layoutFor(1, runtime.NumCPU()); len(l.load) > 0 {
			return l.load[0], nil
		}
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n >= runtime.NumCPU() {
		return 0, fmt.Errorf("%s=%q: want a CPU from 0 to %d", cpuEnv, v, runtime.NumCPU()-1)
	}
	return n, nil
}

// serverCounters is a reactor server's answer to "counters": its loops'
// counters summed, and each loop's open connections.
type serverCounters struct {
	core.Counters
	LoopConns []int64 `json:"loop_conns,omitempty"`
}

// sumCounters adds up a group's counters.
func sumCounters(cs []core.Counters) serverCounters {
	var s serverCounters
	for _, c := range cs {
		s.Waits += c.Waits
		s.Sets += c.Sets
		s.Events += c.Events
		s.Reads += c.Reads
		s.Writes += c.Writes
		s.Wakes += c.Wakes
		s.Again += c.Again
		s.Enters += c.Enters
		s.Completions += c.Completions
		s.EntersCounted = s.EntersCounted || c.EntersCounted
		s.Completion = s.Completion || c.Completion
		s.Accepted += c.Accepted
		s.Conns += c.Conns
		s.LoopConns = append(s.LoopConns, c.Conns)
	}
	return s
}
