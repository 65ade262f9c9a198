package bench

import (
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/reactorbench/reactorbench/bench/loadgen"
	"github.com/reactorbench/reactorbench/bench/results"
)

// The shared network runner of the echo, echo-open and connect workloads:
// each point is measured on one server process per implementation, kept
// for the whole workload, with repeats interleaved across
// implementations; each sample opens fresh connections from load
// generator processes of its own, warms up, runs its window (stretched
// until every connection was served once, within a bound), reads the
// server at the window's edges, and waits for the server to go quiet.

// netPoint is one measured point of a network workload; cfg lacks the
// server's address, which measurePoints fills in.
type netPoint struct {
	name    string
	params  map[string]string
	cfg     loadgen.Config
	repeats int
}

// measurePoints measures the points that points(impl) lists, the same
// number for every impl, at each of o's loop counts in turn.
func measurePoints(ctx context.Context, o *Options, workload string, impls []string, points func(impl string) []netPoint,
	measure func(context.Context, *server, loadgen.Config) (results.Sample, error), emit func(results.Result)) error {
	noteOneLoop(o, workload, impls)
	for _, loops := range o.loopCounts() {
		at := implsAt(impls, loops)
		if len(at) == 0 {
			continue
		}
		layout := layoutFor(loops, runtime.NumCPU())
		pointsAt := func(impl string) []netPoint {
			var pts []netPoint
			for _, pt := range points(impl) {
				pts = append(pts, pt.atLoops(loops, layout))
			}
			return pts
		}
		if err := measureAt(ctx, o, workload, loops, at, pointsAt, measure, emit); err != nil {
			return err
		}
	}
	return nil
}

// measureAt measures the points at one loop count, with one server
// process per impl kept for the whole of it. Repeats interleave the
// implementations, so a slow spell of the machine hits all of them alike.
// A server that fails is noted, and restarted for its next point. Only
// one-loop servers are profiled.
func measureAt(ctx context.Context, o *Options, workload string, loops int, impls []string, points func(impl string) []netPoint,
	measure func(context.Context, *server, loadgen.Config) (results.Sample, error), emit func(results.Result)) error {
	servers := map[string]*server{}
	defer func() {
		for _, srv := range servers {
			srv.stop()
		}
	}()
	kernelNoted := map[string]bool{}
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
				conns := pts[impl][i].cfg.Conns
				srv := o.reusable(servers, impl, conns)
				if srv == nil {
					var err error
					profile := ""
					if loops == 1 {
						profile = o.profileFile(workload, impl, conns)
					}
					if srv, err = startWarmServer(ctx, impl, profile, loops); err != nil {
						if ctx.Err() != nil {
							return ctx.Err()
						}
						failed[j] = err.Error()
						continue
					}
					srv.profileConns = conns
					servers[impl] = srv
				}
				cfg := pts[impl][i].cfg
				cfg.Addr = srv.addr
				s, err := measure(ctx, srv, cfg)
				for retry := 0; err == nil && s.Invalid != "" && retry < invalidRetries && ctx.Err() == nil; retry++ {
					o.note("%s %s: a sample was taken again: %s", workload, res[j].Name, s.Invalid)
					s, err = measure(ctx, srv, cfg)
				}
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if err != nil {
					failed[j] = err.Error()
					srv.stop()
					delete(servers, impl)
					continue
				}
				if srv.kernelErr != "" && !kernelNoted[impl] {
					kernelNoted[impl] = true
					o.note("%s: the kernel did not count the system calls of %s (%s); its figures show what the loop counted, if anything", workload, impl, srv.kernelErr)
				}
				res[j].Samples = append(res[j].Samples, s)
			}
		}
		for j, r := range res {
			if failed[j] != "" {
				o.note("%s %s: %s", workload, r.Name, failed[j])
			}
			flagOutliers(r.Samples)
			for k, s := range r.Samples {
				if s.Invalid != "" {
					o.note("%s %s: sample %d of %d is invalid, kept out of medians and rankings: %s", workload, r.Name, k+1, len(r.Samples), s.Invalid)
				}
			}
			if n := boundSamples(r.Samples); n > 0 {
				o.note("%s %s: the load generator passed %d%% of its core in %d of %d samples (client-bound): throughput there is the client's ceiling; compare server CPU per round trip", workload, r.Name, results.ClientBoundPercent, n, len(r.Samples))
			}
			o.progress(r.Name)
			if len(r.Samples) > 0 {
				emit(r)
			}
		}
	}
	return nil
}

// outlierRatio is how far (as a ratio either way) a sample's cost may sit
// from the median of its result's valid samples before it is flagged.
const outlierRatio = 1.5

// outlierMetrics are the costs whose spread flags a sample.
var outlierMetrics = []string{results.ServerCPUNsPerRT, results.ServerCPUNsConn, results.SyscallsPerEvent, results.KernelSyscallsPerRT}

