package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/reactorbench/reactorbench/bench/peers"
	"github.com/reactorbench/reactorbench/bench/results"
	"github.com/reactorbench/reactorbench/core"
	"github.com/reactorbench/reactorbench/core/deferred"
	"github.com/reactorbench/reactorbench/internal/peerenv"
)

// The in-process workloads time the reactor's own machinery with no I/O:
// Deferred shapes (callbacks), CallLater (timers) and CallFromThread
// (cross-thread), per backend, beside the same shapes in Twisted.

// shape is one in-process measurement.
type shape struct {
	workload string            // callbacks, timers or cross-thread
	key      string            // the name below the implementation, e.g. "pending=1000/op=fire"
	params   map[string]string // key as parameters, and "shape": key (what the report groups bars by)
	// prepare readies the shape on a fresh loop (pending timers, say) and
	// returns run, which makes n operations and brackets the timed part
	// with w. run may be called many times.
	prepare func(l *core.Loop) (run func(n int, w window) error, err error)
}

// benchSink keeps each operation's result alive, so the compiler can
// neither drop the work nor keep it on the stack.
var benchSink any

func identity(v any) (any, error) { return v, nil }

func recoverFailure(*deferred.Failure) (any, error) { return nil, nil }

var errShape = errors.New("bench: errback shape")

// deferredShape is a callbacks shape that needs no loop: op is one operation.
func deferredShape(name string, op func()) shape {
	return shape{
		workload: "callbacks", key: "shape=" + name, params: map[string]string{"shape": name},
		prepare: func(*core.Loop) (func(int, window) error, error) {
			return func(n int, w window) error {
				benchSink = nil
				w.StartTimer()
				for range n {
					op()
				}
				w.StopTimer()
				if benchSink == nil {
					return fmt.Errorf("shape %s produced nothing", name)
				}
				return nil
			}, nil
		},
	}
}

// callbackShapes are the Deferred shapes of the Deferred issue, under the
// names core's own benchmarks and the Twisted scripts use.
func callbackShapes() []shape {
	ds := make([]*deferred.Deferred, 1000)
	return []shape{
		deferredShape("create-callback-fire", func() {
			d := deferred.New(nil)
			d.AddCallback(identity)
			d.Callback(nil)
			benchSink = d
		}),
		deferredShape("chain-10", func() {
			d := deferred.New(nil)
			for range 10 {
				d.AddCallback(identity)
			}
			d.Callback(nil)
			benchSink = d
		}),
		deferredShape("list-1000", func() {
			for i := range ds {
				ds[i] = deferred.New(nil)
			}
			l := deferred.List(ds, deferred.ListOptions{})
			for _, d := range ds {
				d.Callback(nil)
			}
			benchSink = l
		}),
		deferredShape("errback", func() {
			d := deferred.New(nil)
			d.AddErrback(recoverFailure)
			d.Errback(errShape)
			benchSink = d
		}),
		{
			workload: "callbacks", key: "shape=defer-to-thread", params: map[string]string{"shape": "defer-to-thread"},
			prepare: prepareDeferToThread,
		},
	}
}

func noWork() (any, error) { return nil, nil }

// prepareDeferToThread returns n DeferToThread round trips one after
// another: the work runs on the loop's pool, its result fires the Deferred
// on the loop, whose callback starts the next. The pool runs only while
// the loop does, so each run is one Run, ended by Crash (which, unlike
// Stop, lets Run be called again).
func prepareDeferToThread(l *core.Loop) (func(int, window) error, error) {
	done, want := 0, 0
	var w window
	var next func(any) (any, error)
	next = func(any) (any, error) {
		if done++; done < want {
			core.DeferToThread(l, noWork).AddCallback(next)
			return nil, nil
		}
		w.StopTimer()
		l.Crash()
		return nil, nil
	}
	start := func() {
		w.StartTimer()
		core.DeferToThread(l, noWork).AddCallback(next)
	}
	return func(n int, win window) error {
		done, want, w = 0, n, win
		l.CallFromThread(start)
		if err := l.Run(); err != nil {
			return err
		}
		if done != n {
			return fmt.Errorf("%d of %d round trips done", done, n)
		}
		return nil
	}, nil
}

