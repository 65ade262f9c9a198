package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/reactorbench/reactorbench/bench/results"
	"github.com/reactorbench/reactorbench/core"
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

// fdSlack is what a server or load generator process keeps of the
// descriptor limit for itself (listener, poller, standard streams, runtime).
const fdSlack = 100

// maxEchoConns caps the ladder on machines with huge descriptor limits.
const maxEchoConns = 50000

// clientBoundPct is the load generator CPU share past which a point's
// throughput is the client's, not the server's.
const clientBoundPct = 90

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
	p.wide = map[int]bool{1000: true}
	return p
}

// repeatsAt is the number of repeats at C connections: all of them up to
// 1000, half (at least three) beyond, where each sample spends seconds
// connecting and closing; it keeps the main command near five minutes.
func (p echoPlan) repeatsAt(conns int) int {
	if conns <= 1000 || p.repeats <= 3 {
		return p.repeats
	}
	return max((p.repeats+1)/2, 3)
}

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
	return max(min(int(noFileLimit())-fdSlack, maxEchoConns), 1)
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
	return len(planEcho(o).points()) * implCount(o)
}

func runEchoWorkload(ctx context.Context, o *Options, emit func(results.Result)) error {
	p := planEcho(o)
	if most := maxConns(); p.ladder[len(p.ladder)-1] == most && !o.Quick {
		o.note("echo: connection ladder ends at C=%d, the descriptor limit %d less %d for the process itself", most, noFileLimit(), fdSlack)
	}
	w0, d0, _ := p.timing(1)
	wn, dn, stretch := p.timing(p.ladder[len(p.ladder)-1])
	o.note("echo: closed loop (each connection sends one message and waits for its whole echo before the next); warm-up %v to %v and window %v to %v as C grows, %d repeats; the window stretches up to %v until every connection has been served once, and a connection still unserved then counts as starved",
		w0, wn, d0, dn, p.repeats, stretch)
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
				cfg:     LoadConfig{Conns: conns, Size: size, Warmup: warmup, Duration: window, MaxDuration: stretch},
				repeats: p.repeatsAt(conns),
			})
		}
		return pts
	}
	measure := func(ctx context.Context, srv *server, cfg LoadConfig) (results.Sample, error) {
		return echoSample(ctx, srv, cfg, p.perProc, p.repeats)
	}
	return measurePoints(ctx, o, "echo", availableImpls(o, "echo"), points, measure, emit)
}

// netPoint is one measured point of a network workload; cfg lacks the
// server's address, which measurePoints fills in.
type netPoint struct {
	name    string
	params  map[string]string
	cfg     LoadConfig
	repeats int
}

// measurePoints measures the points that points(impl) lists, the same
// number for every impl, with one server process per impl kept for the
// whole workload. Repeats interleave the implementations, so a slow spell
// of the machine hits all of them alike. A server that fails is noted,
// and restarted for its next point.
func measurePoints(ctx context.Context, o *Options, workload string, impls []string, points func(impl string) []netPoint,
	measure func(context.Context, *server, LoadConfig) (results.Sample, error), emit func(results.Result)) error {
	servers := map[string]*server{}
	defer func() {
		for _, srv := range servers {
			srv.stop()
		}
	}()
	pts := map[string][]netPoint{}
	n := 0
	for _, impl := range impls {
		pts[impl] = points(impl)
		n = len(pts[impl])
	}
	for i := 0; i < n; i++ {
		res := make([]results.Result, len(impls))
		failed := make([]string, len(impls))
		for j, impl := range impls {
			pt := pts[impl][i]
			res[j] = results.Result{Name: pt.name, Workload: workload, Impl: impl, Params: pt.params}
		}
		for rep := 0; rep < pts[impls[0]][i].repeats; rep++ {
			for j, impl := range impls {
				if failed[j] != "" {
					continue
				}
				srv := servers[impl]
				if srv == nil {
					var err error
					if srv, err = startWarmServer(ctx, impl); err != nil {
						if ctx.Err() != nil {
							return ctx.Err()
						}
						failed[j] = err.Error()
						continue
					}
					servers[impl] = srv
				}
				cfg := pts[impl][i].cfg
				cfg.Addr = srv.addr
				s, err := measure(ctx, srv, cfg)
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if err != nil {
					failed[j] = err.Error()
					srv.stop()
					delete(servers, impl)
					continue
				}
				res[j].Samples = append(res[j].Samples, s)
			}
		}
		for j, r := range res {
			if failed[j] != "" {
				o.note("%s %s: %s", workload, r.Name, failed[j])
			}
			if n := boundSamples(r.Samples); n > 0 {
				o.note("%s %s: the load generator passed %d%% of its core in %d of %d samples (client-bound): throughput there is the client's ceiling; compare server CPU per round trip", workload, r.Name, clientBoundPct, n, len(r.Samples))
			}
			o.progress(r.Name)
			if len(r.Samples) > 0 {
				emit(r)
			}
		}
	}
	return nil
}