// flagOutliers marks each valid sample whose cost sits outlierRatio or
// more from the median of the result's valid samples (three at least).
// Flagged samples stay in the medians (a median resists one); the report
// shows them.
func flagOutliers(ss []results.Sample) {
	for _, unit := range outlierMetrics {
		var vs []float64
		for _, s := range ss {
			if v, ok := s.Metrics[unit]; ok && s.Invalid == "" {
				vs = append(vs, v)
			}
		}
		if len(vs) < 3 {
			continue
		}
		sort.Float64s(vs)
		med := vs[len(vs)/2]
		if len(vs)%2 == 0 {
			med = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
		}
		for i := range ss {
			x, ok := ss[i].Metrics[unit]
			if !ok || ss[i].Invalid != "" || med <= 0 || (x < outlierRatio*med && x*outlierRatio > med) {
				continue
			}
			why := fmt.Sprintf("%s %.4g against a median of %.4g", results.MetricOf(unit).Label, x, med)
			if ss[i].Outlier != "" {
				why = ss[i].Outlier + "; " + why
			}
			ss[i].Outlier = why
		}
	}
}

func sum(xs []int64) int64 {
	var n int64
	for _, x := range xs {
		n += x
	}
	return n
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
// connections each at most and at least one per CPU of cpus (while there
// are connections for them), each pinned to one of cpus in turn, and
// waits until each has connected.
func loadProcs(ctx context.Context, cfg loadgen.Config, perProc int, cpus []int) ([]*child, error) {
	n := max((cfg.Conns+perProc-1)/perProc, min(len(cpus), cfg.Conns))
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
		var env []string
		if len(cpus) > 0 {
			env = append(env, fmt.Sprintf("%s=%d", cpuEnv, cpus[i%len(cpus)]))
		}
		ch, err := startChild(roleLoad, fmt.Sprintf("load generator %d/%d", i+1, n), env...)
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

// startWarmServer starts impl (recording a CPU profile into profile, if
// set) and warms it with a few round trips, so the first sample does not
// pay for page faults and lazy compilation.
func startWarmServer(ctx context.Context, impl, profile string, loops int) (*server, error) {
	srv, err := startServer(ctx, impl, profile, loops)
	if err != nil {
		return nil, err
	}
	srv.baseFDs = fdCount(srv.pid)
	r, err := loadgen.Run(loadgen.Config{Addr: srv.addr, Conns: 2, Size: 64, Duration: 50 * time.Millisecond})
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
func runWindow(ctx context.Context, srv *server, procs []*child, kc *kernelCounter) (e0, e1 edge, total *loadgen.Result, err error) {
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
		// perf is switched on after the start edge is read and off after
		// the end edge is, so its answers do not stretch the span the
		// server's rates are taken over (it keeps a span of its own).
		e := &e0
		if want == edgeEnd {
			e = &e1
		}
		if *e, err = readEdge(ctx, srv); err != nil {
			return
		}
		if want == edgeStart {
			kc = switchKernelCounter(srv, kc, (*kernelCounter).enable)
		} else {
			kc = switchKernelCounter(srv, kc, (*kernelCounter).disable)
		}
	}
	if kc != nil {
		c, kerr := kc.finish()
		switch {
		case kerr != nil:
			srv.kernelErr = kerr.Error()
		case c.Total == 0:
			// A server that answered made system calls: perf's count
			// never started.
			srv.kernelErr = "perf counted no system call in the window"
		default:
			e1.kernel = &c
		}
	}
	for _, c := range procs {
		var r loadgen.Result
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

// edge is what the parent reads of the server at a window edge, and of
// the machine around the sample.
type edge struct {
	at       time.Time
	cpu      time.Duration
	counters serverCounters
	counted  bool

	// user and sys split cpu, in clock ticks (see procTimes).
	user, sys time.Duration
	// net is the machine's TCP state before the sample (at the start
	// edge) or after its window (at the end edge).
	net netState
	// dirty, at the start edge, is why the sample did not start clean.
	dirty string
	// netc are the machine's network counters at the edge.
	netc netCounters
	// kernel, at the end edge, is the kernel's count of the server's
	// system calls over the window; nil when it could not count.
	kernel *syscallCount
}

func readEdge(ctx context.Context, srv *server) (edge, error) {
	e := edge{at: time.Now(), netc: readNetCounters()}
	var err error
	if e.cpu, err = srv.cpu(); err != nil {
		return e, fmt.Errorf("server %s: %w", srv.impl, err)
	}
	if e.user, e.sys, err = procTimes(srv.pid); err != nil {
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
func loadSample(r *loadgen.Result) results.Sample {
	m := map[string]float64{
		results.Starved:         float64(r.Starved),
		results.StarvedByClient: float64(r.StarvedByClient),
		results.Dropped:         float64(r.Died),
		results.NeverConnected:  float64(r.NeverConnected),
		results.ClientProcs:     float64(len(r.ProcCPU)),
	}
	if r.Ramp > 0 {
		m[results.RampNs] = float64(r.Ramp)
	}
	secs := r.Window.Seconds()
	if secs > 0 {
		m[results.RoundTripsPerSec] = float64(r.RoundTrips) / secs
		pct := 100 * r.ClientCPU.Seconds() / secs
		m[results.ClientCPUPercent] = pct
		m[results.ClientBound] = 0
		if pct > results.ClientBoundPercent {
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
// peak RSS, its system calls per unit (counted by the kernel for every
// server, and by the loop for the reactor backends), all read over the
// parent's window and scaled to the load generator's, and the machine's
// TCP state around the sample; it marks the sample invalid when that
// state or the load generator, not the server, decided it.
func serverMetrics(s *results.Sample, cpuUnit string, srv *server, e0, e1 edge, total *loadgen.Result, units float64) {
	m, window := s.Metrics, total.Window
	netMetrics(m, e0.net, e1.net)
	for unit, v1 := range e1.netc {
		if v0, ok := e0.netc[unit]; ok && v1 >= v0 {
			m[unit] = float64(v1 - v0)
		}
	}
	if total.RoundTrips > 0 {
		m[results.ClientReadsPerRT] = float64(total.Reads) / float64(total.RoundTrips)
		m[results.ClientEmptyReadsPerRT] = float64(total.ReadsAgain) / float64(total.RoundTrips)
		m[results.ClientPartialWrites] = float64(total.PartialWrites)
	}
	s.Invalid = invalidReason(e0, e1, total, m[results.ClientCPUPercent], units)
	if s.Invalid == "" {
		s.Invalid = lateEdges(e1.at.Sub(e0.at), window)
	}
	span := e1.at.Sub(e0.at).Seconds()
	if span <= 0 {
		return
	}
	cpuPerSec := (e1.cpu - e0.cpu).Seconds() / span
	m["server-cpu-%"] = 100 * cpuPerSec
	if units > 0 && window > 0 {
		unitsPerSec := units / window.Seconds()
		perUnit := func(calls float64) float64 { return calls / span / unitsPerSec }
		m[cpuUnit] = cpuPerSec / unitsPerSec * 1e9
		if e0.counted && e1.counted {
			c0, c1 := e0.counters, e1.counters
			m[results.SyscallsPerEvent] = perUnit(float64(c1.SystemCalls() - c0.SystemCalls()))
			m[results.LoopEAgainPerRT] = perUnit(float64(c1.Again - c0.Again))
		}
		if k := e1.kernel; k != nil {
			unit := results.KernelSyscallsPerRT
			if cpuUnit != results.ServerCPUNsPerRT {
				unit = results.KernelSyscallsPerConn
			}
			// perf counted over its own span, inside the edges'.
			kspan := k.Span.Seconds()
			if kspan <= 0 {
				kspan = span
			}
			kernelPerUnit := func(calls float64) float64 { return calls / kspan / unitsPerSec }
			m[unit] = kernelPerUnit(k.Total)
			m[results.KernelEAgainPerRT] = kernelPerUnit(k.Again)
			s.Syscalls = map[string]float64{}
			for name, n := range k.ByName {
				s.Syscalls[name] = kernelPerUnit(n)
			}
		}
	}
	// Connections per loop come from the edge that saw more of them: at
	// the window's start a busy server may not have accepted them all, and
	// by its end the load generators may already be resetting theirs.
	at := e0
	if sum(e1.counters.LoopConns) > sum(e0.counters.LoopConns) {
		at = e1
	}
	if at.counted && len(at.counters.LoopConns) > 0 {
		lo, hi := slices.Min(at.counters.LoopConns), slices.Max(at.counters.LoopConns)
		m[results.LoopConnsMin], m[results.LoopConnsMax] = float64(lo), float64(hi)
		if lo > 0 {
			m[results.LoopImbalance] = float64(hi) / float64(lo)
		}
	}
	if rss, err := procStatus(srv.pid, "VmHWM"); err == nil {
		m[results.ServerPeakRSS] = float64(rss)
	}
}

// maxEdgeLag is how far, as a share of the load generator's window, the
// parent's reading of the server may stretch or shrink it: the server's
// rates are taken over the parent's span and the round trips over the
// window, so a parent the machine kept from running skews every cost.
const maxEdgeLag = 0.25

// lateEdges says why a sample's edges do not match its window, or "".
func lateEdges(span, window time.Duration) string {
	if window <= 0 || math.Abs(float64(span-window)) <= maxEdgeLag*float64(window) {
		return ""
	}
	return fmt.Sprintf("the suite read the server %v apart at the edges of the load generator's %v window (it was kept from running: the machine was busy), which skews every cost per round trip", span.Round(time.Millisecond), window.Round(time.Millisecond))
}

// netMetrics records the machine's TCP state before and after a sample.
func netMetrics(m map[string]float64, before, after netState) {
	m[results.CleanWaitNs] = float64(before.Waited)
	m[results.TCPOrphansBefore] = float64(before.Orphans)
	m[results.TCPTimeWaitBefore] = float64(before.TimeWait)
	m[results.TCPMemBefore] = float64(before.MemPages)
	m[results.TCPMemAfter] = float64(after.MemPages)
	if before.LoadCPUBusy >= 0 {
		m[results.ClientCPUOtherPct] = before.LoadCPUBusy
	}
	m[results.TCPPressure] = 0
	if before.Pressure || after.Pressure {
		m[results.TCPPressure] = 1
	}
}

// invalidReason says why a sample measured something other than the
// server, or "": it started from a dirty state, the kernel was under TCP
// memory pressure at its end, or the saturated load generator left echoes
// unread (the server had answered; the client never got to them).
func invalidReason(e0, e1 edge, total *loadgen.Result, clientPct, units float64) string {
	switch {
	case units == 0 && e0.net.LoadCPUBusy >= busyClientPct:
		return fmt.Sprintf("nothing completed in the window, and the load generator's CPU was %.0f%% busy with other work just before it: the machine held the sample back", e0.net.LoadCPUBusy)
	case e0.dirty != "":
		return "started from a dirty state: " + e0.dirty
	case e1.net.Pressure:
		return fmt.Sprintf("TCP memory pressure at the window's end (%d pages, net.ipv4.tcp_mem starts at %d)", e1.net.MemPages, e1.net.MemMin)
	case total.StarvedByClient > 0:
		return fmt.Sprintf("the load generator (%.0f%% of its core, %d process(es)) never read the echo of %d connection(s) the server had answered", clientPct, len(total.ProcCPU), total.StarvedByClient)
	}
	return ""
}

// invalidRetries is how many times an invalid sample is taken again before
// it is kept, marked, beside the valid ones.
const invalidRetries = 2

// settle waits until the server has gone quiet, its CPU time still over
// 100 ms and its descriptors back to what it held before the sample, so that closing the last sample's connections (Twisted's poll
// reactor needs seconds of CPU for 20,000) does not spill into the next
// sample, this server's or another's on the same CPU. It gives up after
// settleLimit.
func settle(srv *server) {
	deadline := time.Now().Add(settleLimit)
	last, err := srv.cpu()
	for err == nil && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		var now time.Duration
		// A server waiting for a CPU others keep busy looks quiet too:
		// it has settled only once it has closed the sample's sockets.
		if now, err = srv.cpu(); err == nil && now-last < 2*time.Millisecond && srv.drained() {
			return
		}
		last = now
	}
}

// settleLimit bounds settle.
const settleLimit = 30 * time.Second

// sampleWindow runs one repeat of cfg against srv on the shared network
// runner: fresh load generator processes (perProc connections each at
// most) and fresh connections, the warm-up, the window (stretched as cfg
// allows), the server read at the window's edges; then the processes
// reset their connections and the server is left to go quiet, so nothing
// of this sample spills into the next.
func sampleWindow(ctx context.Context, srv *server, cfg loadgen.Config, perProc int) (e0, e1 edge, total *loadgen.Result, err error) {
	before, dirty := cleanStart(srv)
	procs, err := loadProcs(ctx, cfg, perProc, srv.layout.load)
	if err != nil {
		return e0, e1, nil, err
	}
	stop := func() {
		for _, c := range procs {
			c.stop()
		}
	}
	defer stop()
	kc, kerr := startKernelCounter(srv.pid)
	if kerr != nil {
		srv.kernelErr = kerr.Error()
	}
	if e0, e1, total, err = runWindow(ctx, srv, procs, kc); err != nil {
		if kc != nil {
			kc.close()
		}
		return e0, e1, nil, err
	}
	e0.net, e0.dirty = before, dirty
	e1.net, _ = readNetState()
	stop() // the load generators reset their connections on the way out
	settle(srv)
	return e0, e1, total, nil
}

// switchKernelCounter enables or disables kc at a window edge; on failure
// it records why on srv, ends perf and returns nil, so the sample goes on
// without the kernel's count.
func switchKernelCounter(srv *server, kc *kernelCounter, do func(*kernelCounter) error) *kernelCounter {
	if kc == nil {
		return nil
	}
	if err := do(kc); err != nil {
		srv.kernelErr = err.Error()
		kc.close()
		return nil
	}
	return kc
}