// timerBatch is how many operations a timer shape makes in one pass of
// the loop, in Go and in Twisted alike.
const timerBatch = 1000

// timerPendings are the numbers of far-future timers a timer shape runs
// beside; quick leaves out the million.
func timerPendings(quick bool) []int {
	if quick {
		return []int{0, 1000}
	}
	return []int{0, 1000, 1_000_000}
}

// idleTimeoutConns is how many connections the idle-timeout shapes keep,
// each with one idle timeout (glommio's trace of a server: 4096).
const idleTimeoutConns = 4096

// timerShapes are CallLater schedule+fire and schedule+cancel with pending
// far-future timers in the queue, and a server's idle timeouts moved back
// on every request.
func timerShapes(quick bool) []shape {
	var shapes []shape
	for _, pending := range timerPendings(quick) {
		for _, op := range []string{"fire", "cancel"} {
			p := strconv.Itoa(pending)
			shapes = append(shapes, shape{
				workload: "timers", key: "pending=" + p + "/op=" + op,
				params:  map[string]string{"pending": p, "op": op, "shape": "pending=" + p + "/op=" + op},
				prepare: func(l *core.Loop) (func(int, window) error, error) { return prepareTimers(l, pending, op), nil },
			})
		}
	}
	c := strconv.Itoa(idleTimeoutConns)
	for _, op := range []string{"reset", "rearm"} {
		key := "conns=" + c + "/op=" + op
		shapes = append(shapes, shape{
			workload: "timers", key: key,
			params:  map[string]string{"conns": c, "op": op, "shape": "idle-timeouts/" + key},
			prepare: func(l *core.Loop) (func(int, window) error, error) { return prepareIdleTimeouts(l, op), nil },
		})
	}
	return shapes
}

func noop() {}

// inPasses makes n operations op in passes of l, timerBatch to a pass, as
// callbacks make them: each batch is a call from another goroutine, which
// the pass runs before its timed calls. done reports whether the pass has
// finished what the batch started (fired what it scheduled, say).
func inPasses(l *core.Loop, n int, op func(), done func() bool) error {
	k := 0
	batch := func() {
		for range k {
			op()
		}
	}
	for left := n; left > 0; left -= k {
		k = min(timerBatch, left)
		l.CallFromThread(batch)
		for first := true; first || !done(); first = false {
			if err := l.Iterate(0); err != nil {
				return err
			}
		}
	}
	return nil
}

func always() bool { return true }

// prepareTimers schedules pending timers an hour or more away, each at its
// own time, and returns the fire or cancel operation, made from inside
// passes (see inPasses).
func prepareTimers(l *core.Loop, pending int, op string) func(int, window) error {
	for i := range pending {
		l.CallLater(time.Hour+time.Duration(i), noop)
	}
	if op == "cancel" {
		var err error
		cancel := func() {
			if e := l.CallLater(2*time.Hour, noop).Cancel(); e != nil {
				err = e
			}
		}
		return func(n int, w window) error {
			err = nil
			w.StartTimer()
			if e := inPasses(l, n, cancel, always); e != nil {
				return e
			}
			w.StopTimer()
			return err
		}
	}
	scheduled, fired := 0, 0
	fire := func() { fired++ }
	schedule := func() { l.CallLater(0, fire); scheduled++ }
	return func(n int, w window) error {
		scheduled, fired = 0, 0
		w.StartTimer()
		err := inPasses(l, n, schedule, func() bool { return fired == scheduled })
		w.StopTimer()
		return err
	}
}