func boundSamples(ss []results.Sample) int {
	n := 0
	for _, s := range ss {
		if s.Metrics[results.ClientBound] == 1 {
			n++
		}
	}
	return n
}

// loadProcs starts the load generator processes for cfg, perProc
// connections each at most, and waits until each has connected.
func loadProcs(ctx context.Context, cfg LoadConfig, perProc int) ([]*child, error) {
	n := (cfg.Conns + perProc - 1) / perProc
	var procs []*child
	fail := func(err error) ([]*child, error) {
		for _, c := range procs {
			c.stop()
		}
		return nil, err
	}
	left := cfg.Conns
	for i := 0; i < n; i++ {
		c := cfg
		c.Conns = (left + (n - i) - 1) / (n - i)
		left -= c.Conns
		c.SourceBase = i * 4096
		ch, err := startChild(roleLoad, fmt.Sprintf("load generator %d/%d", i+1, n))
		if err != nil {
			return fail(err)
		}
		ch.grace = 5 * time.Second
		procs = append(procs, ch)
		b, err := jsonLine(c)
		if err != nil {
			return fail(err)
		}
		if err := ch.send(b); err != nil {
			return fail(err)
		}
	}
	for _, ch := range procs {
		var rd loadReady
		if err := ch.recvJSON(ctx, &rd); err != nil {
			return fail(err)
		}
	}
	return procs, nil
}

// spreadNeeded reports whether conns connections, reopened over repeats,
// could run the ephemeral port range short (closed ones wait in TIME_WAIT).
func spreadNeeded(conns, repeats int) bool {
	lo, hi := 32768, 60999
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			lo, _ = strconv.Atoi(f[0])
			hi, _ = strconv.Atoi(f[1])
		}
	}
	return conns*repeats > (hi-lo+1)/2
}

// echoSample runs one repeat of cfg against srv: fresh connections, warm-up,
// then the window, reading the server's CPU and counters at its edges.
func echoSample(ctx context.Context, srv *server, cfg LoadConfig, perProc, repeats int) (results.Sample, error) {
	cfg.Spread = spreadNeeded(cfg.Conns, repeats)
	procs, err := loadProcs(ctx, cfg, perProc)
	if err != nil {
		return results.Sample{}, err
	}
	defer func() {
		for _, c := range procs {
			c.stop()
		}
	}()
	edge0, edge1, total, err := runWindow(ctx, srv, procs)
	if err != nil {
		return results.Sample{}, err
	}
	s := loadSample(total)
	serverMetrics(s.Metrics, results.ServerCPUNsPerRT, srv, edge0, edge1, total.Window, float64(total.RoundTrips))
	for _, c := range procs {
		c.stop() // the load generators reset their connections on the way out
	}
	settle(srv)
	return s, nil
}

// startWarmServer starts impl and warms it with a few round trips, so the
// first sample does not pay for page faults and lazy compilation.
func startWarmServer(ctx context.Context, impl string) (*server, error) {
	srv, err := startServer(ctx, impl)
	if err != nil {
		return nil, err
	}
	r, err := RunLoad(LoadConfig{Addr: srv.addr, Conns: 2, Size: 64, Duration: 50 * time.Millisecond})
	if err == nil {
		err = r.Error()
	}
	if err != nil {
		srv.stop()
		return nil, fmt.Errorf("server %s: warm-up: %w", impl, err)
	}
	return srv, nil
}

// runWindow starts the load processes' warm-up and window, reads the
// server at the window's edges as the processes report them, and returns
// the edges and the merged result. A wrong echo is an error.
func runWindow(ctx context.Context, srv *server, procs []*child) (e0, e1 edge, total *LoadResult, err error) {
	for _, c := range procs {
		if err = c.send(cmdRun); err != nil {
			return
		}
	}
	for _, want := range []string{edgeStart, edgeEnd} {
		for _, c := range procs {
			var m edgeMsg
			if err = c.recvJSON(ctx, &m); err != nil {
				return
			}
			if m.Edge != want {
				err = fmt.Errorf("%s: expected the window's %s, got %q", c.name, want, m.Edge)
				return
			}
		}
		e := &e0
		if want == edgeEnd {
			e = &e1
		}
		if *e, err = readEdge(ctx, srv); err != nil {
			return
		}
	}
	for _, c := range procs {
		var r LoadResult
		if err = c.recvJSON(ctx, &r); err != nil {
			return
		}
		if total == nil {
			total = &r
		} else {
			total.Merge(&r)
		}
	}
	err = total.Error()
	return
}

