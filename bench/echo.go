package bench

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/reactorbench/reactorbench/bench/loadgen"
	"github.com/reactorbench/reactorbench/bench/results"
)

// The echo workload: C connections in a closed loop against each backend's
// echo server and each peer's, the server and the load generator in
// processes of their own on CPUs of their own. Its headline is the
// server's CPU per round trip: on a small machine the one-thread load
// generator saturates its core before a fast server does, so round trips
// per second there is the client's ceiling, and such points are marked.

// echoLadder is the connection ladder before the descriptor limit clamps it.
var echoLadder = []int{1, 10, 100, 1000, 5000}

// echoSizes are the message sizes; echoSizesWide the C at which the second
// (1 KiB) size is measured too, to keep the default run short.
var echoSizes = []int{64, 1024}

// maxEchoConns caps the ladder on machines with huge descriptor limits.
const maxEchoConns = 50000

// echoPlan is the shape of an echo run under some Options.
type echoPlan struct {
	ladder  []int
	sizes   []int
	wide    map[int]bool // C measured at every size; the others at the first size only
	quick   bool
	repeats int
	perProc int // connections per load generator process
}

func planEcho(o *Options) echoPlan {
	most := maxConns()
	p := echoPlan{sizes: echoSizes, perProc: most, repeats: max(o.Repeats, 1), quick: o.Quick}
	if !o.Quick {
		p.wide = map[int]bool{1000: true}
	}
	if len(o.Conns) > 0 {
		for _, c := range o.Conns {
			if c = min(c, most); !slices.Contains(p.ladder, c) {
				p.ladder = append(p.ladder, c)
			}
		}
		if o.Quick {
			p.sizes = echoSizes[:1]
		}
		return p
	}
	if o.Quick {
		p.ladder, p.sizes = []int{1, 50}, echoSizes[:1]
		return p
	}
	for _, c := range echoLadder {
		if c < most {
			p.ladder = append(p.ladder, c)
		}
	}
	p.ladder = append(p.ladder, most)
	if o.LargestC {
		p.ladder = p.ladder[len(p.ladder)-1:]
	}
	return p
}