// prepareIdleTimeouts arms one 30-second idle timeout per connection and
// returns one request's worth of work on them, in connection order: the
// connection's timeout moved back with Reset (op reset, as Twisted's
// TimeoutMixin does) or cancelled and scheduled anew (op rearm). None
// fires.
func prepareIdleTimeouts(l *core.Loop, op string) func(int, window) error {
	const timeout = 30 * time.Second
	expired := 0
	expire := func() { expired++ }
	calls := make([]*core.DelayedCall, idleTimeoutConns)
	for i := range calls {
		calls[i] = l.CallLater(timeout, expire)
	}
	next := 0
	var err error
	request := func() {
		if op == "reset" {
			err = calls[next].Reset(timeout)
		} else {
			err = calls[next].Cancel()
			calls[next] = l.CallLater(timeout, expire)
		}
		next = (next + 1) % idleTimeoutConns
	}
	return func(n int, w window) error {
		err = nil
		w.StartTimer()
		if e := inPasses(l, n, request, always); e != nil {
			return e
		}
		w.StopTimer()
		if expired != 0 {
			return fmt.Errorf("%d idle timeouts fired", expired)
		}
		return err
	}
}

// crossThreadGoroutines are the numbers of goroutines calling CallFromThread.
var crossThreadGoroutines = []int{1, 4}