// edge is what the parent reads of the server at a window edge.
type edge struct {
	at       time.Time
	cpu      time.Duration
	counters core.Counters
	counted  bool
}

func readEdge(ctx context.Context, srv *server) (edge, error) {
	e := edge{at: time.Now()}
	var err error
	if e.cpu, err = srv.cpu(); err != nil {
		return e, fmt.Errorf("server %s: %w", srv.impl, err)
	}
	if srv.isReactor() {
		if e.counters, err = srv.counters(ctx); err != nil {
			return e, err
		}
		e.counted = true
	}
	return e, nil
}

// loadSample turns a load result into a sample's client-side metrics.
func loadSample(r *LoadResult) results.Sample {
	m := map[string]float64{
		results.Starved:        float64(r.Starved),
		results.Dropped:        float64(r.Died),
		results.NeverConnected: float64(r.NeverConnected),
	}
	secs := r.Window.Seconds()
	if secs > 0 {
		m[results.RoundTripsPerSec] = float64(r.RoundTrips) / secs
		pct := 100 * r.ClientCPU.Seconds() / secs
		m[results.ClientCPUPercent] = pct
		m[results.ClientBound] = 0
		if pct > clientBoundPct {
			m[results.ClientBound] = 1
		}
	}
	s := results.Sample{Metrics: m, Iters: r.RoundTrips}
	h := r.Hist()
	if h.TotalCount() > 0 {
		m[results.P50Ns] = float64(h.ValueAtQuantile(50))
		m[results.P99Ns] = float64(h.ValueAtQuantile(99))
		m[results.P999Ns] = float64(h.ValueAtQuantile(99.9))
		s.Latency = &results.Histogram{Buckets: r.Latency, Count: h.TotalCount(), MinNs: h.Min(), MaxNs: h.Max()}
	}
	return s
}

// serverMetrics adds the server's CPU per unit of work, its CPU share, its
// peak RSS and, for the reactor backends, its system calls per unit, all
// read over the parent's window and scaled to the load generator's.
func serverMetrics(m map[string]float64, cpuUnit string, srv *server, e0, e1 edge, window time.Duration, units float64) {
	span := e1.at.Sub(e0.at).Seconds()
	if span <= 0 {
		return
	}
	cpuPerSec := (e1.cpu - e0.cpu).Seconds() / span
	m["server-cpu-%"] = 100 * cpuPerSec
	if units > 0 && window > 0 {
		unitsPerSec := units / window.Seconds()
		m[cpuUnit] = cpuPerSec / unitsPerSec * 1e9
		if e0.counted && e1.counted {
			c0, c1 := e0.counters, e1.counters
			calls := float64((c1.Waits - c0.Waits) + (c1.Sets - c0.Sets) + (c1.Reads - c0.Reads) + (c1.Writes - c0.Writes))
			m[results.SyscallsPerEvent] = calls / span / unitsPerSec
		}
	}
	if rss, err := procStatus(srv.pid, "VmHWM"); err == nil {
		m[results.ServerPeakRSS] = float64(rss)
	}
}

// settle waits until the server has gone quiet, its CPU time still over
// 100 ms, so that closing the last sample's connections (Twisted's poll
// reactor needs seconds of CPU for 20,000) does not spill into the next
// sample, this server's or another's on the same CPU. It gives up after
// settleLimit.
func settle(srv *server) {
	deadline := time.Now().Add(settleLimit)
	last, err := srv.cpu()
	for err == nil && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		var now time.Duration
		if now, err = srv.cpu(); err == nil && now-last < 2*time.Millisecond {
			return
		}
		last = now
	}
}

// settleLimit bounds settle.
const settleLimit = 30 * time.Second

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func init() {
	RegisterWorkload(Workload{
		Name:   "echo",
		Doc:    "closed-loop echo over C connections, per backend and peer: server CPU per round trip, round trips/s, latency, fairness",
		Points: echoPoints,
		Run:    runEchoWorkload,
	})
}