// ParseConns reads a -conns value, "C,..." with each C from 1 to the
// ladder's cap, into ascending distinct counts.
func ParseConns(value string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(value, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > maxEchoConns {
			return nil, fmt.Errorf("connection count %q: want whole numbers from 1 to %d, comma-separated", f, maxEchoConns)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// repeatsAt is the number of repeats at C connections: all of them up to
// 1000, half beyond, where each sample spends seconds connecting and
// closing, but at least minScaleRepeats.
func (p echoPlan) repeatsAt(conns int) int {
	if conns <= 1000 || p.repeats <= minScaleRepeats {
		return p.repeats
	}
	return max((p.repeats+1)/2, minScaleRepeats)
}

// minScaleRepeats is the fewest repeats beyond C=1000 when more were asked
// for: 4, the fewest on each side from which the report's rank-sum test
// can tell two implementations apart at p < 0.05 (3 and 3 cannot).
const minScaleRepeats = 4

// maxRamp bounds how long a closed loop's warm-up waits for every
// connection's first echo; a connection still without one then goes into
// the window, where it counts as starved unless served.
const maxRamp = 10 * time.Second

// timing returns the warm-up, the window and the longest the window may be
// stretched for unserved connections, at C connections. The warm-up grows
// with C so every connection's first round trip is behind it; the window
// stretch bounds what "starved" means.
func (p echoPlan) timing(conns int) (warmup, window, stretch time.Duration) {
	if p.quick {
		return 50 * time.Millisecond, 150 * time.Millisecond, 150 * time.Millisecond
	}
	warmup = 50*time.Millisecond + time.Duration(conns)*5*time.Microsecond
	switch {
	case conns <= 1000:
		window = 200 * time.Millisecond
	case conns <= 5000:
		window = 250 * time.Millisecond
	default:
		window = 300 * time.Millisecond
	}
	return warmup, window, time.Second
}

// maxConns is the largest C the descriptor limit allows one process.
func maxConns() int {
	return min(loadgen.MaxConns(), maxEchoConns)
}

// points lists the (C, size) points of the plan, C ascending.
func (p echoPlan) points() [][2]int {
	var pts [][2]int
	for _, c := range p.ladder {
		for i, s := range p.sizes {
			if i == 0 || p.wide[c] {
				pts = append(pts, [2]int{c, s})
			}
		}
	}
	return pts
}

func echoPoints(o *Options) int {
	return len(planEcho(o).points()) * netImplCount(o)
}

func runEchoWorkload(ctx context.Context, o *Options, emit func(results.Result)) error {
	p := planEcho(o)
	if most := maxConns(); p.ladder[len(p.ladder)-1] == most && !o.Quick && len(o.Conns) == 0 {
		o.note("echo: connection ladder ends at C=%d, the descriptor limit %d less %d for the process itself", most, noFileLimit(), loadgen.FDSlack)
	}
	w0, d0, _ := p.timing(1)
	wn, dn, stretch := p.timing(p.ladder[len(p.ladder)-1])
	o.note("echo: closed loop (each connection sends one message and waits for its whole echo before the next); warm-up %v to %v as C grows, and on until every connection has had its first echo (the ramp, recorded; at most %v), then a window of %v to %v, %d repeats; the window stretches up to %v until every connection has been served in it, and a connection still unserved then counts as starved",
		w0, wn, maxRamp, d0, dn, p.repeats, stretch)
	for _, c := range p.ladder {
		if r := p.repeatsAt(c); r < p.repeats {
			o.note("echo: %d repeats at C=%d, where each sample spends seconds connecting and closing", r, c)
		}
	}
	points := func(impl string) []netPoint {
		var pts []netPoint
		for _, pt := range p.points() {
			conns, size := pt[0], pt[1]
			warmup, window, stretch := p.timing(conns)
			pts = append(pts, netPoint{
				name:    fmt.Sprintf("Echo/impl=%s/conns=%d/size=%d", impl, conns, size),
				params:  map[string]string{"conns": strconv.Itoa(conns), "size": strconv.Itoa(size), "mode": "closed"},
				cfg:     loadgen.Config{Conns: conns, Size: size, Warmup: warmup, MaxWarmup: maxRamp, Duration: window, MaxDuration: stretch},
				repeats: p.repeatsAt(conns),
			})
		}
		return pts
	}
	measure := func(ctx context.Context, srv *server, cfg loadgen.Config) (results.Sample, error) {
		return echoSample(ctx, srv, cfg, p.perProc, p.repeats)
	}
	return measurePoints(ctx, o, "echo", availableImpls(o, "echo"), points, measure, emit)
}

// echoSample runs one repeat of cfg against srv and turns it into the
// sample of the echo workloads: the client's metrics and the server's CPU
// per round trip.
func echoSample(ctx context.Context, srv *server, cfg loadgen.Config, perProc, repeats int) (results.Sample, error) {
	cfg.Spread = spreadNeeded(cfg.Conns, repeats)
	e0, e1, total, err := sampleWindow(ctx, srv, cfg, perProc)
	if err != nil {
		return results.Sample{}, err
	}
	s := loadSample(total)
	boundRamp(s.Metrics, cfg, total)
	serverMetrics(&s, results.ServerCPUNsPerRT, srv, e0, e1, total, float64(total.RoundTrips))
	splitCPU(s.Metrics, e0, e1)
	return s, nil
}

// boundRamp records the warm-up's bound as the ramp of a sample in which
// some connection had no echo within it: the ramp was at least that long,
// and the connection is in the sample's losses.
func boundRamp(m map[string]float64, cfg loadgen.Config, total *loadgen.Result) {
	if _, ok := m[results.RampNs]; !ok && cfg.MaxWarmup > 0 && total.RoundTrips > 0 {
		m[results.RampNs] = float64(max(cfg.MaxWarmup, cfg.Warmup))
	}
}

// minSplitCPU is the least server CPU in a window for a user/system
// split: the kernel charges each scheduler tick wholly to one or the other
// and reports them in 10 ms units, so a split of less is mostly rounding.
const minSplitCPU = 50 * time.Millisecond

// splitCPU divides the server's CPU per round trip into its user and
// system parts, in the proportion the kernel charged to each over the
// window; a window with less than minSplitCPU of both has no split.
func splitCPU(m map[string]float64, e0, e1 edge) {
	total, ok := m[results.ServerCPUNsPerRT]
	du, ds := e1.user-e0.user, e1.sys-e0.sys
	if !ok || du < 0 || ds < 0 || du+ds < minSplitCPU {
		return
	}
	user, sys := du.Seconds(), ds.Seconds()
	m[results.ServerUserNsRT] = total * user / (user + sys)
	m[results.ServerSysNsRT] = total * sys / (user + sys)
}

func init() {
	RegisterWorkload(Workload{
		Name:    "echo",
		Doc:     "closed-loop echo over C connections, per backend and peer: server CPU per round trip, round trips/s, latency, fairness",
		Points:  echoPoints,
		Run:     runEchoWorkload,
		Servers: true,
	})
}