// crossThreadShapes are n CallFromThread calls made by g goroutines at once
// while the loop runs them.
func crossThreadShapes() []shape {
	var shapes []shape
	for _, g := range crossThreadGoroutines {
		gs := strconv.Itoa(g)
		shapes = append(shapes, shape{
			workload: "cross-thread", key: "goroutines=" + gs, params: map[string]string{"goroutines": gs, "shape": "goroutines=" + gs},
			prepare: func(l *core.Loop) (func(int, window) error, error) {
				count, want := 0, 0
				inc := func() {
					// The pass that runs the last call would then block in
					// Wait with nothing left to wake it, so that call wakes it.
					if count++; count == want {
						_ = l.Poller().Wake()
					}
				}
				return func(n int, w window) error {
					count, want = 0, n
					// The goroutines start before the timer and wait for
					// go, so their start-up is not timed.
					var wg, ready sync.WaitGroup
					start := make(chan struct{})
					for i := range g {
						ready.Add(1)
						wg.Go(func() {
							ready.Done()
							<-start
							for range n/g + btoi(i < n%g) {
								l.CallFromThread(inc)
							}
						})
					}
					ready.Wait()
					w.StartTimer()
					close(start)
					for count < n {
						if err := l.Iterate(-1); err != nil {
							return err
						}
					}
					w.StopTimer()
					wg.Wait()
					return nil
				}, nil
			},
		})
	}
	return shapes
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// inprocShapes are the shapes of one workload.
func inprocShapes(workload string, quick bool) []shape {
	switch workload {
	case "callbacks":
		return callbackShapes()
	case "timers":
		return timerShapes(quick)
	default:
		return crossThreadShapes()
	}
}

// stopwatch is the suite's window: it sums the time and heap allocations
// between StartTimer and StopTimer.
type stopwatch struct {
	start   time.Time
	elapsed time.Duration
	mallocs uint64
	ms      runtime.MemStats
}

func (s *stopwatch) StartTimer() {
	runtime.ReadMemStats(&s.ms)
	s.mallocs -= s.ms.Mallocs
	s.start = time.Now()
}

func (s *stopwatch) StopTimer() {
	s.elapsed += time.Since(s.start)
	runtime.ReadMemStats(&s.ms)
	s.mallocs += s.ms.Mallocs
}

// shapeTarget is how long one sample's timed run should last.
func shapeTarget(quick bool) time.Duration {
	if quick {
		return 5 * time.Millisecond
	}
	return 30 * time.Millisecond
}

// minShapeOps is the fewest operations a sample times, in Go and in the
// Twisted script alike: a first run over the target time is not enough,
// since one slow operation (a thread's start, a page fault, an interpreter
// switch) would then be the sample.
const minShapeOps = 100

// timeShape grows n, as testing.B does, until run(n) on l lasts at least
// target and makes at least minShapeOps operations, and returns that last
// run as a sample: its measurements per operation, and n.
func timeShape(l *core.Loop, run func(int, window) error, target time.Duration) (results.Sample, error) {
	n := 1
	for {
		var sw stopwatch
		before := l.Counters()
		if err := run(n, &sw); err != nil {
			return results.Sample{}, err
		}
		if sw.elapsed >= target && n >= minShapeOps || n >= 1e9 {
			return results.Sample{Metrics: shapeMetrics(n, sw.elapsed, sw.mallocs, before, l.Counters()), Iters: int64(n)}, nil
		}
		perOp := max(sw.elapsed.Nanoseconds()/int64(n), 1)
		n = int(min(max(int64(target.Nanoseconds())/perOp*6/5, int64(n)+1, minShapeOps), int64(n)*100))
	}
}

// shapeMetrics are the per-operation figures of n operations: time,
// allocations, the loop's syscalls, and how many passes a wake-up served.
func shapeMetrics(n int, elapsed time.Duration, mallocs uint64, before, after core.Counters) map[string]float64 {
	m := map[string]float64{
		results.NsPerOp:     float64(elapsed.Nanoseconds()) / float64(n),
		results.AllocsPerOp: float64(mallocs) / float64(n),
		"syscalls/op":       float64(loopSyscalls(after)-loopSyscalls(before)) / float64(n),
	}
	if waits, wakes := after.Waits-before.Waits, after.Wakes-before.Wakes; waits > 0 && wakes > 0 {
		m["wakes/pass"] = float64(wakes) / float64(waits)
	}
	return m
}

// measureShape opens a loop of backend, prepares s on it and takes
// repeats samples.
func measureShape(ctx context.Context, backend string, s shape, repeats int, quick bool) ([]results.Sample, error) {
	l, err := core.Open(backend)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	run, err := s.prepare(l)
	if err != nil {
		return nil, err
	}
	// A warm-up run first, untimed: lazily built state (the thread pool,
	// the timer heap's backing array) is not any sample's.
	if err := run(minShapeOps, &stopwatch{}); err != nil {
		return nil, err
	}
	var samples []results.Sample
	for range repeats {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		sample, err := timeShape(l, run, shapeTarget(quick))
		if err != nil {
			return nil, err
		}
		samples = append(samples, sample)
	}
	return samples, nil
}

// inprocName is the result name of a shape, e.g.
// "Timers/impl=epoll/pending=1000/op=fire".
func inprocName(workload, impl, key string) string {
	return benchPrefix(workload) + "/impl=" + impl + "/" + key
}

// benchPrefix is a workload's benchmark name: "cross-thread" -> "CrossThread".
func benchPrefix(workload string) string {
	var b strings.Builder
	for _, part := range strings.Split(workload, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// runInproc measures every shape of workload on every backend of o, then
// the same shapes in Twisted.
func runInproc(ctx context.Context, workload string, o *Options, emit func(results.Result)) error {
	repeats := max(o.Repeats, 1)
	shapes := inprocShapes(workload, o.Quick)
	for _, backend := range o.Reactors {
		for _, s := range shapes {
			samples, err := measureShape(ctx, backend, s, repeats, o.Quick)
			name := inprocName(workload, backend, s.key)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			o.progress(name)
			emit(results.Result{Name: name, Workload: workload, Impl: backend, Params: s.params, Samples: samples})
		}
	}
	if !wantTwisted(o) {
		return nil
	}
	return runTwistedInproc(ctx, workload, shapes, o, emit)
}

// wantTwisted reports whether o asks for any Twisted peer; the in-process
// shapes have one Twisted implementation, its default reactor.
func wantTwisted(o *Options) bool {
	for _, p := range o.Peers {
		if strings.HasPrefix(p, "twisted") {
			return true
		}
	}
	return false
}

// runTwistedInproc runs the Twisted script for workload and emits its
// samples under the same names with impl "twisted", or records a skip.
func runTwistedInproc(ctx context.Context, workload string, shapes []shape, o *Options, emit func(results.Result)) error {
	what := "peer twisted (" + workload + ")"
	got, err := twistedShapes(ctx, workload, max(o.Repeats, 1), o.Quick)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, errNoTwisted) {
			o.skip(what, err.Error(), peerenv.TwistedHint)
			for _, s := range shapes {
				o.progress(inprocName(workload, "twisted", s.key))
			}
			return nil
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	for _, s := range shapes {
		name := inprocName(workload, "twisted", s.key)
		o.progress(name)
		samples := got[s.key]
		if len(samples) == 0 {
			py, _ := peerenv.Python3Twisted()
			o.skip(name, "the Twisted script printed no result for it", "run it alone: "+py+" bench/peers/twisted_inproc.py "+workload)
			continue
		}
		emit(results.Result{Name: name, Workload: workload, Impl: "twisted", Params: s.params, Samples: samples})
	}
	return nil
}

func inprocPoints(workload string) func(*Options) int {
	return func(o *Options) int {
		impls := len(o.Reactors)
		if wantTwisted(o) {
			impls++
		}
		return len(inprocShapes(workload, o.Quick)) * impls
	}
}

func init() {
	docs := map[string]string{
		"callbacks":    "Deferred create+callback+fire, a chain of 10, DeferredList of 1000, the errback path, a DeferToThread round trip; beside Twisted",
		"timers":       "CallLater schedule+fire and schedule+cancel beside 0, 1e3 and 1e6 pending timers, idle timeouts of 4096 connections moved back per request; beside Twisted",
		"cross-thread": "CallFromThread from 1 and 4 goroutines while the loop runs the calls; beside Twisted",
	}
	for _, w := range []string{"callbacks", "timers", "cross-thread"} {
		RegisterWorkload(Workload{
			Name:   w,
			Doc:    docs[w],
			Points: inprocPoints(w),
			Run: func(ctx context.Context, o *Options, emit func(results.Result)) error {
				return runInproc(ctx, w, o, emit)
			},
		})
	}
}

// twistedInprocScript is the embedded script that times the shapes in Twisted.
const twistedInprocScript = "twisted_inproc.py"

// errNoTwisted is why the Twisted shapes did not run.
var errNoTwisted = errors.New("python3 cannot import twisted")

// twistedShapes runs the Twisted script for workload, repeats samples per
// shape, and returns them by shape key. It fails with errNoTwisted when
// there is no python3 with Twisted.
func twistedShapes(ctx context.Context, workload string, repeats int, quick bool) (map[string][]results.Sample, error) {
	py, err := peerenv.Python3Twisted()
	if err != nil {
		return nil, errNoTwisted
	}
	script, err := peers.Script(twistedInprocScript)
	if err != nil {
		return nil, err
	}
	args := []string{"-", "--count", strconv.Itoa(repeats)}
	if quick {
		args = append(args, "--quick")
	}
	cmd := exec.CommandContext(ctx, py, append(args, workload)...)
	cmd.Stdin = strings.NewReader(script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", twistedInprocScript, workload, err, strings.TrimSpace(stderr.String()))
	}
	return parseBenchLines(out, benchPrefix(workload))
}

// parseBenchLines reads Go benchmark lines "BenchmarkPREFIX/KEY N V UNIT
// [V UNIT...]" into samples by KEY, one per line, N their iteration count;
// other lines are ignored. A count outside [1, 1e12] or a value that is
// not finite is an error.
func parseBenchLines(out []byte, prefix string) (map[string][]results.Sample, error) {
	got := map[string][]results.Sample{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		key, ok := strings.CutPrefix(f0(f), "Benchmark"+prefix+"/")
		if !ok {
			continue
		}
		if len(f) < 4 || len(f)%2 != 0 {
			return nil, fmt.Errorf("malformed benchmark line %q", line)
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || n < 1 || n > 1e12 {
			return nil, fmt.Errorf("malformed benchmark line %q: iteration count %q", line, f[1])
		}
		m := map[string]float64{}
		for i := 2; i < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("malformed benchmark line %q: value %q", line, f[i])
			}
			m[f[i+1]] = v
		}
		got[key] = append(got[key], results.Sample{Metrics: m, Iters: n})
	}
	return got, nil
}

// f0 is the first field, or "" for none.
func f0(f []string) string {
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
